"""The consultation trace: who opened which client file, downloaded which piece,
exported whose data, and when.

Keyed on URL names, not on views, so that the apps below (dossiers, pieces) do not
know it exists and a view may move without the trace losing it. One INSERT per
traced response, written once the response succeeded; nothing for other pages.
"""

from __future__ import annotations

import logging

from django.db.models import Subquery

from pieces.models import Piece

from .models import ConsultationTrace

logger = logging.getLogger(__name__)

Action = ConsultationTrace.Action

# URL name -> what its successful GET or POST means.
TRACED_ROUTES = {
    "dossiers:detail": Action.DOSSIER_OPENED,
    # A tab of the file loaded on demand (fiche.views.dossier_tab_view): what it shows
    # is read there, so it is traced like the page.
    "dossiers:detail_tab": Action.DOSSIER_OPENED,
    "pieces:download": Action.PIECE_DOWNLOADED,
    "rgpd:contact_export": Action.PERSONAL_DATA_EXPORTED,
}


def trace_for(request, action: str, kwargs: dict) -> ConsultationTrace:
    trace = ConsultationTrace(user=request.user, action=action)
    if action == Action.PIECE_DOWNLOADED:
        piece_uuid = kwargs["piece_uuid"]
        trace.piece_uuid = piece_uuid
        # The file is the piece's: read by the INSERT itself, not by a query of its own.
        trace.dossier_id = Subquery(Piece.objects.filter(uuid=piece_uuid).values("dossier_id")[:1])
    else:
        trace.dossier_id = kwargs.get("pk")
        trace.contact_id = kwargs.get("contact_id")
    return trace


class ConsultationTraceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None or response.status_code != 200:
            return response
        action = TRACED_ROUTES.get(match.view_name)
        if action is None or not request.user.is_authenticated:
            return response
        if request.method not in ("GET", "POST"):
            return response
        try:
            trace_for(request, action, match.kwargs).save(force_insert=True)
        except Exception:  # the trace must never cost the agent the page they opened
            logger.exception("Consultation trace not written for %s", match.view_name)
        return response
