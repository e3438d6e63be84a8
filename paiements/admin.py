"""Admin of the paiements app. Payments, promises, disputes and external actions are
written by the services only (allocation, journal, file status): the admin shows
them read-only; the dispute reasons are managed here."""

from django.contrib import admin

from .models import Allocation, Dispute, DisputeReason, ExternalAction, Instalment, Payment, Promise


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    fields = ("receivable", "amount")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("date", "dossier", "reference", "amount", "mode", "unallocated")
    list_filter = ("mode", "date")
    search_fields = ("reference", "dossier__reference", "dossier__name")
    list_select_related = ("dossier",)
    raw_id_fields = ("dossier",)
    inlines = [AllocationInline]
    date_hierarchy = "date"


class InstalmentInline(AllocationInline):
    model = Instalment
    fields = ("due_date", "amount", "state")
    readonly_fields = fields


@admin.register(Promise)
class PromiseAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "start_date", "status", "closed_on", "created_by")
    list_filter = ("status",)
    search_fields = ("dossier__reference", "dossier__name")
    list_select_related = ("dossier", "created_by")
    inlines = [InstalmentInline]


@admin.register(DisputeReason)
class DisputeReasonAdmin(admin.ModelAdmin):
    list_display = ("label", "active")
    list_filter = ("active",)
    search_fields = ("label",)


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "reason", "status", "follow_up_date", "assigned_to")
    list_filter = ("status", "reason")
    search_fields = ("dossier__reference", "dossier__name")
    list_select_related = ("dossier", "reason", "assigned_to")


@admin.register(ExternalAction)
class ExternalActionAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "recipient", "deadline", "answered_at")
    list_filter = ("recipient",)
    search_fields = ("dossier__reference", "dossier__name")
    list_select_related = ("dossier",)
