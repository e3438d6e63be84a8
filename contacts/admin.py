from django.contrib import admin

from .models import Contact, ContactPoint, Evidence


class ContactInline(admin.StackedInline):
    model = Contact
    extra = 0
    fields = [("civility", "first_name", "last_name"), "function", "observation", "external_key"]
    show_change_link = True


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0
    fields = ["kind", "status", "is_default", "email", "phone", "address_line1", "postcode", "city"]
    readonly_fields = ["status", "is_default"]
    show_change_link = True


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "function", "dossier", "external_key"]
    search_fields = ["last_name", "first_name", "dossier__reference"]
    list_select_related = ["dossier"]
    raw_id_fields = ["dossier"]
    inlines = [ContactPointInline]


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
    list_display = ["__str__", "kind", "status", "is_default", "phone_type", "contact", "dossier"]
    list_filter = ["kind", "status", "is_default", "phone_type"]
    search_fields = ["value_key", "email", "dossier__reference"]
    list_select_related = ["contact", "dossier"]
    raw_id_fields = ["contact", "dossier", "last_evidence"]
    readonly_fields = ["status", "is_default", "validated_at", "status_changed_at", "value_key"]
    inlines = [EvidenceInline]
    show_full_result_count = False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "point", "source", "recorded_by"]
    list_filter = ["kind", "source"]
    search_fields = ["point__value_key", "point__dossier__reference"]
    list_select_related = ["point", "recorded_by"]
    raw_id_fields = ["point"]

    def has_change_permission(self, request, obj=None):
        return False
