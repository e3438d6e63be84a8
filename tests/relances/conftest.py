"""Fixtures of the reminder tests: a file due on a known day with its three default means."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from contacts.models import ContactPoint
from tests import factories

PARIS = ZoneInfo("Europe/Paris")


def at(day: datetime.date, hour: int = 10, minute: int = 30) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _relances_settings(settings):
    settings.RELANCES_AUTO_SEND = True
    # The sends run when enqueued; the worker-process tests use the real backends.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def default_point(dossier, kind: str, **values) -> ContactPoint:
    contact = values.pop("contact", None) or factories.ContactFactory(dossier=dossier)
    return factories.ContactPointFactory(
        contact=contact, kind=kind, status=ContactPoint.Status.VALID, is_default=True, **values
    )


def due_dossier(
    owner, *, due: datetime.date, amount="1200.00", means=("email", "phone", "postal"), **kwargs
):
    """A file « en cours » with one unpaid invoice due on ``due`` and default means."""
    dossier = factories.DossierFactory(assigned_to=owner, **kwargs)
    factories.ReceivableFactory(
        dossier=dossier,
        issue_date=due - datetime.timedelta(days=30),
        due_date=due,
        amount=Decimal(amount),
        balance=Decimal(amount),
    )
    contact = factories.ContactFactory(dossier=dossier, last_name="Durand", first_name="Marie")
    for kind in means:
        default_point(dossier, kind, contact=contact)
    dossier.refresh_from_db()
    return dossier
