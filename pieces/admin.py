from django.contrib import admin

from .models import Piece


@admin.register(Piece)
class PieceAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "dossier",
        "content_type",
        "size",
        "origin",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["origin", "content_type"]
    search_fields = ["original_name", "description", "dossier__reference"]
    list_select_related = ["dossier", "uploaded_by"]
    readonly_fields = [
        "uuid",
        "file",
        "thumbnail",
        "content_type",
        "size",
        "created_at",
        "uploaded_by",
    ]
    raw_id_fields = ["dossier"]

    def has_add_permission(self, request):
        # Pieces enter through the client file, where uploads are checked.
        return False
