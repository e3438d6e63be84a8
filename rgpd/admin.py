"""Managers read the consultation trace here, and place or lift legal holds."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ConsultationTrace, LegalHold


@admin.register(ConsultationTrace)
class ConsultationTraceAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "dossier_link", "piece_uuid", "contact_id", "channel"]
    list_filter = ["action", ("user", admin.RelatedOnlyFieldListFilter), "channel"]
    search_fields = ["dossier__reference", "user__username", "user__last_name"]
    list_select_related = ["user", "dossier"]
    date_hierarchy = "at"
    show_full_result_count = False

    @admin.display(description=_("dossier"), ordering="dossier__reference")
    def dossier_link(self, obj):
        if obj.dossier_id is None:
            return "—"
        label = obj.dossier.reference if obj.dossier else f"#{obj.dossier_id}"
        url = reverse("admin:rgpd_consultationtrace_changelist")
        return format_html(
            '<a href="{}?{}" title="{}">{}</a>',
            url,
            urlencode({"dossier__id__exact": obj.dossier_id}),
            _("Toutes les traces de ce dossier"),
            label,
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # only rgpd_purge removes traces, once their period is over


@admin.action(description=_("Lever le gel des dossiers sélectionnés"))
def release_holds(modeladmin, request, queryset):
    for hold in queryset.filter(released_at=None):
        services.legal_hold_release(hold=hold, user=request.user)
    messages.success(request, _("Gel levé."))


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ["dossier", "reason", "placed_at", "placed_by", "released_at"]
    list_filter = [("released_at", admin.EmptyFieldListFilter)]
    search_fields = ["dossier__reference", "reason"]
    list_select_related = ["dossier", "placed_by"]
    raw_id_fields = ["dossier"]
    fields = ["dossier", "reason", "placed_at", "placed_by", "released_at"]
    readonly_fields = ["placed_at", "placed_by", "released_at"]
    actions = [release_holds]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["dossier", "reason", *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        hold = services.legal_hold_place(
            dossier=form.cleaned_data["dossier"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
        obj.pk = hold.pk

    def has_delete_permission(self, request, obj=None):
        return False
