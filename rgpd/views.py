"""« Exporter les données personnelles » on a contact: managers only."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from contacts.models import Contact
from recouvrement.access import dossier_for_user

from . import services

EXPORT_PERMISSION = "rgpd.export_personal_data"


@require_POST
def contact_export_view(request, pk: int, contact_id: int):
    dossier = dossier_for_user(request, pk, perm=EXPORT_PERMISSION)
    contact = get_object_or_404(Contact, pk=contact_id, dossier=dossier)
    export = services.personal_data_export(contact=contact, user=request.user)
    response = HttpResponse(export.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
