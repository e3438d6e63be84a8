"""A file with two people: the one who asks for their data, and a third party."""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal

import pytest

from contacts import services as contact_services
from contacts.messaging import services as messaging
from contacts.models import Contact, ContactPoint, MessageTemplate
from dossiers.models import Dossier
from dossiers.services import note_create
from tests import factories
from tests.security.conftest import file_objects, route_kwargs  # noqa: F401 - the URL walk's

# Everything that identifies the third party, in any form it could leak.
THIRD_PARTY_MARKS = [
    "Octave",
    "Lefebvre",
    "Lefevre",  # their name before a rectification
    "06 99 88 77 66",
    "+33699887766",
    "octave.l@example.org",
    "12 rue des Tiers",
]


@pytest.fixture(autouse=True)
def _sms_to_tmp(settings, tmp_path):
    settings.SMS_FILE_DIR = tmp_path / "sms"


@dataclass
class PersonFile:
    dossier: Dossier
    person: Contact
    other: Contact
    phone: ContactPoint
    email: ContactPoint
    postal: ContactPoint


def _point(contact: Contact, kind: str) -> ContactPoint:
    return contact.points.get(kind=kind)


@pytest.fixture
def person_file(owner, manager) -> PersonFile:
    dossier = factories.DossierFactory(
        reference="RG-0001", name="Jeanne Martin", kind=Dossier.Kind.INDIVIDUAL, assigned_to=owner
    )
    factories.ReceivableFactory(
        dossier=dossier, number="F-2026-001", amount=Decimal("500.00"), balance=Decimal("200.00")
    )
    person = contact_services.contact_create(
        dossier=dossier,
        user=owner,
        civility="Mme",
        first_name="Jeanne",
        last_name="Martin",
        observation="Joignable le matin.",
        points=[
            ("phone", {"phone": "06 11 22 33 44"}),
            ("email", {"email": "jeanne.martin@example.fr"}),
            ("postal", {"address_line1": "3 place du Marché", "postcode": "69001", "city": "LYON"}),
        ],
    )
    other = contact_services.contact_create(
        dossier=dossier,
        user=owner,
        civility="M.",
        first_name="Octave",
        last_name="Lefevre",
        observation="Conjoint, joignable le soir.",
        points=[
            ("phone", {"phone": "06 99 88 77 66"}),
            ("email", {"email": "octave.l@example.org"}),
            ("postal", {"address_line1": "12 rue des Tiers", "postcode": "69002", "city": "LYON"}),
        ],
    )
    # Rectifications: the person's observation, the third party's name.
    contact_services.contact_update(
        contact=person,
        user=manager,
        civility="Mme",
        first_name="Jeanne",
        last_name="Martin",
        observation="Joignable le matin, sauf le mercredi.",
    )
    contact_services.contact_update(
        contact=other,
        user=owner,
        civility="M.",
        first_name="Octave",
        last_name="Lefebvre",
        observation="Conjoint, joignable le soir.",
    )
    person.refresh_from_db()
    other.refresh_from_db()
    phone, email, postal = (_point(person, k) for k in ("phone", "email", "postal"))
    other_phone, other_postal = _point(other, "phone"), _point(other, "postal")

    messaging.call_report_record(point=phone, outcome="abouti", comment="Rappel le 15.", user=owner)
    messaging.call_report_record(point=other_phone, outcome="abouti", user=owner)
    # The star moves to the third party's phone: an entry about both stays out.
    contact_services.contact_point_set_default(point=other_phone, user=owner)
    contact_services.contact_point_set_default(point=phone, user=owner)
    contact_services.contact_point_validate(point=postal, user=owner)
    contact_services.contact_point_validate(point=other_postal, user=owner)
    letter = MessageTemplate.objects.get(channel="letter", name="Relance amiable")
    messaging.letter_send(dossier=dossier, point=postal, template=letter, user=owner)
    messaging.letter_send(dossier=dossier, point=other_postal, template=letter, user=owner)
    messaging.email_send(
        dossier=dossier,
        point=email,
        subject="Votre dossier RG-0001",
        body="Bonjour Madame Martin, merci de nous rappeler.",
        user=owner,
    )
    messaging.sms_send(dossier=dossier, point=other_phone, text="Merci de rappeler.", user=owner)
    note_create(dossier=dossier, text="Échange avec Octave Lefebvre : rappel prévu.", user=owner)
    note_create(dossier=dossier, text="Accord de principe sur 100 € par mois.", user=owner)
    return PersonFile(dossier, person, other, phone, email, postal)


@dataclass
class OpenedExport:
    names: list[str]
    document: dict
    pdf_text: str
    members: dict[str, bytes]


def pdf_text(content: bytes) -> str:
    """The text drawn by an fpdf2 PDF: its content streams, inflated."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, flags=re.DOTALL):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            chunks.append(stream)
    return b"\n".join(chunks).decode("windows-1252", "replace")


def open_export(content: bytes) -> OpenedExport:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return OpenedExport(
        names=sorted(members),
        document=json.loads(members["donnees-personnelles.json"]),
        pdf_text=pdf_text(members["donnees-personnelles.pdf"]),
        members=members,
    )
