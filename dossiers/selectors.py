"""Reads that shape data for the file pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum

from .models import Dossier, JournalEntry, Note

SORTS = {
    "encours": ("-outstanding", "reference"),
    # Oldest debt first; files with nothing due come last.
    "anciennete": (F("oldest_due_date").asc(nulls_last=True), "reference"),
    "prochaine_action": (F("next_action_date").asc(nulls_last=True), "reference"),
    "reference": ("reference",),
    "nom": ("name", "reference"),
}


SEARCH_SMALL_RESULT = 2000


@dataclass(frozen=True)
class SearchMatcher:
    """What the free-text search also looks in, given by the app that holds it
    (``contacts`` adds the search by phone and e-mail, see ``contacts.apps``):
    ``recognises`` tells, without a query, whether the text is of its kind (such a
    search is exact: one match opens the file); ``condition`` is the condition on
    files. ``dossiers`` imports none of them."""

    recognises: Callable[[str], bool]
    condition: Callable[[str], Q]


SEARCH_MATCHERS: list[SearchMatcher] = []


def search_matcher(query: str) -> SearchMatcher | None:
    query = query.strip()
    return next((m for m in SEARCH_MATCHERS if query and m.recognises(query)), None)


def search_q(query: str) -> Q:
    """A free-text search: what a matcher recognises (an e-mail, a phone typed in
    any usual format), else a reference or a name."""
    query = query.strip()
    if not query:
        return Q()
    matcher = search_matcher(query)
    if matcher is not None:
        return matcher.condition(query)
    return Q(reference__iexact=query) | Q(reference__istartswith=query) | Q(name__icontains=query)


@dataclass
class DossierListParams:
    query: str = ""
    mine: bool = False
    assigned_to: int | None = None
    status: str = ""
    sort: str = "encours"


def dossier_list(*, user, params: DossierListParams) -> QuerySet[Dossier]:
    queryset = Dossier.objects.select_related("assigned_to")
    if params.mine:
        queryset = queryset.filter(assigned_to=user)
    elif params.assigned_to:
        queryset = queryset.filter(assigned_to_id=params.assigned_to)
    if params.status:
        queryset = queryset.filter(status=params.status)
    if params.query:
        queryset = queryset.filter(search_q(params.query))
        # A search usually matches a few files. Sorted and limited, PostgreSQL would
        # rather walk the sort index and test a million rows than read the search
        # indexes and sort the handful: give it the handful by key instead.
        ids = list(queryset.values_list("pk", flat=True)[: SEARCH_SMALL_RESULT + 1])
        if len(ids) <= SEARCH_SMALL_RESULT:
            queryset = Dossier.objects.select_related("assigned_to").filter(pk__in=ids)
    return queryset.order_by(*SORTS.get(params.sort, SORTS["encours"]))


@dataclass
class OutstandingShare:
    amount: Decimal
    total: Decimal

    @property
    def percent(self) -> int:
        return round(100 * self.amount / self.total) if self.total else 0


def outstanding_share(*, dossiers: list[Dossier]) -> OutstandingShare:
    """What part of the whole outstanding these files make (one aggregate)."""
    total = Dossier.objects.aggregate(total=Sum("outstanding"))["total"] or Decimal(0)
    return OutstandingShare(amount=sum((d.outstanding for d in dossiers), Decimal(0)), total=total)


def dossier_notes(*, dossier: Dossier) -> QuerySet[Note]:
    return dossier.notes.select_related("author").order_by("-created_at", "-id")


def dossier_journal(*, dossier: Dossier, limit: int | None = 200) -> QuerySet[JournalEntry]:
    return dossier.journal.select_related("actor").order_by("-created_at", "-id")[:limit]
