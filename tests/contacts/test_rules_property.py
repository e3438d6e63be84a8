"""One rule, two paths: a sequence of qualification events applied through the
services (as agents and the admin do) and through the import commands (as other
systems do) ends in the same states, the same defaults and the same file status,
and the invariant of SPEC §2 holds after every step on both paths.

Each example builds two identical files (several means of each kind, on two
contacts): file A takes the steps through ``contacts.services``, file B through
``import_evenements`` and ``import_contacts``, one command run per step. The clock is set to each step's moment, so that both
paths give the same dates (validated, qualified), compared too.
"""

from __future__ import annotations

import contextlib
import datetime
import io
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contacts import services
from contacts.models import ContactPoint, Evidence
from dossiers.models import Dossier
from tests import factories
from tests.imports.conftest import write_csv

pytestmark = pytest.mark.django_db(transaction=False)

EK = Evidence.Kind
# Two contacts; each kind of means twice (once per contact), plus a third phone.
MEANS = [
    ("c1", "phone", "+33612345601"),
    ("c2", "phone", "+33612345602"),
    ("c2", "phone", "+3225551212"),
    ("c1", "email", "agnes@example.fr"),
    ("c2", "email", "basile@example.fr"),
    ("c1", "postal", "12 rue de la Paix"),
    ("c2", "postal", "3 avenue Jean Jaurès"),
]
EVENTS = {
    "phone": [EK.CALL_COMPLETED, EK.CALL_INCOMING, EK.WRONG_NUMBER],
    "email": [EK.EMAIL_REPLY, EK.BOUNCE],
    "postal": [EK.RECEIPT_ACK, EK.LETTER_INCOMING, EK.NPAI],
}
NEGATIVE = {"phone": EK.WRONG_NUMBER, "email": EK.BOUNCE, "postal": EK.NPAI}
MANUAL = ["valide", "invalide", "a_qualifier", "defaut"]
SERVICE_OF = {
    "valide": services.contact_point_validate,
    "invalide": services.contact_point_invalidate,
    "a_qualifier": services.contact_point_cancel_validation,
    "defaut": services.contact_point_set_default,
}
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@st.composite
def steps(draw):
    """(means index, what happens): an event of its kind, or an agent's action."""
    index = draw(st.integers(0, len(MEANS) - 1))
    kind = MEANS[index][1]
    return index, draw(st.sampled_from([*EVENTS[kind], *MANUAL]))


def make_file(reference: str, owner) -> tuple[Dossier, list[ContactPoint]]:
    dossier = factories.DossierFactory(reference=reference, assigned_to=owner)
    contacts = {
        key: factories.ContactFactory(dossier=dossier, external_key=key, last_name=key.upper())
        for key in ("c1", "c2")
    }
    points = []
    for key, kind, value in MEANS:
        values = {"postal": {"address_line1": value, "postcode": "75002", "city": "PARIS"}}.get(
            kind, {kind: value}
        )
        points.append(
            services.contact_point_create(contact=contacts[key], user=owner, kind=kind, **values)
        )
    return dossier, points


def run(command: str, path: Path) -> None:
    # A refusal (a star on a means that is not validated) writes nothing.
    with contextlib.suppress(CommandError):
        call_command(
            command, str(path), "--no-progress", stdout=io.StringIO(), stderr=io.StringIO()
        )


def through_import(tmp: Path, dossier: Dossier, index: int, what: str, moment) -> None:
    key, kind, value = MEANS[index]
    if what in MANUAL:
        header = ["reference_dossier", "contact", "canal", "telephone", "email"]
        header += ["adresse1", "code_postal", "ville", "statut", "par_defaut"]
        canal = {"phone": "telephone", "email": "email", "postal": "courrier"}[kind]
        cells = {"phone": [value, "", "", "", ""], "email": ["", value, "", "", ""]}.get(
            kind, ["", "", value, "75002", "PARIS"]
        )
        status, default = ("", "oui") if what == "defaut" else (what, "")
        row = [dossier.reference, key, canal, *cells, status, default]
        run("import_contacts", write_csv(tmp / "contacts.csv", [header, row]))
    else:
        shown = f"{value} 75002" if kind == "postal" else value
        row = [moment.isoformat(), what, shown, dossier.reference]
        header = ["date", "type", "valeur", "reference_dossier"]
        run("import_evenements", write_csv(tmp / "events.csv", [header, row]))


def through_services(point: ContactPoint, what: str, owner, moment) -> None:
    point = ContactPoint.objects.select_related("contact").get(pk=point.pk)
    try:
        if what in MANUAL:
            SERVICE_OF[what](point=point, user=owner)
        else:
            services.evidence_record(
                point=point, kind=what, occurred_at=moment, source=Evidence.Source.IMPORT
            )
    except services.QualificationError:
        pass  # refused (already in that state, a star on a means not validated)


def state(dossier: Dossier) -> tuple:
    points = ContactPoint.objects.filter(dossier=dossier).order_by("contact__external_key", "id")
    dossier.refresh_from_db()
    return dossier.status, [
        (p.kind, p.value_key, p.status, p.is_default, p.validated_at, p.status_changed_at)
        for p in points
    ]


def assert_invariant(dossier: Dossier) -> None:
    """SPEC §2: per kind, exactly one default wherever a validated means exists,
    none elsewhere, and the default is validated."""
    per_kind = ContactPoint.objects.filter(dossier=dossier).values("kind")
    per_kind = per_kind.annotate(
        valid=Count("pk", filter=Q(status="valid")),
        defaults=Count("pk", filter=Q(is_default=True)),
        bad=Count("pk", filter=Q(is_default=True) & ~Q(status="valid")),
    )
    for row in per_kind:
        assert row["defaults"] == (1 if row["valid"] else 0), (dossier.reference, row)
        assert row["bad"] == 0, (dossier.reference, row)


_files = iter(range(1, 1_000_000))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps(), min_size=1, max_size=16))
# Every means lost (« vérification coordonnées »), then one found again (« en cours »).
@example(
    sequence=[
        (0, EK.CALL_COMPLETED),
        (1, "valide"),
        (1, "defaut"),
        *[(i, NEGATIVE[MEANS[i][1]]) for i in range(len(MEANS))],
        (4, EK.EMAIL_REPLY),
        (2, "a_qualifier"),
    ]
)
def test_services_and_imports_decide_the_same(sequence, owner, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("steps")
    number = next(_files)
    by_services, points = make_file(f"SVC-{number}", owner)
    by_import, _points = make_file(f"IMP-{number}", owner)
    assert state(by_services)[1] == state(by_import)[1]
    for step, (index, what) in enumerate(sequence):
        # Each step happens at its own moment, on both paths: the event's date and
        # the clock of the agent's action (or of the import run) alike.
        moment = START + datetime.timedelta(hours=step)
        with time_machine.travel(moment, tick=False):
            through_services(points[index], what, owner, moment)
            through_import(tmp, by_import, index, what, moment)
        assert_invariant(by_services)
        assert_invariant(by_import)
        assert state(by_services) == state(by_import), (step, index, what)
