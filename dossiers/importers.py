"""Bulk import of files (dossiers) and receivables (créances): parsing, validation
and bulk writes. The commands ``import_dossiers`` and ``import_creances`` run them
through ``recouvrement.importing``.

Journal entries are written in bulk (one per file and import) rather
than through ``journal_record``, which writes one row per call: an import touches
tens of thousands of files and must not cost a query each.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recouvrement.importing.base import Counters, Importer
from recouvrement.importing.bulk import (
    JsonText,
    among,
    insert_objects,
    new_instance,
    update_objects,
)
from recouvrement.importing.reader import header_key
from recouvrement.importing.values import parse_amount, parse_date, text

from .models import Dossier, JournalEntry, Receivable
from .validators import normalize_siren, validate_siren

Action = JournalEntry.Action
IMPORT = JournalEntry.ActorKind.IMPORT

KIND_VALUES = {header_key(v): v for v in Dossier.Kind.values} | {
    header_key(label): value for value, label in Dossier.Kind.choices
}
STATUS_VALUES = {header_key(v): v for v in Dossier.Status.values} | {
    header_key(str(label)): value for value, label in Dossier.Status.choices
}


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


def import_journal_entry(*, dossier_id: int, action: str, message: str, data=None):
    return new_instance(
        JournalEntry,
        dossier_id=dossier_id,
        action=action,
        message=message,
        actor_kind=IMPORT,
        data=data or {},
    )


JOURNAL_FIELDS = ("dossier_id", "created_at", "actor_kind", "action", "message", "data")
DOSSIER_FIELDS = (
    "reference",
    "name",
    "kind",
    "siren",
    "assigned_to_id",
    "status",
    "created_at",
    "updated_at",
)
RECEIVABLE_INSERT = ("dossier_id", "number", "issue_date", "due_date", "amount", "balance")


def journal_insert(entries: list[JournalEntry]) -> None:
    insert_objects(JournalEntry, entries, JOURNAL_FIELDS)


def refresh_totals(dossier_ids: list[int]) -> None:
    """``dossier_refresh_totals`` for files that have receivables, as one grouped
    aggregate joined to the files (its correlated subqueries, two per file, cost more
    than the whole INSERT of a batch). Same result: the sum of the balances and the
    oldest due date of the unpaid ones. A file whose totals do not change is not
    written (each write of a file row costs its eleven indexes)."""
    if not dossier_ids:
        return
    quote = connection.ops.quote_name
    dossier = quote(Dossier._meta.db_table)
    receivable = quote(Receivable._meta.db_table)
    if connection.vendor == "postgresql":
        # One array parameter: thousands of « %s » would each be quoted by the
        # driver, which costs more than the aggregate.
        among_receivables = "dossier_id = ANY(%s::bigint[])"
        among_files = f"{dossier}.id = ANY(%s::bigint[])"
        params = [dossier_ids, dossier_ids]
        differs = "IS DISTINCT FROM"
    else:
        marks = ", ".join(["%s"] * len(dossier_ids))
        among_receivables = f"dossier_id IN ({marks})"
        among_files = f"{dossier}.id IN ({marks})"
        params = [*dossier_ids, *dossier_ids]
        differs = "IS NOT"  # SQLite's null-safe comparison
    # Only quoted model table names go into the SQL; the ids are parameters.
    sql = (
        f"UPDATE {dossier} SET outstanding = t.total, oldest_due_date = t.oldest "  # noqa: S608
        f"FROM (SELECT dossier_id, SUM(balance) AS total, "
        f"MIN(due_date) FILTER (WHERE balance > 0) AS oldest FROM {receivable} "
        f"WHERE {among_receivables} GROUP BY dossier_id) AS t "
        # The files by their key too: else the join may read the whole table.
        f"WHERE {among_files} AND {dossier}.id = t.dossier_id "
        f"AND ({dossier}.outstanding <> t.total "
        f"OR {dossier}.oldest_due_date {differs} t.oldest)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- Files ----------------------------------------------------------------------------


@dataclass(slots=True)
class DossierRow:
    line: int
    reference: str
    name: str | None
    kind: str | None
    siren: str | None
    assigned_to_id: int | None
    status: str | None


class DossierImporter(Importer):
    label = gettext_lazy("dossiers")
    analyze_tables = {Dossier._meta.db_table: ("reference",)}
    columns = ("reference", "nom", "type", "siren", "charge", "statut")
    required_columns = ("reference",)
    aliases = {"collaborateur": "charge", "charge_de_recouvrement": "charge"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        user_model = get_user_model()
        # Collaborators are few: one query for all of them.
        self.users = dict(
            user_model.objects.filter(is_active=True).values_list(user_model.USERNAME_FIELD, "id")
        )
        self.usernames = {v: k for k, v in self.users.items()}

    def parse_row(self, line: int, row: dict[str, Any]) -> DossierRow | None:
        reference = text(row.get("reference"))
        if not reference:
            self.error(line, "reference", reference, _("la référence du dossier est obligatoire."))
        elif len(reference) > 50:
            self.error(line, "reference", reference, _("référence trop longue (50 caractères)."))
        elif self.seen_before(reference):
            self.duplicate_error(
                line,
                "reference",
                reference,
                _("référence en double dans le fichier (clé répétée)."),
            )
        name = text(row.get("nom")) or None
        if name and len(name) > 200:
            self.error(line, "nom", name, _("nom trop long (200 caractères au plus)."))
        kind = None
        raw_kind = text(row.get("type"))
        if raw_kind:
            kind = KIND_VALUES.get(header_key(raw_kind))
            if kind is None:
                self.error(
                    line,
                    "type",
                    raw_kind,
                    _("type inconnu : « particulier » ou « professionnel »."),
                )
        siren = None
        raw_siren = text(row.get("siren"))
        if raw_siren:
            try:
                validate_siren(raw_siren)
                siren = normalize_siren(raw_siren)
            except ValidationError as exc:
                self.error(line, "siren", raw_siren, exc.messages[0])
            if siren and kind == Dossier.Kind.INDIVIDUAL:
                self.error(
                    line,
                    "siren",
                    raw_siren,
                    _("un SIREN n'est possible que pour un professionnel."),
                )
        assigned_to_id = None
        username = text(row.get("charge"))
        if username:
            assigned_to_id = self.users.get(username)
            if assigned_to_id is None:
                self.error(
                    line,
                    "charge",
                    username,
                    _("collaborateur inconnu : aucun utilisateur actif « %(username)s ».")
                    % {"username": username},
                )
        status = None
        raw_status = text(row.get("statut"))
        if raw_status:
            status = STATUS_VALUES.get(header_key(raw_status))
            if status is None:
                self.error(
                    line,
                    "statut",
                    raw_status,
                    _("statut inconnu (attendu : %(values)s).")
                    % {"values": ", ".join(Dossier.Status.values)},
                )
        if line in self.rejected_lines:
            return None
        return DossierRow(line, reference, name, kind, siren, assigned_to_id, status)

    def write_batch(self, records: list[DossierRow]) -> None:
        existing = {
            d.reference: d
            for chunk in chunked([r.reference for r in records])
            for d in Dossier.objects.filter(among(Dossier, "reference", chunk)).only(
                "id", "reference", "name", "kind", "siren", "assigned_to_id", "status"
            )
        }
        now = timezone.now()
        new: list[Dossier] = []
        changed: list[Dossier] = []
        changed_fields: set[str] = set()
        journal: list[JournalEntry] = []
        phrases: dict[str, Any] = {}  # the journal's, translated at the first change
        for row in records:
            dossier = existing.get(row.reference)
            if dossier is None:
                if not row.name:
                    self.error(
                        row.line, "nom", "", _("le nom est obligatoire pour créer un dossier.")
                    )
                    continue
                kind = row.kind or Dossier.Kind.INDIVIDUAL
                if row.siren and kind != Dossier.Kind.COMPANY:
                    self.error(
                        row.line,
                        "siren",
                        row.siren,
                        _("un SIREN n'est possible que pour un professionnel (colonne type)."),
                    )
                    continue
                new.append(
                    new_instance(
                        Dossier,
                        reference=row.reference,
                        name=row.name,
                        kind=kind,
                        siren=row.siren or "",
                        assigned_to_id=row.assigned_to_id,
                        status=row.status or Dossier.Status.IN_PROGRESS,
                        created_at=now,
                        updated_at=now,
                    )
                )
                continue
            changes = self._changes(dossier, row)
            kind = changes.get("kind", dossier.kind)
            siren = changes.get("siren", dossier.siren)
            if siren and kind != Dossier.Kind.COMPANY:
                self.error(
                    row.line,
                    "siren" if row.siren else "type",
                    row.siren or row.kind,
                    _("un SIREN n'est possible que pour un professionnel."),
                )
                continue
            if not changes:
                self.unchanged += 1
                continue
            phrases = phrases or self._journal_phrases()
            described = []
            for field, value in changes.items():
                described.append(self._describe(dossier, field, value, phrases))
                setattr(dossier, field, value)
            dossier.updated_at = now
            changed.append(dossier)
            changed_fields.update(changes)
            journal.append(
                import_journal_entry(
                    dossier_id=dossier.pk,
                    action=Action.DOSSIER_UPDATED,
                    message=phrases["updated"]
                    % {"file": self.source_name, "changes": " ; ".join(described)},
                    data={"import": self.source_name, "fields": sorted(changes)},
                )
            )
        if new:
            insert_objects(Dossier, new, DOSSIER_FIELDS, returning=True)
            # The same message and data for every created file (the data is encoded once).
            message = _("Dossier créé par import (%(file)s).") % {"file": self.source_name}
            data = {"import": self.source_name}
            journal.extend(
                import_journal_entry(
                    dossier_id=d.pk, action=Action.DOSSIER_CREATED, message=message, data=data
                )
                for d in new
            )
        if changed:
            update_objects(Dossier, changed, sorted(changed_fields | {"updated_at"}))
        if journal:
            journal_insert(journal)
        self.created += len(new)
        self.updated += len(changed)

    @staticmethod
    def _changes(dossier: Dossier, row: DossierRow) -> dict[str, Any]:
        """Only what the file says and differs: an empty cell keeps the current value."""
        wanted = {
            "name": row.name,
            "kind": row.kind,
            "siren": row.siren,
            "assigned_to_id": row.assigned_to_id,
            "status": row.status,
        }
        return {
            field: value
            for field, value in wanted.items()
            if value is not None and getattr(dossier, field) != value
        }

    @staticmethod
    def _journal_phrases() -> dict[str, Any]:
        """What the journal of a changed file says, translated once per batch (not
        once per file): the message, the change of each field, the choices' labels."""
        return {
            "updated": _("Dossier modifié par import (%(file)s) : %(changes)s."),
            "status": _("statut %(old)s → %(new)s"),
            "assigned_to_id": _("collaborateur %(old)s → %(new)s"),
            "kind": _("type %(old)s → %(new)s"),
            "name": _("nom « %(old)s » → « %(new)s »"),
            "siren": _("SIREN « %(old)s » → « %(new)s »"),
            # Translators: the former collaborator of a file that had none.
            "nobody": _("personne"),
            "status_labels": {value: str(label) for value, label in Dossier.Status.choices},
            "kind_labels": {value: str(label) for value, label in Dossier.Kind.choices},
        }

    def _describe(self, dossier: Dossier, field: str, value: Any, phrases: dict[str, Any]) -> str:
        old = getattr(dossier, field)
        if field == "status":
            labels = phrases["status_labels"]
            old, value = labels[old], labels[value]
        elif field == "assigned_to_id":
            old, value = (
                self.usernames.get(old, phrases["nobody"]),
                self.usernames.get(value, value),
            )
        elif field == "kind":
            labels = phrases["kind_labels"]
            old, value = labels[old], labels[value]
        return phrases[field] % {"old": old, "new": value}


