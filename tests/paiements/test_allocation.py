"""Allocation (lettrage) of a payment recorded by hand: named invoice, oldest first,
overpayment as a credit; balances and the file's totals follow; journaled; receipt."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from dossiers.models import JournalEntry
from paiements.models import Allocation, Payment
from paiements.services import payment_receipt, payment_record
from pieces.models import Piece

from .helpers import receivable

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def invoices(dossier):
    today = timezone.localdate()
    return [
        receivable(dossier, "F-OLD", "100.00", due=today - datetime.timedelta(days=90)),
        receivable(dossier, "F-MID", "200.00", due=today - datetime.timedelta(days=60)),
        receivable(dossier, "F-NEW", "300.00", due=today - datetime.timedelta(days=10)),
    ]


def balances(dossier):
    return dict(dossier.receivables.values_list("number", "balance"))


def test_oldest_unpaid_first(dossier, invoices, owner):
    today = timezone.localdate()
    payment = payment_record(
        dossier=dossier, date=today, amount=D("150.00"), mode="virement", user=owner
    )
    assert balances(dossier) == {"F-OLD": D("0.00"), "F-MID": D("150.00"), "F-NEW": D("300.00")}
    assert sorted(payment.allocations.values_list("receivable__number", "amount")) == [
        ("F-MID", D("50.00")),
        ("F-OLD", D("100.00")),
    ]
    dossier.refresh_from_db()
    assert dossier.outstanding == D("450.00")
    # The oldest unpaid due date moved to the next invoice.
    assert dossier.oldest_due_date == invoices[1].due_date
    entry = JournalEntry.objects.filter(dossier=dossier, action="payment").get()
    assert entry.actor == owner
    assert "150,00" in entry.message and "F-OLD" in entry.message and "F-MID" in entry.message


def test_named_invoice_first_then_oldest(dossier, invoices, owner):
    payment_record(
        dossier=dossier,
        date=timezone.localdate(),
        amount=D("350.00"),
        mode="cheque",
        invoice_number="F-NEW",
        user=owner,
    )
    assert balances(dossier) == {"F-OLD": D("50.00"), "F-MID": D("200.00"), "F-NEW": D("0.00")}


def test_overpayment_is_a_credit_on_the_file(dossier, invoices, owner):
    payment = payment_record(
        dossier=dossier, date=timezone.localdate(), amount=D("650.00"), mode="carte", user=owner
    )
    assert payment.unallocated == D("50.00")
    assert set(balances(dossier).values()) == {D("0.00")}
    dossier.refresh_from_db()
    assert dossier.outstanding == 0
    assert dossier.oldest_due_date is None
    assert "avoir de 50,00" in JournalEntry.objects.get(action="payment").message


def test_disputed_invoice_is_skipped_by_oldest_first(dossier, invoices, owner):
    from paiements.models import DisputeReason
    from paiements.services import dispute_open

    dispute_open(
        dossier=dossier,
        receivables=[invoices[0]],
        reason=DisputeReason.objects.first(),
        follow_up_date=timezone.localdate(),
        user=owner,
    )
    payment_record(
        dossier=dossier, date=timezone.localdate(), amount=D("100.00"), mode="virement", user=owner
    )
    assert balances(dossier)["F-OLD"] == D("100.00")
    assert balances(dossier)["F-MID"] == D("100.00")


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"amount": D("0")}, "amount", "positif"),
        ({"amount": D("-5")}, "amount", "positif"),
        ({"mode": "troc"}, "mode", "inconnu"),
        ({"invoice_number": "F-NONE"}, "invoice_number", "pas de facture"),
        ({"date": datetime.date(2999, 1, 1)}, "date", "futur"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(dossier, invoices, owner, kwargs, field, message):
    values = {"date": timezone.localdate(), "amount": D("10"), "mode": "virement"} | kwargs
    with pytest.raises(ValidationError) as info:
        payment_record(dossier=dossier, user=owner, **values)
    assert message in " ".join(info.value.message_dict[field])
    assert not Payment.objects.exists()
    assert balances(dossier)["F-OLD"] == D("100.00")


def test_a_reference_is_recorded_once(dossier, invoices, owner):
    today = timezone.localdate()
    payment_record(dossier=dossier, date=today, amount=D("10"), mode="virement", reference="VIR-1")
    with pytest.raises(ValidationError) as info:
        payment_record(
            dossier=dossier, date=today, amount=D("10"), mode="virement", reference="VIR-1"
        )
    assert "existe déjà" in str(info.value)
    assert Payment.objects.count() == 1


def test_database_refuses_what_the_rules_forbid(dossier, invoices):
    today = timezone.localdate()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(dossier=dossier, date=today, amount=D("0"), mode="virement")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            dossier=dossier, date=today, amount=D("10"), mode="virement", unallocated=D("11")
        )
    payment = Payment.objects.create(dossier=dossier, date=today, amount=D("10"), mode="virement")
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(payment=payment, receivable=invoices[0], amount=D("0"))
    Payment.objects.create(dossier=dossier, date=today, amount=D("1"), mode="cheque", reference="R")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            dossier=dossier, date=today, amount=D("1"), mode="cheque", reference="R"
        )


def test_receipt_is_a_pdf_kept_as_a_piece(dossier, invoices, owner):
    payment = payment_record(
        dossier=dossier,
        date=timezone.localdate(),
        amount=D("120.00"),
        mode="virement",
        reference="VIR-42",
        user=owner,
    )
    piece = payment_receipt(payment=payment, user=owner)
    assert piece.origin == Piece.Origin.RECEIPT
    assert piece.content_type == "application/pdf"
    assert piece.original_name == "quittance-VIR-42.pdf"
    with piece.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert JournalEntry.objects.filter(dossier=dossier, action="piece_added").exists()
