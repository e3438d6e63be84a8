"""Keeping the versions' tables small (``manage.py fiche_compact``, daily).

PostgreSQL's log (``fiche_filechange``) gains a row per file and statement that
changes it: an import of 100,000 files adds about 700,000 rows (70 MB), every
agent's write one. ``compact`` replaces the rows of each file that has more than
``keep`` (one, by default) by one row with a fresh random number: the file's version then changes
once more (its page is rendered again at its next view, as after any write) and
never comes back to a value the cache has seen, since the number is new. Writers
are never held: the rows a concurrent transaction has not committed yet are not seen
by the DELETE and stay, so its version still moves when it commits.

On both databases, the versions of files that no longer exist (deleted, or purged
by the retention rules) are removed, both their versions (the id and its negation,
the tabs'); the global version (id 0) is kept.

One transaction per batch of files: a compaction stopped half-way leaves every file
either compacted or as it was. 100,000 files of 7 rows each: 3.4 s (PostgreSQL, the
benchmark import's log).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from dossiers.models import Dossier

from .versioning import CHANGES, GLOBAL, PG_RANDOM, VERSIONS

#: A file keeps up to this many rows of the log between two compactions.
KEEP = 1
BATCH = 5_000
BELOW_EVERY_KEY = -(2**63)  # the smallest bigint: the log's keys (ids, their negation) are above


@dataclass
class CompactionReport:
    files: int = 0  # files whose rows were replaced by one
    rows_removed: int = 0  # rows of the log gone (compaction and deleted files)
    orphans: int = 0  # versions of files that no longer exist


def _candidates(cursor, after: int, keep: int, batch: int) -> list[int]:
    """The next ``batch`` files (after ``after``, in key order) with more than
    ``keep`` rows: one pass over the log's index, stopped by the LIMIT."""
    cursor.execute(
        f"SELECT dossier_id FROM {CHANGES} WHERE dossier_id > %s "  # noqa: S608
        "GROUP BY dossier_id HAVING count(*) > %s ORDER BY dossier_id LIMIT %s",
        [after, keep, batch],
    )
    return [d for (d,) in cursor.fetchall()]


def compact(*, keep: int = KEEP, batch: int = BATCH, dry_run: bool = False) -> CompactionReport:
    """Compact the log (PostgreSQL) and remove the versions of deleted files.
    ``dry_run`` counts what would go and writes nothing."""
    if keep < 1 or batch < 1:
        raise ValueError("keep and batch must be at least 1")
    report = CompactionReport()
    dossiers = connection.ops.quote_name(Dossier._meta.db_table)
    table = CHANGES if connection.vendor == "postgresql" else VERSIONS
    with connection.cursor() as cursor:
        # The deleted files' versions first: none of them is compacted for nothing.
        orphaned = (
            f"FROM {table} v WHERE v.dossier_id <> {GLOBAL} AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {dossiers} d WHERE d.id = abs(v.dossier_id))"
        )
        if dry_run:
            cursor.execute(f"SELECT count(*), count(DISTINCT abs(v.dossier_id)) {orphaned}")
            rows, files = cursor.fetchone()
        elif connection.vendor == "postgresql":
            with transaction.atomic():
                cursor.execute(
                    f"WITH gone AS (DELETE FROM {table} WHERE dossier_id IN "  # noqa: S608
                    f"(SELECT v.dossier_id {orphaned}) RETURNING dossier_id) "
                    "SELECT count(*), count(DISTINCT abs(dossier_id)) FROM gone"
                )
                rows, files = cursor.fetchone()
        else:  # one row per file and part
            with transaction.atomic():
                cursor.execute(f"SELECT count(DISTINCT abs(v.dossier_id)) {orphaned}")
                files = cursor.fetchone()[0]
                cursor.execute(
                    f"DELETE FROM {table} WHERE dossier_id IN (SELECT v.dossier_id {orphaned})"  # noqa: S608
                )
                rows = cursor.rowcount
        report.rows_removed += rows
        report.orphans = files
        if connection.vendor == "postgresql":
            after = BELOW_EVERY_KEY  # the tabs' versions (negative keys) first
            while files := _candidates(cursor, after, keep, batch):
                after = files[-1]
                if dry_run:
                    cursor.execute(
                        f"SELECT count(*) FROM {CHANGES} WHERE dossier_id = ANY(%s)",  # noqa: S608
                        [files],
                    )
                    report.rows_removed += cursor.fetchone()[0] - len(files)
                    report.files += len(files)
                    continue
                with transaction.atomic():
                    cursor.execute(
                        f"WITH gone AS (DELETE FROM {CHANGES} WHERE dossier_id = ANY(%s) "  # noqa: S608
                        "RETURNING dossier_id), "
                        f"made AS (INSERT INTO {CHANGES} (dossier_id, r) SELECT d, {PG_RANDOM} "
                        "FROM (SELECT DISTINCT dossier_id AS d FROM gone) s RETURNING 1) "
                        "SELECT (SELECT count(*) FROM made), (SELECT count(*) FROM gone)",
                        [files],
                    )
                    made, gone = cursor.fetchone()
                    report.files += made
                    report.rows_removed += gone - made
    return report
