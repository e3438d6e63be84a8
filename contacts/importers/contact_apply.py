"""The apply of the contact import: the short end of its one transaction during which
it holds the locks of the files it touched (issue 15).

While the file is read (``contact_writes``, the staging), the rows of contacts that
do not exist yet are written at once: rows nobody else can see until the import
commits, so no lock on anything an agent works on; their stars are not given yet
(``StagedStars``) and the rows of contacts that already exist are put aside on disk.
At the end (``ContactApply.finish``), on PostgreSQL when no row was put aside:

1. the end-of-file rules are worked out without the lock, on the state as it is
   then (the stars to give counted as given), their journal entries written with
   keys taken first (``Plan.entries``), and the foreign-key checks of everything run
   (``check_constraints``): the long part, holding no lock an agent needs;
2. then the **apply**: the touched files are locked as the services lock them
   (``lock_files``), the staged stars given, the rules' writes made, except for the
   files an agent changed since the rules ran (their journal says so, found by a few
   ranges of its keys: ``files_changed``), whose rules run again; then the COMMIT.

Every decision that depends on what agents may change is thus taken, or checked,
under the lock, on the state as it is then, never on a state read before. With rows
put aside, or on SQLite, everything of the end runs under the lock. On SQLite (one
writer) the staging writes into TEMP tables (``recouvrement.importing.bulk.Stage``,
no write lock while the file is read), copied in at the start of the apply's one
write transaction (``unstage`` moves the staged stars' keys with them); the rules
then run under that lock, on the state the agents left.
"""

from __future__ import annotations

import pickle
import tempfile
import time
from array import array
from datetime import timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from dossiers.importers import chunked
from dossiers.models import Dossier, JournalEntry
from recouvrement.importing.bulk import among, check_constraints, chunk_size, lock_many

from ..models import ContactPoint
from .common import Plan, plan_apply

#: An agent's change whose journal entry is this much older than the start of the
#: end-of-file rules is taken as seen by them (a service's transaction lasts
#: milliseconds); a younger one makes its file's rules run again under the lock.
CHANGES_MARGIN = timedelta(minutes=1)
#: the kinds of means as small numbers (the staged stars are kept in arrays)
KINDS = tuple(ContactPoint.Kind.values)
KIND_NUMBERS = {kind: number for number, kind in enumerate(KINDS)}
#: at most this many ranges of the import's own journal keys are left out of the
#: search for agents' changes (the rest is read, and left out by its author)
OWN_RANGES = 256


class StagedStars:
    """The new means the file stars, given at the apply: (id, file id, kind number)
    in three arrays (a file of a million rows stars a third of a million)."""

    def __init__(self) -> None:
        self.ids, self.files, self.kinds = array("q"), array("q"), array("b")

    def add(self, point: ContactPoint) -> None:
        self.ids.append(point.pk)
        self.files.append(point.dossier_id)
        self.kinds.append(KIND_NUMBERS[point.kind])

    def file_kinds(self) -> set[tuple[int, str]]:
        return {(d, KINDS[k]) for d, k in zip(self.files, self.kinds, strict=True)}


def lock_files(dossier_ids) -> bool:
    """Serialise with agents working on the same files, as the services do
    (``dossiers.services.dossier_lock``), for the rest of the transaction; a large
    import locks the files' table instead of each row (``bulk.lock_many``: True)."""
    return lock_many(Dossier, sorted(dossier_ids))


def give_stars(stars: StagedStars) -> None:
    """The stars the file gives to new means: each (file, kind)'s current default
    loses it, then the new means takes it (one default per file and kind; the file
    names at most one per file and kind, checked when it was read)."""
    size = chunk_size(postgresql=10_000, sqlite=500)
    by_kind: dict[str, list[tuple[int, int]]] = {}
    for pk, dossier_id, kind in zip(stars.ids, stars.files, stars.kinds, strict=True):
        by_kind.setdefault(KINDS[kind], []).append((dossier_id, pk))
    for kind, pairs in by_kind.items():
        for chunk in chunked(pairs, size):
            dossier_ids = [d for d, _pk in chunk]
            pks = [pk for _d, pk in chunk]
            ContactPoint.objects.filter(
                among(ContactPoint, "dossier_id", dossier_ids), kind=kind, is_default=True
            ).update(is_default=False)
            ContactPoint.objects.filter(among(ContactPoint, "id", pks)).update(is_default=True)


def journal_mark() -> int:
    """The last key of the journal (its entries' keys grow with time)."""
    return JournalEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def journal_mark_before(moment) -> int:
    """The key of the last journal entry made before ``moment`` (found from the end
    of the journal: it reads the entries made since). An entry made at or after
    ``moment + CHANGES_MARGIN`` has a greater key: its transaction took its key
    after that of this one, whose transaction lasted less than the margin."""
    return (
        JournalEntry.objects.filter(created_at__lt=moment)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )


def own_ranges(keys) -> list[tuple[int, int]]:
    """The longest runs of consecutive keys among ``keys`` (at most ``OWN_RANGES``),
    as (first, last) in order."""
    runs: list[tuple[int, int]] = []
    for key in sorted(keys):
        if runs and key == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], key)
        else:
            runs.append((key, key))
    longest = sorted(runs, key=lambda run: run[1] - run[0], reverse=True)[:OWN_RANGES]
    return sorted(longest)


