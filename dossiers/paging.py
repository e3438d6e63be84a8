"""A large file stays light (issue 16): the bloc-notes and the journal of the client
file are shown a page at a time (newest first), whatever their length: two queries
each (the page and its count)."""

from __future__ import annotations

from django.core.paginator import Page, Paginator

from . import selectors
from .models import Dossier

NOTES_PER_PAGE = 20
JOURNAL_PER_PAGE = 50
NOTES_PARAM = "notes"
JOURNAL_PARAM = "journal"


def _page(queryset, per_page: int, number) -> Page:
    return Paginator(queryset, per_page).get_page(number)


def notes_context(request, dossier: Dossier, *, first: bool = False) -> dict:
    """``notes`` (this page's, as a list) and ``notes_page`` (its paginator holds the
    total shown on the tab). ``first``: after a note is written, the newest page."""
    number = 1 if first else request.GET.get(NOTES_PARAM)
    page = _page(selectors.dossier_notes(dossier=dossier), NOTES_PER_PAGE, number)
    return {"notes": list(page.object_list), "notes_page": page}


def journal_context(request, dossier: Dossier) -> dict:
    queryset = selectors.dossier_journal(dossier=dossier, limit=None)
    page = _page(queryset, JOURNAL_PER_PAGE, request.GET.get(JOURNAL_PARAM))
    return {"journal": list(page.object_list), "journal_page": page}
