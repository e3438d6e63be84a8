"""The files' own panels of the client-file page (``fiche.views``): the header
(receivables, outstanding, overdue invoices), the bloc-notes and the journal."""

from __future__ import annotations

from django.utils import timezone

from recouvrement.prepared import prepared

from . import paging
from .models import Dossier, Receivable

FOLLOW_UP_PERMISSION = "dossiers.follow_up_dossier"


# Compiled once per process (recouvrement.prepared, issue 15).
_receivables = prepared(
    lambda dossier_id: Receivable.objects.filter(dossier_id=dossier_id).order_by(
        "due_date", "number"
    )
)


def dossier_panel(request, dossier: Dossier) -> dict:
    receivables = _receivables(dossier_id=dossier.pk)
    for receivable in receivables:
        receivable.dossier = dossier  # as the related manager does: no query to reach it
    today = timezone.localdate()
    return {
        "dossier": dossier,
        "receivables": receivables,
        "overdue_count": sum(1 for r in receivables if r.balance > 0 and r.due_date < today),
        "today": today,
        "can_follow_up": request.user.has_perm(FOLLOW_UP_PERMISSION),
    }


def notes_panel(request, dossier: Dossier) -> dict:
    # A page at a time (dossiers/paging.py): a large file stays light.
    return paging.notes_context(request, dossier)


def journal_panel(request, dossier: Dossier) -> dict:
    return paging.journal_context(request, dossier)
