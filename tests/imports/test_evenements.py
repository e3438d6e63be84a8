"""import_evenements: evidence in bulk with the rules of the contact block."""

from __future__ import annotations

import pytest
from django.utils import timezone

from contacts.models import ContactPoint, Evidence
from dossiers.models import Dossier, JournalEntry
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["date", "type", "valeur", "reference_dossier"]


@pytest.fixture
def dossier():
    return factories.DossierFactory(reference="D-1")


def phone(dossier, number, **kwargs):
    contact = kwargs.pop("contact", None) or factories.ContactFactory(dossier=dossier)
    return factories.ContactPointFactory(contact=contact, phone=number, value_key=number, **kwargs)


def test_completed_call_validates_and_gives_the_star(csv_file, run_import, dossier):
    point = phone(dossier, "+33612345678")
    path = csv_file([HEADER, ["28/11/2026 10:15", "appel_abouti", "06 12 34 56 78", "D-1"]])
    run = run_import("import_evenements", path)
    assert run.ok, run.err
    point.refresh_from_db()
    assert (point.status, point.is_default) == ("valid", True)
    assert point.last_evidence.kind == "appel_abouti"
    assert point.last_evidence.source == "import"
    entry = JournalEntry.objects.get(dossier=dossier)
    assert entry.actor_kind == "import"
    assert "1 preuve enregistrée, 1 moyen validé" in entry.message
    assert "devient le moyen par défaut (téléphone)" in entry.message


def test_wrong_number_on_the_default_passes_the_star(csv_file, run_import, dossier):
    now = timezone.now()
    default = phone(dossier, "+33612345678", status="valid", is_default=True, validated_at=now)
    other = phone(
        dossier, "+33698765432", status="valid", validated_at=now - timezone.timedelta(days=1)
    )
    path = csv_file([HEADER, ["2026-11-28", "faux_numero", "+33612345678", ""]])
    run = run_import("import_evenements", path)
    assert run.ok, run.err
    default.refresh_from_db()
    other.refresh_from_db()
    assert (default.status, default.is_default) == ("invalid", False)
    assert other.is_default


def test_without_reference_every_matching_means_in_every_file(csv_file, run_import):
    files = [factories.DossierFactory(reference=f"D-{i}") for i in range(3)]
    points = [phone(d, "+33612345678", status="valid", is_default=True) for d in files]
    run = run_import(
        "import_evenements", csv_file([HEADER, ["28/11/2026", "faux_numero", "0612345678", ""]])
    )
    assert run.ok, run.err
    assert "3 modifié(s)" in run.out
    for point in points:
        point.refresh_from_db()
        assert point.status == "invalid"
    # One journal entry per file, and files left without a usable means get checked.
    assert JournalEntry.objects.count() == 3
    assert set(Dossier.objects.values_list("status", flat=True)) == {"verification_coordonnees"}


def test_npai_and_bounce(csv_file, run_import, dossier):
    contact = factories.ContactFactory(dossier=dossier)
    postal = factories.ContactPointFactory(
        contact=contact,
        kind="postal",
        address_line1="12 rue de la Paix",
        postcode="75002",
        value_key="12 RUE DE LA PAIX|||75002",
        status="valid",
        is_default=True,
    )
    email = factories.ContactPointFactory(
        contact=contact, kind="email", email="a@example.fr", value_key="a@example.fr"
    )
    path = csv_file(
        [
            HEADER,
            ["28/11/2026", "npai", "12, rue de la Paix 75002", "D-1"],
            ["28/11/2026", "bounce", "A@Example.fr", ""],
        ]
    )
    run = run_import("import_evenements", path)
    assert run.ok, run.err
    postal.refresh_from_db()
    email.refresh_from_db()
    assert (postal.status, postal.is_default) == ("invalid", False)
    assert email.status == "invalid"


