"""Communication services: effects on the means, pieces, journal, failures."""

from __future__ import annotations

import pytest
from django.core import mail

from contacts.messaging import services
from contacts.messaging.services import CommunicationError
from contacts.models import Communication, ContactPoint
from dossiers.models import Dossier, JournalEntry
from pieces.models import Piece
from tests import factories


def journal(dossier, action):
    return list(JournalEntry.objects.filter(dossier=dossier, action=action))


# --- Calls --------------------------------------------------------------------------


def test_completed_call_validates_number_and_makes_it_default(dossier, owner, landline):
    services.call_report_record(
        point=landline, outcome="abouti", comment="Promesse au 15/12", user=owner
    )
    landline.refresh_from_db()
    assert landline.status == ContactPoint.Status.VALID
    assert landline.is_default  # first validated phone of the file
    assert landline.last_evidence.kind == "appel_abouti"
    [entry] = journal(dossier, JournalEntry.Action.CALL)
    assert entry.actor == owner
    assert entry.data["outcome"] == "abouti"
    assert entry.data["channel"] == "call"
    assert entry.data["point"] == landline.pk
    assert "Promesse au 15/12" in entry.message


def test_wrong_number_invalidates_and_default_moves(dossier, owner, mobile, landline):
    services.call_report_record(point=landline, outcome="abouti", user=owner)
    services.call_report_record(point=mobile, outcome="faux_numero", user=owner)
    mobile.refresh_from_db()
    landline.refresh_from_db()
    assert mobile.status == ContactPoint.Status.INVALID
    assert not mobile.is_default
    assert landline.is_default


def test_wrong_number_on_last_means_moves_file_to_contact_check(dossier, owner, mobile):
    services.call_report_record(point=mobile, outcome="faux_numero", user=owner)
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.CONTACT_CHECK


@pytest.mark.parametrize("outcome", ["non_abouti", "messagerie"])
def test_unanswered_call_changes_nothing_but_is_journaled(dossier, owner, landline, outcome):
    services.call_report_record(point=landline, outcome=outcome, user=owner)
    landline.refresh_from_db()
    assert landline.status == ContactPoint.Status.PENDING
    assert landline.evidences.count() == 0
    [entry] = journal(dossier, JournalEntry.Action.CALL)
    assert entry.data["outcome"] == outcome


def test_incoming_call_validates_with_its_own_evidence(dossier, owner, landline):
    communication = services.call_report_record(
        point=landline, outcome="", incoming=True, user=owner
    )
    landline.refresh_from_db()
    assert communication.direction == "in"
    assert landline.status == ContactPoint.Status.VALID
    assert landline.last_evidence.kind == "appel_entrant"


def test_call_to_invalid_number_refused(dossier, owner, landline):
    landline.status = ContactPoint.Status.INVALID
    landline.save()
    with pytest.raises(CommunicationError):
        services.call_report_record(point=landline, outcome="abouti", user=owner)
    assert Communication.objects.count() == 0


# --- Letters ------------------------------------------------------------------------


def test_letter_generates_pdf_piece_and_journal(dossier, owner, postal, letter_template):
    communication = services.letter_send(
        dossier=dossier, point=postal, template=letter_template, user=owner
    )
    piece = Piece.objects.get(dossier=dossier)
    assert piece.origin == "letter"
    assert piece.content_type == "application/pdf"
    assert piece.original_name.endswith(".pdf")
    with piece.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF")
    assert communication.piece == piece
    [entry] = journal(dossier, JournalEntry.Action.LETTER)
    assert entry.data["template"] == letter_template.pk
    assert entry.data["point"] == postal.pk
    assert entry.data["piece"] == piece.pk
    assert entry.actor == owner


def test_letter_preview_is_what_is_printed(dossier, owner, postal, letter_template):
    letter = services.letter_build(
        dossier=dossier, point=postal, template=letter_template, user=owner
    )
    assert letter.recipient_lines == [
        "Mme Agnès Perrin",
        "12 rue de l'Échiquier",
        "Bâtiment B",
        "75010 PARIS",
    ]
    assert "ACC-1001" in letter.subject
    assert "1\u00a0234,56\u00a0€" in letter.body
    assert "{{" not in letter.body
    assert letter.signature == "Agnès Martin"


def test_letter_to_email_means_refused(dossier, owner, email_point, letter_template):
    with pytest.raises(CommunicationError):
        services.letter_send(
            dossier=dossier, point=email_point, template=letter_template, user=owner
        )
    assert Piece.objects.count() == 0


