"""The invariants live in the database: these run on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contacts.models import ContactPoint
from dossiers.models import Dossier, Receivable
from dossiers.templatetags.recouvrement import format_euros
from dossiers.validators import validate_siren
from tests import factories

pytestmark = pytest.mark.django_db


def rejected(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_a_second_default_of_a_kind_in_a_file_is_rejected_across_contacts():
    dossier = factories.DossierFactory()
    first = factories.ContactPointFactory(
        contact=factories.ContactFactory(dossier=dossier), status="valid", is_default=True
    )
    other_contact = factories.ContactFactory(dossier=dossier)
    rejected(
        lambda: factories.ContactPointFactory(
            contact=other_contact, status="valid", is_default=True
        )
    )
    # Another kind in the same file, or the same kind in another file, is fine.
    factories.ContactPointFactory(
        contact=other_contact, kind="email", status="valid", is_default=True
    )
    factories.ContactPointFactory(status="valid", is_default=True)
    assert (
        ContactPoint.objects.filter(dossier=dossier, kind="phone", is_default=True).get() == first
    )


@pytest.mark.parametrize("status", ["pending", "invalid"])
def test_a_default_that_is_not_validated_is_rejected(status):
    rejected(lambda: factories.ContactPointFactory(status=status, is_default=True))


def test_a_default_cannot_be_invalidated_by_a_bare_update():
    point = factories.ContactPointFactory(status="valid", is_default=True)
    rejected(lambda: ContactPoint.objects.filter(pk=point.pk).update(status="invalid"))


def test_a_means_must_carry_the_value_of_its_kind():
    rejected(lambda: factories.ContactPointFactory(kind="email", email="", value_key="x"))


def test_file_reference_is_unique():
    factories.DossierFactory(reference="ACC-1")
    rejected(lambda: factories.DossierFactory(reference="ACC-1"))


def test_receivable_number_is_unique_within_a_file_only():
    dossier = factories.DossierFactory()
    factories.ReceivableFactory(dossier=dossier, number="F1")
    rejected(lambda: factories.ReceivableFactory(dossier=dossier, number="F1"))
    factories.ReceivableFactory(number="F1")


@pytest.mark.parametrize(
    "amount,balance",
    [(Decimal("-1"), Decimal("0")), (Decimal("10"), Decimal("11")), (Decimal("10"), Decimal("-1"))],
)
def test_receivable_amounts_are_consistent(amount, balance):
    rejected(lambda: factories.ReceivableFactory(amount=amount, balance=balance))


def test_receivable_due_date_not_before_issue_date():
    rejected(
        lambda: factories.ReceivableFactory(
            issue_date=datetime.date(2026, 11, 1), due_date=datetime.date(2026, 10, 1)
        )
    )


def test_money_is_decimal_to_the_cent():
    receivable = factories.ReceivableFactory(
        amount=Decimal("0.10") + Decimal("0.20"), balance=Decimal("0.30")
    )
    receivable.refresh_from_db()
    assert receivable.amount == Decimal("0.30")
    assert isinstance(receivable.amount, Decimal)


def test_siren_in_database_is_nine_digits_and_only_for_companies():
    rejected(lambda: factories.DossierFactory(siren="12345"))
    rejected(lambda: factories.DossierFactory(kind=Dossier.Kind.INDIVIDUAL, siren="732829320"))


@pytest.mark.parametrize("value", ["732829320", "732 829 320", "552100554", ""])
def test_valid_sirens(value):
    validate_siren(value)


@pytest.mark.parametrize(
    "value,message",
    [("732829321", "clé de contrôle"), ("12345678", "9 chiffres"), ("ABCDEFGHI", "9 chiffres")],
)
def test_invalid_sirens_say_why(value, message):
    with pytest.raises(ValidationError) as error:
        validate_siren(value)
    assert message in error.value.messages[0]


@pytest.mark.parametrize(
    "value,shown",
    [
        (Decimal("1234.56"), "1\u00a0234,56\u00a0€"),
        (Decimal("0"), "0,00\u00a0€"),
        (Decimal("1234567.5"), "1\u00a0234\u00a0567,50\u00a0€"),
        (Decimal("-42.1"), "-42,10\u00a0€"),
    ],
)
def test_euros_the_french_way(value, shown):
    assert format_euros(value) == shown


def test_refresh_totals_counts_only_what_is_still_due():
    dossier = factories.DossierFactory()
    factories.ReceivableFactory(
        dossier=dossier,
        amount=Decimal("100"),
        balance=Decimal("0"),
        issue_date=datetime.date(2026, 1, 1),
        due_date=datetime.date(2026, 2, 1),
    )
    factories.ReceivableFactory(
        dossier=dossier,
        amount=Decimal("300"),
        balance=Decimal("250.50"),
        issue_date=datetime.date(2026, 3, 1),
        due_date=datetime.date(2026, 4, 1),
    )
    empty = factories.DossierFactory()
    from dossiers.services import dossier_refresh_totals

    dossier_refresh_totals()
    dossier.refresh_from_db()
    empty.refresh_from_db()
    assert dossier.outstanding == Decimal("250.50")
    assert dossier.oldest_due_date == datetime.date(2026, 4, 1)
    assert empty.outstanding == Decimal("0") and empty.oldest_due_date is None
    assert Receivable.objects.count() == 2
