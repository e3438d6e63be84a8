"""Demonstration contacts for the files of a demo batch (``dossiers.demo``): one to
three people per file with a phone, an e-mail and a postal address (sometimes a
second phone), some validated or invalidated by evidence, as agents and imports
would have left them. The star follows the default rule (``rules.defaults_to_give``)
and the journal tells the same story as the evidence, in the services' words.
"""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, Subquery

from dossiers.demo import (
    CITIES,
    FIRST_NAMES,
    FUNCTIONS,
    LAST_NAMES,
    OBSERVATIONS,
    STREET_KINDS,
    STREET_NAMES,
    DemoBatch,
)
from dossiers.models import Dossier, JournalEntry
from dossiers.services import journal_entry_build

from . import rules
from .models import Contact, ContactPoint, Evidence
from .normalize import postal_value_key

Status = ContactPoint.Status
EK = Evidence.Kind
POSITIVE = {
    "phone": [EK.CALL_COMPLETED, EK.CALL_INCOMING],
    "postal": [EK.RECEIPT_ACK, EK.LETTER_INCOMING],
    "email": [EK.EMAIL_REPLY],
}
NEGATIVE = {"phone": EK.WRONG_NUMBER, "postal": EK.NPAI, "email": EK.BOUNCE}
ACTION_BY_STATUS = {
    Status.VALID: JournalEntry.Action.POINT_VALIDATED,
    Status.INVALID: JournalEntry.Action.POINT_INVALIDATED,
}


def seed_contacts(batch: DemoBatch) -> None:
    contacts = Contact.objects.bulk_create(_contacts(batch), batch_size=2000)
    points = _points(batch, contacts)
    for point in rules.defaults_to_give(p for p in points if p.status == Status.VALID):
        point.is_default = True
    points = ContactPoint.objects.bulk_create(points, batch_size=2000)
    _evidence(batch, points, {c.pk: c for c in contacts})


def _contacts(batch: DemoBatch) -> list[Contact]:
    rng = batch.rng
    contacts = []
    for index, dossier in enumerate(batch.dossiers):
        for p in range(rng.randint(1, 3)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            civility = rng.choice(["M.", "Mme"])
            if index == 0 and batch.offset == 0:
                civility, first, last = (
                    ("Mme", "Agnès", "Perrin"),
                    ("M.", "Basile", "Roux"),
                    ("M.", "Hugo", "Faure"),
                )[p]
            contacts.append(
                Contact(
                    dossier=dossier,
                    external_key=f"C{p + 1}",
                    civility=civility,
                    first_name=first,
                    last_name=last,
                    function=rng.choice(FUNCTIONS) if dossier.kind == Dossier.Kind.COMPANY else "",
                    observation=rng.choice(OBSERVATIONS),
                    created_at=dossier.created_at,
                )
            )
    return contacts


class _Phones:
    """Distinct French numbers, mobile or landline."""

    def __init__(self, rng) -> None:
        self.rng, self.used = rng, set()

    def __call__(self, mobile: bool) -> str:
        while True:
            digits = ["6", "7"] if mobile else ["1", "2", "3", "4", "5", "9"]
            rest = "".join(str(self.rng.randint(0, 9)) for _ in range(8))
            e164 = f"+33{self.rng.choice(digits)}{rest}"
            if e164 not in self.used:
                self.used.add(e164)
                return e164


def _points(batch: DemoBatch, contacts: list[Contact]) -> list[ContactPoint]:
    rng = batch.rng
    phone = batch.state.setdefault("phones", _Phones(rng))
    points: list[ContactPoint] = []
    for contact in contacts:
        kinds = ["phone", "email", "postal"]
        if rng.random() < 0.5:
            kinds.append("phone")
        for kind in kinds:
            status = rng.choices(["pending", "valid", "invalid"], weights=[30, 55, 15])[0]
            point = ContactPoint(
                contact=contact,
                dossier_id=contact.dossier_id,
                kind=kind,
                created_at=contact.created_at,
            )
            if kind == "phone":
                mobile = rng.random() < 0.6
                point.phone = point.value_key = phone(mobile)
                point.phone_type = "mobile" if mobile else "fixe"
            elif kind == "email":
                domain = rng.choice(["example.fr", "exemple.com", "courriel.fr"])
                local = f"{contact.first_name}.{contact.last_name}".lower()
                local = local.translate(str.maketrans("àâäçéèêëîïôöùûüœ' ", "aaaceeeeiioouuuo--"))
                point.email = point.value_key = f"{local}{contact.pk}@{domain}"
            else:
                postcode, city = rng.choice(CITIES)
                number = rng.randint(1, 180)
                point.address_line1 = (
                    f"{number} {rng.choice(STREET_KINDS)} {rng.choice(STREET_NAMES)}"[:38]
                )
                if rng.random() < 0.3:
                    point.address_line2 = f"Bâtiment {rng.choice('ABCD')}"
                point.postcode, point.city = postcode, city.upper()
                point.value_key = postal_value_key(
                    point.address_line1, point.address_line2, "", postcode
                )
            moment = batch.now - datetime.timedelta(days=rng.randint(1, 60))
            rules.qualification_apply(point, status, occurred_at=moment, now=moment)
            points.append(point)
    return points


def _evidence(batch: DemoBatch, points: list[ContactPoint], contacts: dict) -> None:
    rng, agents = batch.rng, batch.users.agents
    evidences, with_evidence = [], []
    for point in points:
        if point.status == Status.PENDING:
            continue
        valid = point.status == Status.VALID
        kind = rng.choice(POSITIVE[point.kind]) if valid else NEGATIVE[point.kind]
        from_import = rng.random() < 0.4
        detail = ""
        if from_import:
            detail = "import téléphonie" if point.kind == "phone" else "retours courrier"
        evidences.append(
            Evidence(
                point=point,
                kind=kind,
                occurred_at=point.status_changed_at,
                source=Evidence.Source.IMPORT if from_import else Evidence.Source.UI,
                source_detail=detail,
                recorded_by=None if from_import else rng.choice(agents),
                created_at=point.status_changed_at,
            )
        )
        with_evidence.append(point)
    Evidence.objects.bulk_create(evidences, batch_size=2000)
    journal = []
    for point, evidence in zip(with_evidence, evidences, strict=True):
        point.contact = contacts[point.contact_id]
        entry = journal_entry_build(
            dossier=point.dossier_id,
            action=ACTION_BY_STATUS[point.status],
            actor=evidence.recorded_by,
            actor_kind=(
                JournalEntry.ActorKind.IMPORT
                if evidence.source == Evidence.Source.IMPORT
                else JournalEntry.ActorKind.USER
            ),
            message=rules.evidence_message(
                point=point, evidence_kind=evidence.kind, status_changed=True
            ),
            data={"point": point.pk, "evidence": evidence.pk},
        )
        entry.created_at = evidence.occurred_at
        journal.append(entry)
    JournalEntry.objects.bulk_create(journal, batch_size=2000)
    # One UPDATE instead of a bulk_update: each means points to its latest evidence.
    latest = Evidence.objects.filter(point=OuterRef("pk")).order_by("-occurred_at", "-id")
    ContactPoint.objects.filter(pk__in=[p.pk for p in with_evidence]).update(
        last_evidence=Subquery(latest.values("pk")[:1])
    )
