from django.contrib import admin, messages
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import ReassignForm
from .models import Dossier, ForbiddenTerm, JournalEntry, Note, Receivable

#: The fields of a file that only the services write (each change journaled).
SERVICE_FIELDS = ("assigned_to", "status", "next_action", "next_action_date")


class ReceivableInline(admin.TabularInline):
    model = Receivable
    extra = 0
    fields = ["number", "issue_date", "due_date", "amount", "balance"]


class NoteInline(admin.TabularInline):
    model = Note
    extra = 0
    fields = ["created_at", "author", "text"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        # The author of each row, in the inline's own query (not one query per note).
        return super().get_queryset(request).select_related("author")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "name",
        "kind",
        "status",
        "assigned_to",
        "outstanding",
        "oldest_due_date",
        "next_action_date",
    ]
    list_filter = ["status", "kind", "assigned_to"]
    search_fields = ["reference", "name", "siren"]
    list_select_related = ["assigned_to"]
    readonly_fields = ["outstanding", "oldest_due_date", "created_at", "updated_at"]
    autocomplete_fields = ["assigned_to"]
    actions = ["reassign_selected"]
    show_full_result_count = False

    #: Inlines of the apps that know files, shown first: ``contacts.admin`` adds
    #: its contacts here (``dossiers`` imports no other app).
    extra_inlines: list = []
    inlines = [ReceivableInline, NoteInline]

    def get_inlines(self, request, obj):
        return [*self.extra_inlines, *self.inlines]

    def save_model(self, request, obj, form, change):
        """Through the services, as in the agent UI: a reassignment, a status or a
        next action changed here is journaled like one made on the file's page; the
        other fields are saved and journaled as one change."""
        if not change:
            super().save_model(request, obj, form, change)
            services.journal_record(
                dossier=obj,
                action=services.Action.DOSSIER_CREATED,
                actor=request.user,
                message=str(_("Dossier créé depuis l'administration.")),
            )
            return
        changed = set(form.changed_data)
        stored = Dossier.objects.get(pk=obj.pk)
        wanted = {name: getattr(obj, name) for name in SERVICE_FIELDS}
        for name in SERVICE_FIELDS:  # written below, by the services
            setattr(obj, name, getattr(stored, name))
        plain = sorted(changed - set(SERVICE_FIELDS))
        if plain:
            super().save_model(request, obj, form, change)
            labels = ", ".join(str(Dossier._meta.get_field(name).verbose_name) for name in plain)
            services.journal_record(
                dossier=obj,
                action=services.Action.DOSSIER_UPDATED,
                actor=request.user,
                message=_("Dossier modifié depuis l'administration (%(fields)s).")
                % {"fields": labels},
                data={"fields": plain},
            )
        if "assigned_to" in changed:
            services.dossier_reassign(
                dossier=obj, assignee=wanted["assigned_to"], user=request.user
            )
        if "status" in changed:
            services.dossier_set_status(
                dossier=obj,
                status=wanted["status"],
                user=request.user,
                reason=_("Depuis l'administration."),
            )
        if {"next_action", "next_action_date"} & changed:
            services.dossier_plan_next_action(
                dossier=obj,
                label=wanted["next_action"],
                date=wanted["next_action_date"],
                user=request.user,
            )
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Receivable:
            services.dossier_refresh_totals(dossier_ids=[form.instance.pk])

    @admin.action(description=_("Réaffecter les dossiers sélectionnés"), permissions=["reassign"])
    def reassign_selected(self, request, queryset):
        if "apply" in request.POST:
            form = ReassignForm(request.POST)
            if form.is_valid():
                assignee = form.cleaned_data["assigned_to"]
                for dossier in queryset:
                    services.dossier_reassign(dossier=dossier, assignee=assignee, user=request.user)
                self.message_user(
                    request,
                    _("%(count)d dossier(s) réaffecté(s) à %(name)s.")
                    % {"count": queryset.count(), "name": services.user_label(assignee)},
                    messages.SUCCESS,
                )
                return None
        else:
            form = ReassignForm()
        return render(
            request,
            "admin/dossiers/reassign.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Réaffecter des dossiers"),
                "dossiers": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    def has_reassign_permission(self, request):
        return request.user.has_perm("dossiers.reassign_dossier")


@admin.register(Receivable)
class ReceivableAdmin(admin.ModelAdmin):
    list_display = ["number", "dossier", "issue_date", "due_date", "amount", "balance"]
    list_filter = ["due_date"]
    search_fields = ["number", "dossier__reference", "dossier__name"]
    list_select_related = ["dossier"]
    raw_id_fields = ["dossier"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.dossier_refresh_totals(dossier_ids=[obj.dossier_id])

    def delete_model(self, request, obj):
        dossier_id = obj.dossier_id
        super().delete_model(request, obj)
        services.dossier_refresh_totals(dossier_ids=[dossier_id])


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["created_at", "dossier", "author", "text"]
    search_fields = ["text", "dossier__reference"]
    list_select_related = ["dossier", "author"]
    readonly_fields = ["dossier", "author", "text", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ForbiddenTerm)
class ForbiddenTermAdmin(admin.ModelAdmin):
    list_display = ["term", "category", "active"]
    list_filter = ["category", "active"]
    search_fields = ["term"]
    list_editable = ["active"]


@admin.register(JournalEntry)
class JournalEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "dossier", "action", "actor_kind", "actor", "message"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["dossier__reference", "message"]
    list_select_related = ["dossier", "actor"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.site_header = _("Recouvrement — administration")
admin.site.site_title = _("Recouvrement")
admin.site.index_title = _("Administration")
