"""The import of receivables (``manage.py import_creances``): parsing, validation,
bulk writes, then the totals of the files (``dossiers.services.dossier_refresh_totals``,
the same computation as for one receivable changed in the admin)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recouvrement.importing.base import Counters, Importer
from recouvrement.importing.bulk import among, insert_objects, update_objects
from recouvrement.importing.values import parse_amount, parse_date, text

from ..models import JournalEntry, Receivable
from ..services import dossier_refresh_totals, journal_entry_build
from .common import chunked, journal_insert, with_dossier_ids

RECEIVABLE_INSERT = ("dossier_id", "number", "issue_date", "due_date", "amount", "balance")


class ReceivableCounts(IntEnum):
    """What a receivable import counts in each file, for its journal entry."""

    CREATED = 0
    UPDATED = 1


@dataclass(slots=True)
class ReceivableRow:
    line: int
    reference: str
    number: str
    issue_date: datetime.date | None
    due_date: datetime.date | None
    amount: Decimal | None
    balance: Decimal | None
    #: set once the file is known; a new receivable is written from the row itself
    dossier_id: int = 0


RECEIVABLE_FIELDS = ("issue_date", "due_date", "amount", "balance")
RECEIVABLE_COLUMNS = {
    "issue_date": "date_emission",
    "due_date": "date_echeance",
    "amount": "montant",
    "balance": "solde",
}


class ReceivableImporter(Importer):
    label = gettext_lazy("créances")
    analyze_tables = {Receivable._meta.db_table: ("dossier_id",)}
    columns = ("reference_dossier", "numero", "date_emission", "date_echeance", "montant", "solde")
    required_columns = ("reference_dossier", "numero")
    aliases = {
        "dossier": "reference_dossier",
        "numero_facture": "numero",
        "reste_du": "solde",
        "date_d_emission": "date_emission",
        "date_d_echeance": "date_echeance",
        "echeance": "date_echeance",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # For one journal entry per file at the end.
        self.per_dossier = Counters(ReceivableCounts)
        # Files whose receivables changed in the last batch written: their totals
        # wait for the next batch, which may bring more of them (see write_batch).
        self.pending_totals: set[int] = set()

    def parse_row(self, line: int, row: dict[str, Any]) -> ReceivableRow | None:
        reference = text(row.get("reference_dossier"))
        number = text(row.get("numero"))
        if not reference:
            self.error(line, "reference_dossier", "", _("la référence du dossier est obligatoire."))
        if not number:
            self.error(line, "numero", "", _("le numéro de facture est obligatoire."))
        elif len(number) > 50:
            self.error(line, "numero", number, _("numéro trop long (50 caractères au plus)."))
        if reference and number and self.seen_before(reference, number):
            self.duplicate_error(
                line,
                "numero",
                number,
                _("créance en double dans le fichier (dossier %(reference)s, facture %(number)s).")
                % {"reference": reference, "number": number},
            )
        # The four value cells, parsed straight into locals (no dict per row).
        get = row.get
        issue_date = self._date(line, "date_emission", get("date_emission"))
        due_date = self._date(line, "date_echeance", get("date_echeance"))
        amount = self._amount(line, "montant", get("montant"))
        balance = self._amount(line, "solde", get("solde"))
        if line in self.rejected_lines:
            return None
        record = ReceivableRow(line, reference, number, issue_date, due_date, amount, balance)
        if not self._consistent(record.__getattribute__, line, row):
            return None
        return record

    def _date(self, line: int, column: str, raw: Any) -> datetime.date | None:
        if not text(raw):
            return None
        try:
            return parse_date(raw)
        except ValueError as exc:
            self.error(line, column, raw, str(exc))
            return None

    def _amount(self, line: int, column: str, raw: Any) -> Decimal | None:
        if not text(raw):
            return None
        try:
            value = parse_amount(raw)
        except ValueError as exc:
            self.error(line, column, raw, str(exc))
            return None
        if value < 0:
            self.error(line, column, raw, _("un montant ne peut pas être négatif."))
            return None
        return value

    def _consistent(self, get, line: int, row: dict[str, Any] | None) -> bool:
        """Balance within amount, due date not before issue date."""
        ok = True
        amount, balance = get("amount"), get("balance")
        if amount is not None and balance is not None and balance > amount:
            self.error(
                line,
                "solde",
                row.get("solde") if row else balance,
                _("le solde (%(balance)s) dépasse le montant de la créance (%(amount)s).")
                % {"balance": balance, "amount": amount},
            )
            ok = False
        issue, due = get("issue_date"), get("due_date")
        if issue is not None and due is not None and due < issue:
            self.error(
                line,
                "date_echeance",
                row.get("date_echeance") if row else due,
                _("l'échéance (%(due)s) précède la date d'émission (%(issue)s).")
                % {"due": f"{due:%d/%m/%Y}", "issue": f"{issue:%d/%m/%Y}"},
            )
            ok = False
        return ok

    def write_batch(self, records: list[ReceivableRow]) -> None:
        valid: list[tuple[int, ReceivableRow]] = with_dossier_ids(self, records)
        if not valid:
            return
        ids = sorted({d for d, _row in valid})
        wanted = {(d, r.number) for d, r in valid}
        existing: dict[tuple[int, str], Receivable] = {}
        # By file only: « dossier IN (…) AND number IN (…) » makes SQLite probe the
        # index for every (file, number) pair, a million probes for a batch.
        for chunk in chunked(ids, 500):
            for receivable in Receivable.objects.filter(
                among(Receivable, "dossier_id", chunk)
            ).only("id", "dossier_id", "number", *RECEIVABLE_FIELDS):
                key = (receivable.dossier_id, receivable.number)
                if key in wanted:
                    existing[key] = receivable
        new: list[ReceivableRow] = []
        changed: list[Receivable] = []
        for dossier_id, row in valid:
            receivable = existing.get((dossier_id, row.number))
            if receivable is None:
                missing = [f for f in RECEIVABLE_FIELDS if getattr(row, f) is None]
                if missing:
                    for field in missing:
                        self.error(
                            row.line,
                            RECEIVABLE_COLUMNS[field],
                            "",
                            _("valeur obligatoire pour une nouvelle créance."),
                        )
                    continue
                row.dossier_id = dossier_id
                new.append(row)  # has every column of RECEIVABLE_INSERT
                self.per_dossier.add(dossier_id, ReceivableCounts.CREATED)
                continue
            changes = {
                f: getattr(row, f)
                for f in RECEIVABLE_FIELDS
                if getattr(row, f) is not None and getattr(row, f) != getattr(receivable, f)
            }
            if not changes:
                self.unchanged += 1
                continue
            merged = {f: changes.get(f, getattr(receivable, f)) for f in RECEIVABLE_FIELDS}
            if not self._consistent(merged.get, row.line, None):
                continue
            for field, value in changes.items():
                setattr(receivable, field, value)
            changed.append(receivable)
            self.per_dossier.add(dossier_id, ReceivableCounts.UPDATED)
        if new:
            insert_objects(Receivable, new, RECEIVABLE_INSERT)
        if changed:
            update_objects(Receivable, changed, list(RECEIVABLE_FIELDS))
        self.created += len(new)
        self.updated += len(changed)
        # The totals of the files of the previous batch that this one did not touch:
        # in a file sorted by file reference (as exports are), they are complete and
        # are written once, here, while the next batch is being parsed; a file whose
        # receivables come scattered may be refreshed more than once, still right.
        touched = {row.dossier_id for row in new} | {r.dossier_id for r in changed}
        dossier_refresh_totals(
            dossier_ids=self.pending_totals - touched, with_receivables_only=True
        )
        self.pending_totals = touched

    def finish(self) -> None:
        dossier_refresh_totals(dossier_ids=self.pending_totals, with_receivables_only=True)
        entries = []
        # Translated once, not once per file.
        imported = _("Import de créances (%(file)s) : %(changes)s.")
        # Files with the same counts share one data document (encoded once).
        documents: dict[tuple[int, int], dict] = {}
        added = _("%(count)d créance(s) ajoutée(s)")
        modified = _("%(count)d créance(s) modifiée(s)")
        for dossier_id, (created, updated) in self.per_dossier.items():
            parts = []
            if created:
                parts.append(added % {"count": created})
            if updated:
                parts.append(modified % {"count": updated})
            entries.append(
                journal_entry_build(
                    dossier=dossier_id,
                    action=JournalEntry.Action.RECEIVABLE_IMPORTED,
                    actor_kind=JournalEntry.ActorKind.IMPORT,
                    message=imported % {"file": self.source_name, "changes": ", ".join(parts)},
                    data=documents.setdefault(
                        (created, updated),
                        {"import": self.source_name, "created": created, "updated": updated},
                    ),
                )
            )
            if len(entries) >= 2000:
                journal_insert(entries)
                entries = []
        if entries:
            journal_insert(entries)
