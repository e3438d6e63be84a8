"""The access export: complete for the person, silent about everyone else."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Communication
from dossiers.models import JournalEntry
from pieces.models import Piece
from rgpd.export import builder
from rgpd.models import ConsultationTrace
from rgpd.services import personal_data_export
from tests import factories

from .conftest import THIRD_PARTY_MARKS, open_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(person_file, manager):
    return open_export(personal_data_export(contact=person_file.person, user=manager).content)


def test_identity_and_observation_are_the_current_ones(opened, person_file):
    [identity] = opened.document["sections"]["identity"]
    assert identity == {
        "dossier": "RG-0001",
        "civility": "Mme",
        "first_name": "Jeanne",
        "last_name": "Martin",
        "function": "",
        "observation": "Joignable le matin, sauf le mercredi.",
        "external_key": "",
        "created_at": identity["created_at"],
        "origin": "saisi par Agnès Martin",
    }


def test_every_means_with_its_qualification_and_evidence(opened, person_file):
    means = {m["value"]: m for m in opened.document["sections"]["means"]}
    assert set(means) == {
        "06 11 22 33 44",
        "jeanne.martin@example.fr",
        "3 place du Marché, 69001 LYON",
    }
    phone = means["06 11 22 33 44"]
    assert (phone["status"], phone["is_default"], phone["phone_type"]) == ("Validé", True, "mobile")
    [evidence] = phone["evidence"]
    assert evidence["kind"] == "appel abouti"
    assert evidence["recorded_by"] == "Agnès Martin"
    assert evidence["comment"] == "Rappel le 15."
    assert [h["action"] for h in phone["history"]][0] == "Moyen de contact ajouté"
    assert means["3 place du Marché, 69001 LYON"]["evidence"][0]["kind"] == "validation manuelle"
    assert means["jeanne.martin@example.fr"]["status"] == "À qualifier"


def test_files_and_receivables(opened):
    [dossier] = opened.document["sections"]["files"]
    assert dossier["reference"] == "RG-0001"
    assert dossier["outstanding"] == "200.00"
    assert [(r["number"], r["amount"], r["balance"]) for r in dossier["receivables"]] == [
        ("F-2026-001", "500.00", "200.00")
    ]


def test_communications_with_their_copies(opened, person_file):
    comms = opened.document["sections"]["communications"]
    expected = Communication.objects.filter(point__contact=person_file.person)
    assert len(comms) == expected.count() == 3  # a call, a letter, an e-mail
    assert {c["channel"] for c in comms} == {"appel", "courrier", "e-mail"}
    copies = [c["copy"] for c in comms if c["copy"]]
    assert len(copies) == 2
    assert sorted(n for n in opened.names if n.startswith("pieces/")) == sorted(copies)
    # The copies are the pieces' very bytes.
    for comm in expected.exclude(piece=None).select_related("piece"):
        with comm.piece.file.open("rb") as stream:
            assert stream.read() in opened.members.values()
    # The third party's letter is a piece of the file, but not theirs to read here.
    assert Piece.objects.filter(dossier=person_file.dossier).count() == 3


def test_journal_holds_the_person_and_the_file_not_the_third_party(opened, person_file):
    journal = opened.document["sections"]["journal"]
    actions = [e["action"] for e in journal]
    assert "Contact ajouté" in actions and "Note" in actions
    # Their rectification keeps what the observation was.
    [rectified] = [e for e in journal if e["action"] == "Contact modifié"]
    assert "Avant : observation « Joignable le matin. »" in rectified["message"]
    assert rectified["by"] == "Claire Dubois"
    # The third party's contact, means, calls, letter and SMS entries are not there.
    all_entries = JournalEntry.objects.filter(dossier=person_file.dossier).count()
    assert len(journal) < all_entries
    assert not any(e["action"] == "SMS" for e in journal)


def test_notes_are_there_with_third_parties_blotted_out(opened):
    texts = [n["text"] for n in opened.document["sections"]["notes"]]
    assert "Échange avec [tiers] : rappel prévu." in texts
    assert "Accord de principe sur 100 € par mois." in texts


def test_nothing_about_the_third_party_anywhere_in_the_zip(opened, person_file):
    assert "Jeanne" in opened.pdf_text and "Martin" in opened.pdf_text
    assert "06 11 22 33 44" in opened.pdf_text
    for name, content in opened.members.items():
        text = content.decode("utf-8", "replace")
        if name.endswith(".pdf"):
            from .conftest import pdf_text

            text = pdf_text(content)
        for mark in THIRD_PARTY_MARKS:
            assert mark.lower() not in text.lower(), f"{mark!r} found in {name}"


def test_the_pdf_is_french_and_dated(opened):
    assert "Vos données personnelles" in opened.pdf_text
    assert "article 15 du RGPD" in opened.pdf_text
    assert "Pourquoi ces données sont traitées" in opened.pdf_text
    assert "Montant : 500,00 € · Reste dû : 200,00 €" in opened.pdf_text
    assert opened.document["generated_by"] == "Claire Dubois"


def test_the_same_person_in_another_file_is_exported_too(person_file, manager):
    second = factories.DossierFactory(reference="RG-0002")
    again = factories.ContactFactory(dossier=second, first_name="Jeanne", last_name="Martin")
    factories.ContactPointFactory(
        contact=again, kind="email", email="jeanne.martin@example.fr", value_key=""
    )
    again.points.update(value_key="jeanne.martin@example.fr")
    # A namesake with none of her means is someone else.
    namesake_file = factories.DossierFactory(reference="RG-0003")
    factories.ContactFactory(dossier=namesake_file, first_name="Jeanne", last_name="Martin")
    export = personal_data_export(contact=person_file.person, user=manager)
    document = open_export(export.content).document
    references = [f["reference"] for f in document["sections"]["files"]]
    assert references == ["RG-0001", "RG-0002"]


def test_the_export_is_journaled_on_each_file(person_file, manager):
    personal_data_export(contact=person_file.person, user=manager)
    entry = JournalEntry.objects.filter(
        dossier=person_file.dossier, action=JournalEntry.Action.PERSONAL_DATA_EXPORTED
    ).get()
    assert entry.actor == manager
    assert entry.data == {"contact": person_file.person.pk}
    assert "Claire Dubois" in entry.message


def test_sections_are_a_list_one_can_extend(person_file, manager, monkeypatch):
    def payments(ctx):
        return builder.ExportSection("payments", "Paiements", [{"amount": "10.00"}])

    monkeypatch.setattr(builder, "SECTIONS", [*builder.SECTIONS, payments])
    opened = open_export(personal_data_export(contact=person_file.person, user=manager).content)
    assert opened.document["sections"]["payments"] == [{"amount": "10.00"}]
    assert "Montant : 10,00 €" in opened.pdf_text


def test_command_writes_the_zip_journals_and_traces(person_file, tmp_path, capsys):
    output = tmp_path / "export.zip"
    call_command("rgpd_export", "--contact", str(person_file.person.pk), "--output", str(output))
    opened = open_export(output.read_bytes())
    assert opened.document["sections"]["identity"][0]["last_name"] == "Martin"
    assert "écrites dans" in capsys.readouterr().out
    trace = ConsultationTrace.objects.get()
    assert trace.channel == ConsultationTrace.Channel.COMMAND
    assert (trace.contact_id, trace.dossier_id) == (person_file.person.pk, person_file.dossier.pk)
    assert JournalEntry.objects.filter(
        action=JournalEntry.Action.PERSONAL_DATA_EXPORTED, actor=None
    ).exists()


def test_command_refuses_an_unknown_contact_or_folder(tmp_path):
    with pytest.raises(CommandError, match="Aucun contact n° 999"):
        call_command("rgpd_export", "--contact", "999", "--output", str(tmp_path / "x.zip"))
    contact = factories.ContactFactory()
    with pytest.raises(CommandError, match="n'existe pas"):
        call_command(
            "rgpd_export", "--contact", str(contact.pk), "--output", str(tmp_path / "no/x.zip")
        )
    assert not JournalEntry.objects.filter(action="personal_data_exported").exists()


def test_an_address_shared_with_a_third_party_is_still_the_persons(person_file, manager):
    from contacts import services as contact_services

    contact_services.contact_point_create(
        contact=person_file.other,
        user=manager,
        kind="postal",
        address_line1="3 place du Marché",
        postcode="69001",
        city="LYON",
    )
    opened = open_export(personal_data_export(contact=person_file.person, user=manager).content)
    [postal] = [m for m in opened.document["sections"]["means"] if m["kind"] == "courrier"]
    assert "3 place du Marché" in postal["history"][0]["message"]
    assert "Octave" not in json.dumps(opened.document, ensure_ascii=False)


def test_payments_and_promises_of_the_persons_files(person_file, manager, owner):
    import datetime
    from decimal import Decimal

    from paiements.services import payment_record, promise_create

    today = datetime.date.today()
    dossier = person_file.person.dossier
    payment_record(
        dossier=dossier, date=today, amount=Decimal("50.00"), mode="virement", user=owner
    )
    promise_create(
        dossier=dossier,
        plan=[(today + datetime.timedelta(days=15), Decimal("150.00"))],
        today=today,
        user=owner,
    )
    document = open_export(
        personal_data_export(contact=person_file.person, user=manager).content
    ).document
    [payment] = document["sections"]["payments"]
    assert (payment["amount"], payment["allocated_to"]) == (
        "50.00",
        [{"invoice": "F-2026-001", "amount": "50.00"}],
    )
    [promise] = document["sections"]["promises"]
    assert [i["amount"] for i in promise["instalments"]] == ["150.00"]
