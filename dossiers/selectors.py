"""Reads that shape data for the file pages."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import F, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from . import search_index
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
    plain = plain_text_q(query)
    if len(query) >= search_index.MIN_LENGTH and search_index.supported(connection):
        # SQLite: the trigram index gives the candidates (a superset), the plain
        # condition keeps exactly the rows it would have kept.
        candidates = RawSQL(search_index.CANDIDATES, [search_index.match_phrase(query)])  # noqa: S611
        return Q(pk__in=candidates) & plain
    return plain


def plain_text_q(query: str) -> Q:
    """A reference (exact or its start) or a part of a name, as the database's own
    comparison (``LIKE``) sees it: what the search finds, with or without an index."""
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
    as_of: datetime.datetime | None = None  # when the total is a recent snapshot

    @property
    def percent(self) -> int:
        return round(100 * self.amount / self.total) if self.total else 0


# The whole outstanding is a SUM over every file: 1–3 ms at 20,000 files, 30 ms on
# SQLite at 100,000 and 70–300 ms on PostgreSQL at a million, on every « Top
# encours ». Above this many files it is computed at most once a minute per process
# and shown with its time (« encours total calculé à 02:40 »).
OUTSTANDING_TOTAL_EXACT_UP_TO = 20_000
OUTSTANDING_TOTAL_MAX_AGE = 60  # seconds
OUTSTANDING_TOTAL_CACHE_KEY = "dossiers:outstanding-total"


def outstanding_share(*, dossiers: list[Dossier]) -> OutstandingShare:
    """What part of the whole outstanding these files make."""
    total, as_of = outstanding_total()
    amount = sum((d.outstanding for d in dossiers), Decimal(0))
    return OutstandingShare(amount=amount, total=total, as_of=as_of)


def outstanding_total() -> tuple[Decimal, datetime.datetime | None]:
    """The sum of every file's outstanding, exact (and None) when there are few
    files, else a snapshot at most OUTSTANDING_TOTAL_MAX_AGE old (and its time)."""
    limit = OUTSTANDING_TOTAL_EXACT_UP_TO
    if Dossier.objects.order_by()[: limit + 1].count() <= limit:
        return _sum_outstanding(), None
    cached = cache.get(OUTSTANDING_TOTAL_CACHE_KEY)
    if cached is None:
        cached = (_sum_outstanding(), timezone.now())
        cache.set(OUTSTANDING_TOTAL_CACHE_KEY, cached, OUTSTANDING_TOTAL_MAX_AGE)
    return cached


def _sum_outstanding() -> Decimal:
    return Dossier.objects.aggregate(total=Sum("outstanding"))["total"] or Decimal(0)


def dossier_notes(*, dossier: Dossier) -> QuerySet[Note]:
    return notes_of(dossier.pk)


def notes_of(dossier_id: int) -> QuerySet[Note]:
    """The file's notes, newest first, with their authors (``dossier_notes`` by id)."""
    return (
        Note.objects.filter(dossier_id=dossier_id)
        .select_related("author")
        .order_by("-created_at", "-id")
    )


def dossier_journal(*, dossier: Dossier, limit: int | None = 200) -> QuerySet[JournalEntry]:
    return dossier.journal.select_related("actor").order_by("-created_at", "-id")[:limit]
