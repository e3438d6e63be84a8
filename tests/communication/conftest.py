"""A file with one contact and a means of each kind, and SMS written under tmp_path."""

from __future__ import annotations

import json

import pytest

from contacts.models import MessageTemplate
from dossiers.services import dossier_refresh_totals
from tests import factories


@pytest.fixture(autouse=True)
def _sms_to_tmp(settings, tmp_path):
    settings.SMS_BACKEND = "contacts.messaging.sms_backends.FileSmsBackend"
    settings.SMS_FILE_DIR = tmp_path / "sms"


@pytest.fixture
def sms_outbox(settings):
    def read():
        path = settings.SMS_FILE_DIR / "outbox.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    return read


@pytest.fixture
def debtor(dossier):
    factories.ReceivableFactory(dossier=dossier, number="F2026-001")
    dossier_refresh_totals(dossier_ids=[dossier.pk])
    dossier.refresh_from_db()
    return factories.ContactFactory(
        dossier=dossier, civility="Mme", first_name="Agnès", last_name="Perrin"
    )


@pytest.fixture
def mobile(debtor):
    return factories.ContactPointFactory(
        contact=debtor,
        kind="phone",
        phone="+33612345678",
        phone_type="mobile",
        status="valid",
        is_default=True,
    )


@pytest.fixture
def landline(debtor):
    return factories.ContactPointFactory(
        contact=debtor, kind="phone", phone="+33142685300", phone_type="fixe"
    )


@pytest.fixture
def email_point(debtor):
    return factories.ContactPointFactory(
        contact=debtor,
        kind="email",
        email="agnes.perrin@example.fr",
        status="valid",
        is_default=True,
    )


@pytest.fixture
def postal(debtor):
    return factories.ContactPointFactory(
        contact=debtor,
        kind="postal",
        address_line1="12 rue de l'Échiquier",
        address_line2="Bâtiment B",
        postcode="75010",
        city="PARIS",
        status="valid",
        is_default=True,
    )


@pytest.fixture
def letter_template(db):
    return MessageTemplate.objects.get(channel="letter", name="Relance amiable")


@pytest.fixture
def sms_template(db):
    return MessageTemplate.objects.get(channel="sms", name="SMS de relance")


@pytest.fixture
def email_template(db):
    return MessageTemplate.objects.get(channel="email", name="E-mail de relance")