# --- SMS ----------------------------------------------------------------------------


def test_sms_sent_through_file_backend_and_journaled(
    dossier, owner, mobile, sms_template, sms_outbox
):
    communication = services.sms_send(
        dossier=dossier, point=mobile, text="", template=sms_template, user=owner
    )
    [sms] = sms_outbox()
    assert sms["to"] == "+33612345678"
    assert "ACC-1001" in sms["text"]
    assert "1 234,56 €" in sms["text"]  # French spaces made plain for GSM-7
    assert communication.status == "sent"
    assert communication.delivery_status == "accepted"
    [entry] = journal(dossier, JournalEntry.Action.SMS)
    assert entry.data["outcome"] == "sent"
    assert entry.data["delivery_status"] == "accepted"
    assert entry.data["segments"] == 1
    assert entry.data["template_name"] == "SMS de relance"


def test_sms_only_to_mobiles(dossier, owner, landline, sms_outbox):
    with pytest.raises(CommunicationError, match="mobile"):
        services.sms_send(dossier=dossier, point=landline, text="Bonjour", user=owner)
    assert sms_outbox() == []
    assert Communication.objects.count() == 0


def test_sms_backend_failure_journaled_as_failed(dossier, owner, mobile, settings):
    settings.SMS_FILE_DIR = "/proc/forbidden/sms"
    communication = services.sms_send(dossier=dossier, point=mobile, text="Bonjour", user=owner)
    assert communication.status == "failed"
    assert communication.body == "Bonjour"
    [entry] = journal(dossier, JournalEntry.Action.SMS)
    assert entry.data["outcome"] == "failed"
    assert "Échec" in entry.message


# --- E-mail -------------------------------------------------------------------------


def test_email_sent_with_eml_copy(dossier, owner, email_point, email_template):
    owner.email = "agnes.martin@example.fr"
    owner.save()
    communication = services.email_send(
        dossier=dossier, point=email_point, subject="", body="", template=email_template, user=owner
    )
    [sent] = mail.outbox
    assert sent.to == ["agnes.perrin@example.fr"]
    assert sent.reply_to == ["agnes.martin@example.fr"]
    assert "ACC-1001" in sent.subject
    assert "Bonjour Mme Agnès Perrin" in sent.body
    piece = communication.piece
    assert piece.origin == "email" and piece.original_name.endswith(".eml")
    with piece.file.open("rb") as handle:
        eml = handle.read()
    assert sent.extra_headers["Message-ID"].encode() in eml
    [entry] = journal(dossier, JournalEntry.Action.EMAIL)
    assert entry.data["outcome"] == "sent"
    assert entry.data["piece"] == piece.pk


def test_email_with_unknown_placeholder_refused_before_sending(dossier, owner, email_point):
    with pytest.raises(CommunicationError):
        services.email_send(
            dossier=dossier,
            point=email_point,
            subject="Bonjour",
            body="{{ settings.SECRET_KEY }}",
            user=owner,
        )
    assert mail.outbox == []
    assert Communication.objects.count() == 0


def test_email_to_another_files_means_refused(dossier, owner, email_point):
    other = factories.DossierFactory()
    with pytest.raises(CommunicationError):
        services.email_send(dossier=other, point=email_point, subject="a", body="b", user=owner)
    assert mail.outbox == []


def test_letter_pdf_one_page_for_a_usual_letter_more_for_a_long_one(
    dossier, owner, postal, letter_template
):
    import dataclasses

    from contacts.messaging.letters import letter_pdf

    letter = services.letter_build(
        dossier=dossier, point=postal, template=letter_template, user=owner
    )
    assert b"/Count 1 " in letter_pdf(letter) or b"/Count 1\n" in letter_pdf(letter)
    long_letter = dataclasses.replace(letter, body="Ligne de texte.\n" * 120)
    assert b"/Count 1" not in letter_pdf(long_letter)


def test_letter_pdf_survives_characters_outside_windows_1252(dossier, owner, postal):
    from contacts.models import MessageTemplate

    template = MessageTemplate.objects.create(
        name="Exotique", channel="letter", subject="Objet ✓", body="Œuvre, 12 € — « ok » 😀"
    )
    communication = services.letter_send(
        dossier=dossier, point=postal, template=template, user=owner
    )
    assert communication.piece.size > 0
