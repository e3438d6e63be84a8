"""The « Pièces » tab: add, download, delete. Thin: access, form, service, render.

Stored files have no public URL: every byte leaves through these views, for signed-in
agents only, as an attachment the browser never renders.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from recouvrement.access import can_view_dossiers, dossier_for_user

from . import services
from .forms import PieceUploadForm
from .models import Piece
from .uploads import upload_prepare
from .validation import max_upload_size, safe_content_type, too_large_message

logger = logging.getLogger(__name__)

# A downloaded document is never a page of this site: no script, no plugin, no frame.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def pieces_tab_url(dossier_id: int) -> str:
    return f"{reverse('dossiers:detail', args=[dossier_id])}?onglet=pieces#onglets"


def piece_for_user(request, piece_uuid, *, perm: str) -> Piece:
    """The piece, if the user may see its file; strangers learn nothing (404)."""
    if not can_view_dossiers(request.user):
        raise Http404
    piece = get_object_or_404(Piece, uuid=piece_uuid)
    piece.dossier = dossier_for_user(request, piece.dossier_id, perm=perm)
    return piece


@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def piece_upload_view(request, pk: int):
    # The size limit and the raw-name check must be installed before anything reads
    # the body, the CSRF check included: hence exempt here, and protected then signed
    # in just below, in the same order as every other view of the site.
    limit = upload_prepare(request) if request.method == "POST" else None
    if limit is not None:
        try:
            request.FILES  # noqa: B018 - parse the body here: big files go to a temporary file
        except OSError as exc:  # the temporary folder is full: Django would give a 500
            logger.error("Receiving an upload failed: %s", exc)
            for handler in request.upload_handlers:  # the partial temporary file goes
                received = getattr(handler, "file", None)
                if received is not None:
                    received.close()
            return render(request, "pieces/storage_full.html", status=507)
    return _piece_upload(request, pk, limit)


@csrf_protect
@login_required
def _piece_upload(request, pk: int, limit):
    dossier = dossier_for_user(request, pk, perm="pieces.add_piece")
    if request.method == "POST":
        form = PieceUploadForm(request.POST, request.FILES)
        # Refusals decided while the body streamed in replace "no file received".
        refusal = None
        if limit is not None and limit.too_large:
            refusal = ValidationError(too_large_message(), code="too_large")
        elif getattr(request, "piece_name_errors", None):
            refusal = request.piece_name_errors[0]
        if form.is_valid() and refusal is None:
            document = form.cleaned_data["document"]
            try:
                piece = services.piece_upload(
                    dossier=dossier,
                    file=document,
                    name=document.name,
                    description=form.cleaned_data["description"],
                    user=request.user,
                )
            except (ValidationError, services.PieceStorageError) as error:
                # The browser empties the file field: say which file was refused.
                reasons = error.messages if isinstance(error, ValidationError) else [error.message]
                form.add_error(
                    "document",
                    [
                        _("« %(name)s » : %(reason)s") % {"name": document.name, "reason": reason}
                        for reason in reasons
                    ],
                )
            else:
                messages.success(
                    request, _("Pièce « %(name)s » ajoutée.") % {"name": piece.original_name}
                )
                return redirect(pieces_tab_url(dossier.pk))
        if refusal is not None:
            form.errors["document"] = form.error_class(refusal.messages)
        status = 400
    else:
        form = PieceUploadForm()
        status = 200
    context = {
        "dossier": dossier,
        "form": form,
        "max_size": max_upload_size(),
        "too_large_message": too_large_message(),
    }
    return render(request, "pieces/upload.html", context, status=status)


@require_GET
def piece_download_view(request, piece_uuid):
    piece = piece_for_user(request, piece_uuid, perm="pieces.view_piece")
    try:
        stream = piece.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404(_("Le fichier de cette pièce est introuvable.")) from error
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=piece.original_name,
        content_type=safe_content_type(piece.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def piece_thumbnail_view(request, piece_uuid):
    piece = piece_for_user(request, piece_uuid, perm="pieces.view_piece")
    if not piece.thumbnail:
        raise Http404
    try:
        with piece.thumbnail.open("rb") as stream:
            content = stream.read()  # a few kilobytes: no need to stream it
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    # A PNG we drew ourselves from a verified image: safe to show inline.
    response = HttpResponse(content, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_http_methods(["GET", "POST"])
def piece_delete_view(request, piece_uuid):
    """GET asks for confirmation (the page without JavaScript); POST deletes."""
    piece = piece_for_user(request, piece_uuid, perm="pieces.delete_piece")
    if request.method == "POST":
        if services.piece_delete(piece=piece, user=request.user):
            messages.success(
                request, _("Pièce « %(name)s » supprimée.") % {"name": piece.original_name}
            )
        return redirect(pieces_tab_url(piece.dossier_id))
    return render(request, "pieces/delete_confirm.html", {"piece": piece, "dossier": piece.dossier})