def files_changed(dossier_ids: set[int], mark: int, own=()) -> set[int]:
    """The files among these whose journal has an entry by someone else than an
    import after the key ``mark``: every service writes one in the transaction of its
    change (and only one import runs at a time). ``own``: the keys of the entries this
    import wrote meanwhile, left out of the reading by ranges of keys (the import's
    end-of-file rules write one entry per file: reading them back would cost seconds
    under the lock), so that only the agents' entries are read."""
    ranges = Q()
    low = mark
    for first, last in own_ranges(own):
        if first > low + 1:
            ranges |= Q(id__gt=low, id__lt=first)
        low = max(low, last)
    ranges |= Q(id__gt=low)
    return {
        dossier_id
        for dossier_id in JournalEntry.objects.filter(ranges)
        .exclude(actor_kind=JournalEntry.ActorKind.IMPORT)
        .order_by()
        .values_list("dossier_id", flat=True)
        .distinct()
        .iterator(chunk_size=10_000)
        if dossier_id in dossier_ids
    }


class ContactApply:
    """The end of ``ContactImporter``'s run (see the module docstring)."""

    #: False while the file is read (staging), True in ``apply_staged``
    _applying = False
    _later = None  # the rows put aside (a temporary file of pickled batches)
    _stars: StagedStars | None = None
    #: the apply locked the whole files' table (no row lock needed after that)
    table_locked = False
    #: (monotonic time, last journal key) while staging, every 10 s
    _marks: list[tuple[float, int]] = ()

    def mark_journal(self) -> None:
        """Where the journal stands, every 10 s of staging: see ``finish``."""
        clock = time.monotonic()
        if not self._marks or clock - self._marks[-1][0] >= 10:
            self._marks = [*self._marks, (clock, journal_mark())]

    def stage_stars(self, points: list[ContactPoint]) -> None:
        if self._stars is None:
            self._stars = StagedStars()
        for point in points:
            self._stars.add(point)

    def unstage(self, shifts: dict) -> None:
        """SQLite: the staged means moved to their table, their staged stars too."""
        shift = shifts.get(ContactPoint, 0)
        if self._stars is not None and shift:
            self._stars.ids = array("q", [pk + shift for pk in self._stars.ids])
        super().unstage(shifts)

    def put_aside(self, rows: list) -> None:
        if self._later is None:
            # Lives from the first row put aside to the apply, which closes it.
            self._later = tempfile.TemporaryFile(prefix="recouvrement-import-")  # noqa: SIM115
        pickle.dump(rows, self._later, protocol=pickle.HIGHEST_PROTOCOL)

    def finish(self) -> None:
        if self._later is not None or connection.vendor != "postgresql":
            # Rows of existing contacts to write (or SQLite, whose staged rows were
            # just copied in under its one write lock): everything under the lock.
            self.apply_staged()
            super().finish()  # the default rule, the status rule, the journal
            return
        # Only new contacts: the rules are run first without the lock, on the state
        # as it is now (the stars to give counted as given), their journal entries
        # written; under the lock, the staged stars and the rules' writes follow, but
        # for the files an agent changed meanwhile, whose rules run again.
        since = timezone.now() - CHANGES_MARGIN
        margin_ago = time.monotonic() - CHANGES_MARGIN.total_seconds()
        older = [mark for clock, mark in self._marks if clock <= margin_ago]
        # The agents' changes the rules may not see are those whose journal entry
        # comes after this key: a mark older than the margin, or (a short import)
        # the last entry made a margin before that.
        mark = older[-1] if older else journal_mark_before(since - CHANGES_MARGIN)
        ids = list(self.per_dossier)
        starred = self._stars.file_kinds() if self._stars is not None else set()
        plan = Plan()
        self.rules_run(ids, starred=starred, plan=plan)
        del starred
        check_constraints()  # the journal entries' foreign keys, before the lock
        self.apply_staged()  # locks the files, gives the staged stars
        changed = files_changed(set(ids), mark, plan.entries)
        plan_apply(plan, skip=changed)
        if changed:
            JournalEntry.objects.filter(
                among(JournalEntry, "dossier_id", sorted(changed)),
                id__gte=min(plan.entries),
                actor_kind=JournalEntry.ActorKind.IMPORT,
                action=JournalEntry.Action.IMPORT,
            ).delete()
            self.rules_run(sorted(changed))

    def apply_staged(self) -> None:
        """The apply: lock the touched files (as ``dossiers.services.dossier_lock``
        does), then write the rows put aside and give the staged stars, on the state
        of the files as it is under the lock. The caller runs the end-of-file rules
        next, still under it."""
        self._applying = True
        self.table_locked = lock_files(self.per_dossier)
        if self._later is not None:
            later, self._later = self._later, None
            with later:
                later.seek(0)
                while True:
                    try:
                        rows = pickle.load(later)  # noqa: S301 - our own file, this run
                    except EOFError:
                        break
                    self.write_batch(rows)
        if self._stars is not None:
            give_stars(self._stars)
            self._stars = None