# --- Receivables ----------------------------------------------------------------------


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
        # Per file: created, updated, for one journal entry per file at the end.
        self.per_dossier = Counters(2)
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
                self.per_dossier.add(dossier_id, 0)
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
            self.per_dossier.add(dossier_id, 1)
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
        refresh_totals(sorted(self.pending_totals - touched))
        self.pending_totals = touched

    def finish(self) -> None:
        refresh_totals(sorted(self.pending_totals))
        entries = []
        # Translated once, not once per file.
        imported = _("Import de créances (%(file)s) : %(changes)s.")
        added = _("%(count)d créance(s) ajoutée(s)")
        modified = _("%(count)d créance(s) modifiée(s)")
        source = json.dumps(self.source_name)
        for dossier_id, (created, updated) in self.per_dossier.items():
            parts = []
            if created:
                parts.append(added % {"count": created})
            if updated:
                parts.append(modified % {"count": updated})
            entries.append(
                import_journal_entry(
                    dossier_id=dossier_id,
                    action=Action.RECEIVABLE_IMPORTED,
                    message=imported % {"file": self.source_name, "changes": ", ".join(parts)},
                    data=JsonText(
                        f'{{"import": {source}, "created": {created}, "updated": {updated}}}'
                    ),
                )
            )
            if len(entries) >= 2000:
                journal_insert(entries)
                entries = []
        if entries:
            journal_insert(entries)
