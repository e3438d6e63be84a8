"""The files' own panels of the client-file page (``fiche.views``): the header
(receivables, outstanding, overdue invoices), the bloc-notes and the journal."""

from __future__ import annotations

from django.utils import timezone

from . import paging
from .models import Dossier

FOLLOW_UP_PERMISSION = "dossiers.follow_up_dossier"


def dossier_panel(request, dossier: Dossier) -> dict:
    receivables = list(dossier.receivables.order_by("due_date", "number"))
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
