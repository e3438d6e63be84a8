"""Finding 2 (issue 14): a message that went out is never lost from the file.

The Communication is committed « en cours d'envoi » before the send; after the send
it is marked sent or failed. A failure that follows a successful send (disk full
while keeping the copy, any database error) leaves the file saying it was sent and
what failed, so that the agent does not send it again."""

from __future__ import annotations

import errno

import pytest
from django.core import mail
from django.db import DatabaseError
from django.urls import reverse

from contacts.messaging import services
from contacts.models import Communication
from dossiers.models import JournalEntry
from pieces.models import Piece

pytestmark = pytest.mark.django_db


def disk_full(**kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_the_communication_is_committed_as_sending_before_the_send(
    dossier, owner, email_point, monkeypatch
):
    seen = []

    def spy(self, fail_silently=False):
        seen.append(list(Communication.objects.values_list("status", flat=True)))
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", spy)
    communication = services.email_send(
        dossier=dossier, point=email_point, subject="Relance", body="Bonjour", user=owner
    )
    assert seen == [[Communication.Status.SENDING]]
    assert communication.status == Communication.Status.SENT


def test_email_sent_then_copy_fails_the_file_still_says_it_was_sent(
    owner_client, dossier, owner, email_point, monkeypatch
):
    monkeypatch.setattr("pieces.services.piece_store_generated", disk_full)
    response = owner_client.post(
        reverse("communication:email", args=[dossier.pk]),
        {"point": email_point.pk, "subject": "Relance", "body": "Bonjour, voici le solde."},
        follow=True,
    )
    assert response.status_code == 200
    assert len(mail.outbox) == 1  # it went out
    [communication] = Communication.objects.filter(dossier=dossier)
    assert communication.status == Communication.Status.SENT
    assert "copie" in communication.error
    assert not Piece.objects.filter(dossier=dossier).exists()
    [entry] = JournalEntry.objects.filter(dossier=dossier, action=JournalEntry.Action.EMAIL)
    assert entry.data["outcome"] == Communication.Status.SENT
    assert "envoyé" in entry.message and "copie" in entry.message
    page = response.content.decode()
    assert "E-mail envoyé" in page
    assert "ne le renvoyez pas" in page


def test_email_sent_then_the_database_fails_the_file_still_says_it_was_sent(
    dossier, owner, email_point, monkeypatch
):
    calls = {"n": 0}
    record = services.journal_record

    def fails_once(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise DatabaseError("could not extend file: No space left on device")
        return record(**kwargs)

    monkeypatch.setattr(services, "journal_record", fails_once)
    communication = services.email_send(
        dossier=dossier, point=email_point, subject="Relance", body="Bonjour", user=owner
    )
    assert len(mail.outbox) == 1
    communication.refresh_from_db()
    assert communication.status == Communication.Status.SENT
    assert communication.error
    assert JournalEntry.objects.filter(dossier=dossier, action="email").count() == 1


def test_sms_sent_then_the_database_fails_the_file_still_says_it_was_sent(
    dossier, owner, mobile, sms_outbox, monkeypatch
):
    calls = {"n": 0}
    record = services.journal_record

    def fails_once(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise DatabaseError("server closed the connection unexpectedly")
        return record(**kwargs)

    monkeypatch.setattr(services, "journal_record", fails_once)
    communication = services.sms_send(dossier=dossier, point=mobile, text="Bonjour", user=owner)
    assert len(sms_outbox()) == 1
    communication.refresh_from_db()
    assert communication.status == Communication.Status.SENT
    assert communication.error
    assert JournalEntry.objects.filter(dossier=dossier, action="sms").count() == 1


def test_an_automatic_send_is_by_the_system_without_reply_to(dossier, email_point, mobile):
    email = services.email_send(
        dossier=dossier, point=email_point, subject="Relance", body="Bonjour", user=None
    )
    sms = services.sms_send(dossier=dossier, point=mobile, text="Bonjour", user=None)
    assert email.status == sms.status == Communication.Status.SENT
    assert email.sent_by is None and sms.sent_by is None
    assert mail.outbox[0].reply_to == []
    entries = JournalEntry.objects.filter(dossier=dossier, action__in=["email", "sms"])
    assert {e.actor_kind for e in entries} == {JournalEntry.ActorKind.SYSTEM}
    assert entries.count() == 2
