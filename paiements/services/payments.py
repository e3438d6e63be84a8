"""Recording a payment by hand, its allocation, and its receipt (*quittance*)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier, JournalEntry, Receivable
from dossiers.services import dossier_lock, dossier_refresh_totals, journal_record
from dossiers.templatetags.recouvrement import format_euros
from pieces.models import Piece
from pieces.services import piece_store_generated

from ..allocation import ZERO, allocate
from ..models import Allocation, Payment
from ..receipt import receipt_pdf
from ..selectors import held_receivable_ids

MAX_AMOUNT = Decimal("999999999999.99")


def payment_phrases() -> dict:
    """The journal's phrases, translated once (an import writes thousands of entries)."""
    return {
        "head": _("Paiement de %(amount)s (%(mode)s) du %(date)s"),
        "reference": _(", réf. %(reference)s"),
        "parts": _(" : lettré sur %(parts)s"),
        "credit": _(" ; avoir de %(rest)s sur le dossier"),
        "modes": {value: str(label) for value, label in Payment.Mode.choices},
    }


def payment_message(*, payment: Payment, parts, rest: Decimal, phrases: dict | None = None) -> str:
    """The journal's sentence for a payment (also written by the import)."""
    phrases = phrases or payment_phrases()
    message = phrases["head"] % {
        "amount": format_euros(payment.amount),
        "mode": phrases["modes"].get(payment.mode, payment.mode),
        "date": f"{payment.date:%d/%m/%Y}",
    }
    if payment.reference:
        message += phrases["reference"] % {"reference": payment.reference}
    if parts:
        message += phrases["parts"] % {
            "parts": ", ".join(f"{r.number} ({format_euros(a)})" for r, a in parts)
        }
    if rest > ZERO:
        message += phrases["credit"] % {"rest": format_euros(rest)}
    return message + "."


def payment_journal_data(*, payment: Payment, parts, rest: Decimal) -> dict:
    return {
        "payment": payment.pk,
        "amount": str(payment.amount),
        "allocations": {r.number: str(a) for r, a in parts},
        "credit": str(rest),
    }


def _validate(*, amount, date, mode, reference: str, invoice_number: str) -> None:
    errors: dict[str, list[str]] = {}
    if amount is None or amount <= ZERO:
        errors["amount"] = [_("Le montant d'un paiement doit être positif.")]
    elif amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = [_("Montant invalide (deux décimales au plus).")]
    if date is None:
        errors["date"] = [_("La date du paiement est obligatoire.")]
    elif date > timezone.localdate():
        errors["date"] = [_("Un paiement ne peut pas être daté dans le futur.")]
    if mode not in Payment.Mode.values:
        errors["mode"] = [_("Mode de paiement inconnu.")]
    if len(reference) > Payment._meta.get_field("reference").max_length:
        errors["reference"] = [_("Référence trop longue.")]
    if len(invoice_number) > 50:
        errors["invoice_number"] = [_("Numéro de facture trop long.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def payment_record(
    *,
    dossier: Dossier,
    date: datetime.date,
    amount: Decimal,
    mode: str,
    reference: str = "",
    invoice_number: str = "",
    user=None,
) -> Payment:
    """Record a payment and allocate it: the named invoice, else the oldest unpaid
    first; what is left is a credit on the file. Balances and the file's totals
    follow; kept instalments are recognised at once.

    Raises ValidationError (nothing written) on a bad amount, date or mode, an
    invoice that is not the file's, or a reference already recorded.
    """
    reference, invoice_number = (reference or "").strip(), (invoice_number or "").strip()
    _validate(
        amount=amount, date=date, mode=mode, reference=reference, invoice_number=invoice_number
    )
    dossier = dossier_lock(dossier_id=dossier.pk)
    known = Payment.objects.filter(reference=reference).exclude(reference="")  # partial index
    if reference and known.exists():
        raise ValidationError(
            {
                "reference": [
                    _("Un paiement de référence « %(ref)s » existe déjà.") % {"ref": reference}
                ]
            }
        )
    if invoice_number and not dossier.receivables.filter(number=invoice_number).exists():
        raise ValidationError(
            {
                "invoice_number": [
                    _("Le dossier n'a pas de facture « %(number)s ».") % {"number": invoice_number}
                ]
            }
        )
    receivables = list(
        Receivable.objects.filter(dossier=dossier, balance__gt=0).order_by(
            "due_date", "number", "id"
        )
    )
    parts, rest = allocate(
        amount=amount,
        receivables=receivables,
        invoice_number=invoice_number,
        held_ids=held_receivable_ids(dossier_ids=[dossier.pk]),
    )
    payment = Payment.objects.create(
        dossier=dossier,
        reference=reference,
        date=date,
        amount=amount,
        mode=mode,
        invoice_number=invoice_number,
        unallocated=rest,
        recorded_by=user,
    )
    Allocation.objects.bulk_create(
        [Allocation(payment=payment, receivable=r, amount=a) for r, a in parts]
    )
    Receivable.objects.bulk_update([r for r, _a in parts], ["balance"])
    dossier_refresh_totals(dossier_ids=[dossier.pk])
    journal_record(
        dossier=dossier,
        action=JournalEntry.Action.PAYMENT,
        actor=user,
        message=payment_message(payment=payment, parts=parts, rest=rest),
        data=payment_journal_data(payment=payment, parts=parts, rest=rest),
    )
    from .promises import promises_evaluate

    promises_evaluate(today=timezone.localdate(), dossier_ids=[dossier.pk])
    return payment


def payment_receipt(*, payment: Payment, user) -> Piece:
    """Produce the receipt (*quittance*) of a payment and keep it as a piece."""
    payment = Payment.objects.select_related("dossier").get(pk=payment.pk)
    allocations = list(payment.allocations.select_related("receivable").order_by("id"))
    content = receipt_pdf(payment=payment, allocations=allocations)
    label = payment.reference or f"{payment.date:%Y%m%d}-{payment.pk}"
    return piece_store_generated(
        dossier=payment.dossier,
        name=f"quittance-{label}.pdf",
        content=content,
        content_type="application/pdf",
        origin=Piece.Origin.RECEIPT,
        user=user,
        description=_("Quittance du paiement de %(amount)s du %(date)s")
        % {"amount": format_euros(payment.amount), "date": f"{payment.date:%d/%m/%Y}"},
    )
