"""``manage.py import_paiements``: payments from another system, allocated in bulk.

Same guarantees as the other imports (``recouvrement.importing``): formats,
``--dry-run``, ``--skip-invalid``, ``--errors``, atomic, idempotent on the payment's
``reference``. Per batch: the files by reference, the references already known,
the unpaid invoices and the open disputes of the batch's files (one query each per
chunk), the allocation in Python (``paiements.allocation``), then bulk INSERTs of
payments, allocations and journal entries and one bulk UPDATE of the balances.
The files' totals are refreshed with the receivables import's grouped UPDATE.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers.importers import chunked, journal_insert, with_dossier_ids
from dossiers.models import JournalEntry, Receivable
from dossiers.services import dossier_refresh_totals, journal_entry_build
from recouvrement.importing.base import Importer
from recouvrement.importing.bulk import among, insert_objects, new_instance, update_objects
from recouvrement.importing.reader import header_key
from recouvrement.importing.values import parse_amount, parse_date, text

from .allocation import ZERO, allocate
from .models import Allocation, Dispute, Payment
from .services.payments import payment_journal_data, payment_message, payment_phrases

MODE_VALUES = (
    {header_key(v): v for v in Payment.Mode.values}
    | {header_key(str(label)): value for value, label in Payment.Mode.choices}
    | {"cb": Payment.Mode.CARD, "carte_bancaire": Payment.Mode.CARD, "vir": Payment.Mode.TRANSFER}
)

PAYMENT_INSERT = (
    "dossier_id",
    "reference",
    "date",
    "amount",
    "mode",
    "invoice_number",
    "unallocated",
    "created_at",
)


@dataclass(slots=True)
class OpenReceivable:
    """What the allocation needs of an unpaid invoice (no model instance per row)."""

    pk: int
    number: str
    balance: Decimal


@dataclass(slots=True)
class PaymentRow:
    line: int
    reference: str  # the file's reference
    key: str  # the payment's reference
    date: datetime.date
    amount: Decimal
    mode: str
    number: str


class PaymentImporter(Importer):
    label = gettext_lazy("paiements")
    analyze_tables = {
        Payment._meta.db_table: ("reference",),
        Allocation._meta.db_table: ("receivable_id",),
    }
    columns = ("reference_dossier", "reference", "date", "montant", "mode", "numero")
    required_columns = ("reference_dossier", "reference", "date", "montant", "mode")
    aliases = {
        "dossier": "reference_dossier",
        "reference_paiement": "reference",
        "date_paiement": "date",
        "date_de_paiement": "date",
        "mode_de_paiement": "mode",
        "numero_facture": "numero",
        "facture": "numero",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.today = timezone.localdate()
        self.pending_totals: set[int] = set()
        # Every file that received a payment: its promises are evaluated at the end.
        self.paid_files: set[int] = set()

    def parse_row(self, line: int, row: dict[str, Any]) -> PaymentRow | None:
        get = row.get
        reference = text(get("reference_dossier"))
        key = text(get("reference"))
        number = text(get("numero"))
        if not reference:
            self.error(line, "reference_dossier", "", _("la référence du dossier est obligatoire."))
        if not key:
            self.error(line, "reference", "", _("la référence du paiement est obligatoire."))
        elif len(key) > 60:
            self.error(line, "reference", key, _("référence trop longue (60 caractères au plus)."))
        if len(number) > 50:
            self.error(line, "numero", number, _("numéro trop long (50 caractères au plus)."))
        day = amount = None
        raw = get("date")
        try:
            day = parse_date(raw)
        except ValueError as exc:
            self.error(line, "date", raw, str(exc) if text(raw) else _("la date est obligatoire."))
        if day is not None and day > self.today:
            self.error(line, "date", raw, _("un paiement ne peut pas être daté dans le futur."))
        raw = get("montant")
        try:
            amount = parse_amount(raw)
        except ValueError as exc:
            self.error(
                line, "montant", raw, str(exc) if text(raw) else _("le montant est obligatoire.")
            )
        if amount is not None and amount <= 0:
            self.error(line, "montant", raw, _("le montant d'un paiement doit être positif."))
        raw_mode = text(get("mode"))
        mode = MODE_VALUES.get(header_key(raw_mode))
        if mode is None:
            self.error(
                line,
                "mode",
                raw_mode,
                _("mode inconnu (attendu : %(modes)s).")
                % {"modes": ", ".join(Payment.Mode.values)},
            )
        if key and line not in self.rejected_lines and self.seen_before(key):
            self.duplicate_error(
                line,
                "reference",
                key,
                _("paiement en double dans le fichier (référence %(key)s).") % {"key": key},
            )
        if line in self.rejected_lines:
            return None
        return PaymentRow(line, reference, key, day, amount, mode, number)

    def write_batch(self, records: list[PaymentRow]) -> None:
        valid = with_dossier_ids(self, records)
        if not valid:
            return
        known: set[str] = set()
        for chunk in chunked(sorted({r.key for _d, r in valid})):
            known.update(
                # « reference <> '' » lets the planner use the partial unique index
                # (else SQLite scans the table for every chunk).
                Payment.objects.filter(among(Payment, "reference", chunk))
                .exclude(reference="")
                .order_by()
                .values_list("reference", flat=True)
            )
        fresh = []
        for dossier_id, row in valid:
            if row.key in known:
                self.unchanged += 1
            else:
                fresh.append((dossier_id, row))
        if not fresh:
            return
        ids = sorted({d for d, _row in fresh})
        unpaid: dict[int, list[OpenReceivable]] = {d: [] for d in ids}
        numbers: dict[int, set[str]] = {d: set() for d in ids}
        held: set[int] = set()
        through = Dispute.receivables.through
        for chunk in chunked(ids, 500):
            for pk, dossier_id, number, balance in (
                Receivable.objects.filter(among(Receivable, "dossier_id", chunk))
                .order_by("dossier_id", "due_date", "number", "id")
                .values_list("id", "dossier_id", "number", "balance")
            ):
                numbers[dossier_id].add(number)
                if balance > ZERO:
                    unpaid[dossier_id].append(OpenReceivable(pk, number, balance))
            held.update(
                through.objects.filter(
                    dispute__status=Dispute.Status.OPEN, dispute__dossier_id__in=chunk
                ).values_list("receivable_id", flat=True)
            )
        payments, plans, changed = [], [], {}
        now = timezone.now()
        for dossier_id, row in fresh:
            if row.number and row.number not in numbers[dossier_id]:
                self.error(
                    row.line,
                    "numero",
                    row.number,
                    _("le dossier %(reference)s n'a pas de facture « %(number)s ».")
                    % {"reference": row.reference, "number": row.number},
                )
                continue
            parts, rest = allocate(
                amount=row.amount,
                receivables=unpaid[dossier_id],
                invoice_number=row.number,
                held_ids=held,
            )
            payment = new_instance(
                Payment,
                dossier_id=dossier_id,
                reference=row.key,
                date=row.date,
                amount=row.amount,
                mode=row.mode,
                invoice_number=row.number,
                unallocated=rest,
                created_at=now,
            )
            payments.append(payment)
            plans.append((payment, parts, rest))
            for receivable, _amount in parts:
                changed[receivable.pk] = receivable
        if not payments:
            return
        insert_objects(Payment, payments, PAYMENT_INSERT, returning=True)
        allocations = [
            new_instance(Allocation, payment_id=p.pk, receivable_id=r.pk, amount=a)
            for p, parts, _rest in plans
            for r, a in parts
        ]
        insert_objects(Allocation, allocations, ("payment_id", "receivable_id", "amount"))
        update_objects(Receivable, list(changed.values()), ["balance"])
        phrases = payment_phrases()
        suffix = _(" (import %(file)s)") % {"file": self.source_name}
        journal_insert(
            [
                journal_entry_build(
                    dossier=p.dossier_id,
                    actor_kind=JournalEntry.ActorKind.IMPORT,
                    action=JournalEntry.Action.PAYMENT,
                    message=payment_message(payment=p, parts=parts, rest=rest, phrases=phrases)
                    + suffix,
                    data=payment_journal_data(payment=p, parts=parts, rest=rest)
                    | {"import": self.source_name},
                )
                for p, parts, rest in plans
            ]
        )
        self.created += len(payments)
        touched = {p.dossier_id for p in payments}
        dossier_refresh_totals(
            dossier_ids=self.pending_totals - touched, with_receivables_only=True
        )
        self.pending_totals = touched
        self.paid_files |= touched

    def finish(self) -> None:
        dossier_refresh_totals(dossier_ids=self.pending_totals, with_receivables_only=True)
        if self.paid_files:
            from .services.promises import promises_evaluate

            promises_evaluate(today=self.today, dossier_ids=sorted(self.paid_files))
