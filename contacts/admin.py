from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from dossiers.admin import DossierAdmin
from dossiers.objectivity import validate_objective

from . import services
from .messaging.placeholders import PLACEHOLDERS
from .models import Communication, Contact, ContactPoint, Evidence, MessageTemplate


class ContactInline(admin.TabularInline):
    """Read-only in the file: contacts are added and changed on their own page, which
    goes through the services (journal, objectivity check, normalised means)."""

    model = Contact
    extra = 0
    fields = ["civility", "first_name", "last_name", "function", "observation"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ContactAdminForm(forms.ModelForm):
    observation = forms.CharField(
        label=_("observation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_objective],
    )

    class Meta:
        model = Contact
        fields = [
            "dossier",
            "civility",
            "first_name",
            "last_name",
            "function",
            "observation",
            "external_key",
        ]


class ContactPointAdminForm(forms.ModelForm):
    """Checks a means as the services will store it (normalised, not twice per contact)."""

    class Meta:
        model = ContactPoint
        fields = [
            "contact",
            "kind",
            "phone",
            "email",
            "address_line1",
            "address_line2",
            "address_line3",
            "postcode",
            "city",
            "country",
        ]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind") or self.instance.kind
        if not kind or self.errors:
            return cleaned
        try:
            values = services.contact_point_values(kind=kind, values=cleaned)
        except ValidationError as exc:
            self._update_errors(exc)
            return cleaned
        self.value_key = values["value_key"]
        contact = cleaned.get("contact") or getattr(self.instance, "contact", None)
        if contact is not None and contact.pk:
            duplicates = ContactPoint.objects.filter(
                contact=contact, kind=kind, value_key=values["value_key"]
            ).exclude(pk=self.instance.pk)
            if duplicates.exists():
                self.add_error(None, str(services.DUPLICATE_MESSAGES[kind]))
        return cleaned

    def _post_clean(self):
        # The file comes from the contact, as the services will set it.
        if self.instance.contact_id:
            self.instance.dossier_id = self.instance.contact.dossier_id
        super()._post_clean()


class ContactPointInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            key = (form.cleaned_data.get("kind"), getattr(form, "value_key", None))
            if key[1] is None:
                continue
            if key in seen:
                form.add_error(None, str(services.DUPLICATE_MESSAGES[key[0]]))
            seen.add(key)


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    form = ContactPointAdminForm
    formset = ContactPointInlineFormSet
    extra = 0
    fields = [
        "kind",
        "phone",
        "email",
        "address_line1",
        "address_line2",
        "postcode",
        "city",
        "country",
        "status",
        "is_default",
        "value_key",
    ]
    readonly_fields = ["status", "is_default", "value_key"]
    show_change_link = True


def point_values(cleaned: dict) -> dict:
    return {name: cleaned.get(name) or "" for name in POINT_VALUE_FIELDS}


POINT_VALUE_FIELDS = ["phone", "email", *services.POSTAL_FIELDS]


def copy_saved(target, saved) -> None:
    """Let the admin carry on (messages, redirects) with what the service saved."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


# The contacts of a file inside the file's admin page (dossiers knows no contacts).
DossierAdmin.extra_inlines.insert(0, ContactInline)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    form = ContactAdminForm
    list_display = ["__str__", "function", "dossier", "points_count", "external_key"]
    search_fields = ["last_name", "first_name", "dossier__reference", "external_key"]
    list_select_related = ["dossier"]
    raw_id_fields = ["dossier"]
    inlines = [ContactPointInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(points_total=Count("points"))

    @admin.display(description=_("moyens"), ordering="points_total")
    def points_count(self, obj):
        return obj.points_total

    def get_readonly_fields(self, request, obj=None):
        return ["dossier"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name, "") for name in services.CONTACT_FIELDS}
        if change:
            saved = services.contact_update(contact=obj, user=request.user, **data)
        else:
            saved = services.contact_create(
                dossier=form.cleaned_data["dossier"],
                user=request.user,
                external_key=form.cleaned_data.get("external_key", ""),
                **data,
            )
        copy_saved(obj, saved)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ContactPoint:
            return super().save_formset(request, form, formset, change)
        contact = form.instance
        for point in formset.deleted_objects if hasattr(formset, "deleted_objects") else []:
            services.contact_point_delete(point=point, user=request.user)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for point_form in formset.forms:
            if not point_form.has_changed() or point_form in formset.deleted_forms:
                continue
            values = point_values(point_form.cleaned_data)
            if point_form.instance.pk:
                saved = services.contact_point_update(
                    point=point_form.instance, user=request.user, **values
                )
                formset.changed_objects.append((saved, point_form.changed_data))
            else:
                saved = services.contact_point_create(
                    contact=contact,
                    user=request.user,
                    kind=point_form.cleaned_data["kind"],
                    **values,
                )
                formset.new_objects.append(saved)
            copy_saved(point_form.instance, saved)
        for point_form in formset.deleted_forms:
            if point_form.instance.pk:
                services.contact_point_delete(point=point_form.instance, user=request.user)
                formset.deleted_objects.append(point_form.instance)
        return None


@admin.action(description=_("Valider les moyens sélectionnés"))
def validate_points(modeladmin, request, queryset):
    _qualify(modeladmin, request, queryset, services.contact_point_validate)


@admin.action(description=_("Invalider les moyens sélectionnés"))
def invalidate_points(modeladmin, request, queryset):
    _qualify(modeladmin, request, queryset, services.contact_point_invalidate)


@admin.action(description=_("Annuler la validation des moyens sélectionnés"))
def cancel_validation_points(modeladmin, request, queryset):
    _qualify(modeladmin, request, queryset, services.contact_point_cancel_validation)


@admin.action(description=_("Utiliser par défaut (un moyen validé par dossier et type)"))
def set_default_points(modeladmin, request, queryset):
    _qualify(modeladmin, request, queryset, services.contact_point_set_default)


def _qualify(modeladmin, request, queryset, service):
    done = 0
    for point in queryset.select_related("contact"):
        try:
            service(point=point, user=request.user)
        except services.QualificationError as exc:
            modeladmin.message_user(request, f"{point} : {exc}", messages.WARNING)
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request, _("%(count)d moyen(s) de contact traité(s).") % {"count": done}
        )


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["occurred_at", "kind", "source", "source_detail", "recorded_by", "comment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ContactPoint)
class ContactPointAdmin(admin.ModelAdmin):
    """Saved through the services: the file and the normalised value come from the
    contact and the typed value; status and star move only by evidence and actions."""

    form = ContactPointAdminForm
    list_display = ["__str__", "kind", "status", "is_default", "phone_type", "contact", "dossier"]
    list_filter = ["kind", "status", "is_default", "phone_type"]
    search_fields = ["value_key", "email", "dossier__reference"]
    list_select_related = ["contact", "dossier"]
    raw_id_fields = ["contact"]
    readonly_fields = [
        "dossier",
        "status",
        "is_default",
        "phone_type",
        "value_key",
        "validated_at",
        "status_changed_at",
        "last_evidence",
        "created_by",
    ]
    inlines = [EvidenceInline]
    actions = [validate_points, invalidate_points, cancel_validation_points, set_default_points]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "contact", "kind"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        values = point_values(form.cleaned_data)
        if change:
            saved = services.contact_point_update(point=obj, user=request.user, **values)
        else:
            saved = services.contact_point_create(
                contact=form.cleaned_data["contact"],
                user=request.user,
                kind=form.cleaned_data["kind"],
                **values,
            )
        copy_saved(obj, saved)

    def delete_model(self, request, obj):
        services.contact_point_delete(point=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for point in queryset.select_related("contact"):
            services.contact_point_delete(point=point, user=request.user)


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "point", "source", "recorded_by"]
    list_filter = ["kind", "source"]
    search_fields = ["point__value_key", "point__dossier__reference"]
    list_select_related = ["point", "recorded_by"]
    raw_id_fields = ["point"]

    def has_change_permission(self, request, obj=None):
        return False


# --- Communication: message templates and the communications log ----------------


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Templates are validated by MessageTemplate.clean (unknown placeholders refused)."""

    list_display = ["name", "channel", "subject", "active", "first_letter", "updated_at"]
    list_filter = ["channel", "active"]
    search_fields = ["name", "subject", "body"]

    def get_fieldsets(self, request, obj=None):
        placeholders = format_html_join(
            "", "<li><code>{{{{ {} }}}}</code> : {}</li>", PLACEHOLDERS.items()
        )
        description = _(
            "Le texte est recopié tel quel ; seules ces variables, écrites entre doubles "
            "accolades, sont remplacées. Toute autre syntaxe est refusée à l'enregistrement."
        )
        return [
            (None, {"fields": ["name", "channel", "active", "first_letter"]}),
            (
                _("Contenu"),
                {
                    "fields": ["subject", "body"],
                    "description": format_html("{}<ul>{}</ul>", description, placeholders),
                },
            ),
        ]


@admin.register(Communication)
class CommunicationAdmin(admin.ModelAdmin):
    """The log of calls, letters, SMS and e-mails: read-only, written by the services."""

    list_display = [
        "created_at",
        "channel",
        "direction",
        "outcome",
        "status",
        "recipient",
        "dossier",
        "sent_by",
    ]
    list_filter = ["channel", "status", "outcome", "direction"]
    search_fields = ["dossier__reference", "recipient", "subject"]
    list_select_related = ["dossier", "sent_by"]
    raw_id_fields = ["dossier", "point", "template", "piece", "sent_by"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
