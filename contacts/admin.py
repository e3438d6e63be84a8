from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from .messaging.placeholders import PLACEHOLDERS
from .models import Communication, Contact, ContactPoint, Evidence, MessageTemplate


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


# --- Communication: message templates and the communications log ----------------


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Templates are validated by MessageTemplate.clean (unknown placeholders refused)."""

    list_display = ["name", "channel", "subject", "active", "updated_at"]
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
            (None, {"fields": ["name", "channel", "active"]}),
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
