"""A large file stays light: the contact block shows the first contacts and the first
means of each, and folds the rest behind « Afficher les N autres » (a plain link,
works without JavaScript). Nothing is queried here: the block's two queries already
hold every means, this only chooses which to render."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import QueryDict

from .models import Contact

CONTACTS_SHOWN = 8
POINTS_SHOWN = 6
UNFOLD_PARAM = "contacts"
UNFOLD_VALUE = "tous"


def page_query(request) -> QueryDict:
    """The query string of the file page the agent is on: the request's own, or, for an
    htmx update posted from the page, the one of the page (HX-Current-URL)."""
    if request.method == "GET" and not request.htmx:
        return request.GET
    current = getattr(request.htmx, "current_url", None) if request.htmx else None
    return QueryDict(urlsplit(current).query if current else "")


def fold(contacts: list[Contact], *, unfold: bool) -> tuple[list[Contact], int]:
    """The contacts to render (each with ``shown_points`` and ``folded_points``) and how
    many were folded. A contact or means holding a default is never folded."""
    for contact in contacts:
        points = contact.visible_points  # contacts.selectors.contact_block
        shown = [p for i, p in enumerate(points) if unfold or i < POINTS_SHOWN or p.is_default]
        contact.shown_points = shown
        contact.folded_points = len(points) - len(shown)
    if unfold:
        return contacts, 0
    shown_contacts = [
        c
        for i, c in enumerate(contacts)
        if i < CONTACTS_SHOWN or any(p.is_default for p in c.shown_points)
    ]
    return shown_contacts, len(contacts) - len(shown_contacts)


def folded_block_context(request, contacts: list[Contact]) -> dict:
    query = page_query(request)
    contacts, folded = fold(contacts, unfold=query.get(UNFOLD_PARAM) == UNFOLD_VALUE)
    unfold_query = query.copy()
    unfold_query[UNFOLD_PARAM] = UNFOLD_VALUE
    return {
        "contacts": contacts,
        "folded_contacts": folded,
        "unfold_query": unfold_query.urlencode(),
    }
