"""Pages of lists. A large file stays light (issue 16): the bloc-notes and the
journal of the client file are shown a page at a time (newest first), whatever their
length: two queries each (the page and its count). The list of files pages a
million rows without counting them (``list_page``, issue 15)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet

from recouvrement.prepared import file_count, prepared

from . import selectors
from .models import Dossier, Note

NOTES_PER_PAGE = 20
JOURNAL_PER_PAGE = 50
NOTES_PARAM = "notes"
JOURNAL_PARAM = "journal"


def _page(queryset, per_page: int, number) -> Page:
    return Paginator(queryset, per_page).get_page(number)


class _FirstPagePrepared:
    """What a Paginator reads of a queryset — its count and a slice — with the count
    and the first page (the one the client file shows unless asked for another) run
    by statements compiled once per process (recouvrement.prepared, issue 15); any
    other page is the queryset's own slice."""

    def __init__(self, queryset: QuerySet, *, count, first_page, per_page: int):
        self.queryset = queryset
        self._count, self._first_page, self._per_page = count, first_page, per_page

    def count(self) -> int:
        return self._count()

    def __getitem__(self, index):
        # The Paginator asks for [0:count] when the first page holds everything.
        if isinstance(index, slice) and not index.start and 0 < index.stop <= self._per_page:
            return self._first_page()[: index.stop]
        return self.queryset[index]


_notes_count = file_count(Note)
_notes_first_page = prepared(lambda dossier_id: selectors.notes_of(dossier_id)[:NOTES_PER_PAGE])


def notes_count(dossier: Dossier) -> int:
    """How many notes the file holds (the bloc-notes' tab label)."""
    return sum(_notes_count(dossier_id=dossier.pk))


def notes_context(request, dossier: Dossier, *, first: bool = False) -> dict:
    """``notes`` (this page's, as a list) and ``notes_page`` (its paginator holds the
    total shown on the tab). ``first``: after a note is written, the newest page."""
    number = 1 if first else request.GET.get(NOTES_PARAM)
    notes = _FirstPagePrepared(
        selectors.dossier_notes(dossier=dossier),
        count=lambda: notes_count(dossier),
        first_page=lambda: _notes_first_page(dossier_id=dossier.pk),
        per_page=NOTES_PER_PAGE,
    )
    page = _page(notes, NOTES_PER_PAGE, number)
    return {"notes": list(page.object_list), "notes_page": page}


def journal_context(request, dossier: Dossier) -> dict:
    queryset = selectors.dossier_journal(dossier=dossier, limit=None)
    page = _page(queryset, JOURNAL_PER_PAGE, request.GET.get(JOURNAL_PARAM))
    return {"journal": list(page.object_list), "journal_page": page}


# The list of files (issue 15): a page without the exact COUNT of a million rows.
#
# A page is read with one row more than it shows (that row tells whether there is a
# « Suivante »), so the pager needs no total. The total shown above the list is
# exact when it is cheap: a first page that holds the whole list needs no count at
# all, and on PostgreSQL the rows are counted up to EXACT_COUNT_UP_TO; beyond that
# the planner's estimate is shown as « environ N dossiers ». SQLite (the embedded
# default, a team's single machine) counts exactly: its COUNT reads an index
# (~3 ms at 100,000 files) and it has no cheap estimate.
EXACT_COUNT_UP_TO = {"postgresql": 1000}
# Unique, and held by the sort indexes by outstanding, by age and by reference.
DEEP_PAGE_KEY = "reference"


@dataclass
class ListPage:
    """What the list's pager and header show, the same names as a Django ``Page``
    where they mean the same (``number``, ``has_next``, ``start_index``…)."""

    object_list: list
    number: int
    per_page: int
    has_next: bool
    count: int | None = None  # exact, when known
    estimate: int | None = None  # the planner's, when the count is not known
    more_than: int | None = None  # a lower bound, when neither is

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def num_pages(self) -> int | None:
        if self.count is None:
            return None
        return max(1, -(-self.count // self.per_page))

    @property
    def is_paged(self) -> bool:
        return self.has_previous or self.has_next


# Beyond any list (50 million files at 50 a page): a larger number is a page past the
# end, whose offset would not even fit the database's 64-bit LIMIT/OFFSET.
MAX_PAGE_NUMBER = 1_000_000


def _page_number(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(number, MAX_PAGE_NUMBER) if number >= 1 else 1


def list_page(queryset: QuerySet, per_page: int, number) -> ListPage:
    """The page ``number`` of ``queryset`` (1 when it is not a page number, the last
    one when it is past the end and the total is known)."""
    number = _page_number(number)
    offset = (number - 1) * per_page
    if offset:
        # A deep page reads the keys first, from the sort index alone, then its rows
        # by key, put back in that order: else every skipped row is read whole (and
        # joined to its agent). The key is the reference (unique), which the sort
        # indexes hold (``-outstanding, reference``, ``oldest_due_date, reference``):
        # PostgreSQL's indexes do not hold the id, so reading ids visited the table
        # for each of the 10,000 rows before page 200 (75 ms; 3 ms by reference,
        # an index-only scan once VACUUM has marked the pages all-visible).
        keys = list(queryset.values_list(DEEP_PAGE_KEY, flat=True)[offset : offset + per_page + 1])
        found = queryset.filter(**{f"{DEEP_PAGE_KEY}__in": keys}).order_by() if keys else []
        by_key = {getattr(row, DEEP_PAGE_KEY): row for row in found}
        rows = [by_key[key] for key in keys if key in by_key]
    else:
        rows = list(queryset[: per_page + 1])
    page = ListPage(rows[:per_page], number, per_page, has_next=len(rows) > per_page)
    if not page.has_next and (rows or number == 1):
        page.count = offset + len(rows)  # the end of the list is on this page
        return page
    _count(page, queryset)
    if not rows and page.count is not None:
        # Past the end (an old link): the last page, as Django's get_page does.
        return list_page(queryset, per_page, page.num_pages)
    return page


def _count(page: ListPage, queryset: QuerySet) -> None:
    vendor = connections[queryset.db].vendor
    limit = EXACT_COUNT_UP_TO.get(vendor)
    if limit is None:
        page.count = queryset.count()
        return
    capped = queryset.order_by()[: limit + 1].count()
    if capped <= limit:
        page.count = capped
        return
    estimate = estimated_count(queryset)
    if estimate is None or estimate <= limit:
        page.more_than = limit
    else:
        page.estimate = _round(estimate)


def estimated_count(queryset: QuerySet) -> int | None:
    """The planner's estimate of the rows of ``queryset`` (PostgreSQL, after
    ANALYZE: no row is read), None where there is none."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def _round(value: int) -> int:
    """Two significant digits: an estimate does not pretend to more."""
    digits = max(len(str(value)) - 2, 0)
    return round(value, -digits) if digits else value