def test_same_events_twice_record_nothing_the_second_time(csv_file, run_import, dossier):
    phone(dossier, "+33612345678")
    path = csv_file([HEADER, ["28/11/2026 10:15", "appel_entrant", "0612345678", "D-1"]])
    assert run_import("import_evenements", path).ok
    run = run_import("import_evenements", path)
    assert run.ok
    assert "0 créé(s), 0 modifié(s), 1 inchangé(s)" in run.out
    assert Evidence.objects.count() == 1
    assert JournalEntry.objects.count() == 1


def test_events_apply_in_the_order_they_happened(csv_file, run_import, dossier):
    point = phone(dossier, "+33612345678")
    path = csv_file(
        [
            HEADER,
            ["29/11/2026", "appel_abouti", "0612345678", "D-1"],
            ["28/11/2026", "faux_numero", "0612345678", "D-1"],
        ]
    )
    assert run_import("import_evenements", path).ok
    point.refresh_from_db()
    assert point.status == "valid"
    assert point.last_evidence.kind == "appel_abouti"


@pytest.mark.parametrize(
    ("bad", "column", "message"),
    [
        (["32/11/2026", "npai", "0612345678", ""], "date", "n'est pas une date"),
        (["28/11/2026", "pigeon", "0612345678", ""], "type", "type d'événement inconnu"),
        (["28/11/2026", "appel_abouti", "0699", ""], "valeur", "numéro de téléphone valide"),
        (["28/11/2026", "bounce", "pas-un-mail", ""], "valeur", "adresse e-mail valide"),
        (["28/11/2026", "appel_abouti", "0611111111", ""], "valeur", "aucun moyen de contact"),
        (["28/11/2026", "npai", "1 rue X 75002", ""], "reference_dossier", "obligatoire"),
        (["28/11/2026", "npai", "rue sans code", "D-1"], "valeur", "code postal"),
        (["28/11/2026", "appel_abouti", "0612345678", "D-404"], "reference_dossier", "inconnu"),
        (["28/11/2026", "appel_entrant", "06 12 34 56 78", "D-1"], "valeur", "en double"),
    ],
)
def test_errors(csv_file, run_import, dossier, bad, column, message):
    point = phone(dossier, "+33612345678")
    path = csv_file([HEADER, ["28/11/2026", "appel_entrant", "0612345678", "D-1"], bad])
    run = run_import("import_evenements", path)
    assert not run.ok
    assert f"ligne 3, colonne « {column} »" in run.err, run.err
    assert message in run.err
    point.refresh_from_db()
    assert point.status == "pending"  # atomic: the good row was rolled back too
    assert not Evidence.objects.exists()


def test_skip_invalid_applies_the_good_rows(csv_file, run_import, dossier):
    point = phone(dossier, "+33612345678")
    path = csv_file(
        [
            HEADER,
            ["28/11/2026", "appel_entrant", "0612345678", "D-1"],
            ["28/11/2026", "appel_entrant", "0600000000", ""],
        ]
    )
    run = run_import("import_evenements", path, "--skip-invalid")
    assert run.ok
    point.refresh_from_db()
    assert point.status == ContactPoint.Status.VALID
    assert "1 ligne(s) rejetée(s)" in run.out


def test_events_of_a_file_not_sorted_by_date_apply_in_date_order_across_batches(
    csv_file, run_import, dossier, monkeypatch
):
    from contacts.importers import EvidenceImporter

    # One row per batch: the newer validation is written before the older bounce.
    monkeypatch.setattr(EvidenceImporter, "batch_size", 1)
    point = phone(dossier, "+33612345678")
    path = csv_file(
        [
            HEADER,
            ["28/11/2026 10:00", "appel_abouti", "06 12 34 56 78", "D-1"],
            ["01/11/2026 10:00", "faux_numero", "06 12 34 56 78", "D-1"],
        ]
    )
    run = run_import("import_evenements", path)
    assert run.ok, run.err
    point.refresh_from_db()
    # In date order: wrong number on 1 November, then a completed call on the 28th.
    assert point.status == "valid"
    assert point.last_evidence.kind == "appel_abouti"
    assert Evidence.objects.filter(point=point).count() == 2
