"""Scenarios and their steps are managed here; runs and planned actions are read-only
history (their changes go through the services, from the worklist and the file)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AutoSendSwitch, PlannedAction, Scenario, ScenarioRun, ScenarioStep


class ScenarioStepInline(admin.TabularInline):
    model = ScenarioStep
    extra = 0
    fields = ["order", "kind", "label", "delay_days", "action", "template", "mode"]
    ordering = ["order"]


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "is_default",
        "active",
        "priority",
        "dossier_kind",
        "min_outstanding",
        "max_outstanding",
    ]
    list_filter = ["active", "is_default"]
    search_fields = ["name"]
    inlines = [ScenarioStepInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScenarioRun)
class ScenarioRunAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "scenario", "state", "started_on", "last_step", "paused_until"]
    list_filter = ["state", "scenario"]
    search_fields = ["dossier__reference"]
    list_select_related = ["dossier", "scenario", "last_step"]
    show_full_result_count = False


@admin.register(PlannedAction)
class PlannedActionAdmin(ReadOnlyAdmin):
    list_display = [
        "dossier",
        "step",
        "instalment",
        "state",
        "due_at",
        "attempts",
        "contact_search",
        "done_at",
    ]
    list_filter = ["state", "contact_search", "step__kind", "step__scenario"]
    search_fields = ["dossier__reference"]
    list_select_related = ["dossier", "step__scenario", "instalment"]
    show_full_result_count = False
    actions = ["ignore_selected"]

    def has_change_permission(self, request, obj=None):
        # The list action below goes through the service; the form stays read-only.
        return obj is None and request.user.has_perm("relances.manage_scenariorun")

    @admin.action(description=_("Ignorer les actions sélectionnées"))
    def ignore_selected(self, request, queryset):
        done = 0
        for action in queryset.select_related("step__scenario"):
            try:
                services.action_ignore(action=action, user=request.user)
            except services.ActionUnavailable:
                continue
            done += 1
        messages.success(request, _("%(n)s action(s) ignorée(s).") % {"n": done})


@admin.register(AutoSendSwitch)
class AutoSendSwitchAdmin(admin.ModelAdmin):
    """One row: « Envoi automatique activé ». Turning it off stops every automatic send
    at once (the planner still plans, the worklists still fill)."""

    list_display = ["__str__", "enabled", "changed_at", "changed_by"]
    fields = ["enabled", "changed_at", "changed_by"]
    readonly_fields = ["changed_at", "changed_by"]

    def has_add_permission(self, request):
        return not AutoSendSwitch.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)
