"""What the imports of every app share: files found by their reference, batched
keys, the journal entries written in bulk.

Journal entries are built by ``dossiers.services.journal_entry_build``, the
builder of every entry, and inserted together (one statement per 1,000 rows)
rather than saved one by one: an import touches tens of thousands of files and
must not cost a query each.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from recouvrement.importing.base import Importer
from recouvrement.importing.bulk import among, insert_objects

from ..models import Dossier, JournalEntry

JOURNAL_FIELDS = ("dossier_id", "created_at", "actor_id", "actor_kind", "action", "message", "data")


def chunked(items: list, size: int = 900):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dossier_ids_by_reference(references: set[str]) -> dict[str, int]:
    """One query per 900 references (SQLite's variable limit stays far away)."""
    found: dict[str, int] = {}
    for chunk in chunked(sorted(references)):
        found.update(
            Dossier.objects.filter(among(Dossier, "reference", chunk))
            .order_by()
            .values_list("reference", "id")
        )
    return found


def unknown_dossier_error(importer: Importer, row) -> None:
    """The error of a row whose ``reference`` names no file."""
    importer.error(
        row.line,
        "reference_dossier",
        row.reference,
        _("dossier inconnu : aucune référence « %(reference)s ».") % {"reference": row.reference},
    )


def with_dossier_ids(importer: Importer, records: list) -> list[tuple[int, Any]]:
    """``(file id, row)`` for the rows whose ``reference`` names a file (one query per
    900 references); the others are recorded as errors."""
    dossiers = dossier_ids_by_reference({r.reference for r in records})
    found = []
    for row in records:
        dossier_id = dossiers.get(row.reference)
        if dossier_id is None:
            unknown_dossier_error(importer, row)
        else:
            found.append((dossier_id, row))
    return found


def journal_insert(entries: list[JournalEntry]) -> None:
    """Insert entries built by ``journal_entry_build``."""
    insert_objects(JournalEntry, entries, JOURNAL_FIELDS)
