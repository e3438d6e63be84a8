"""Finding 9 (issue 14): control characters (CR, ESC, VT…) from forms, imports and
templates. A CR in an e-mail subject raised BadHeaderError (a 500, the agent's
text lost); an admin template with one broke every send."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from contacts.messaging import services
from contacts.models import Communication, MessageTemplate
from dossiers.models import Note

pytestmark = pytest.mark.django_db


def test_a_cr_typed_in_an_email_subject_is_no_500(owner_client, dossier, email_point):
    response = owner_client.post(
        reverse("communication:email", args=[dossier.pk]),
        {"point": email_point.pk, "subject": "Relance\r\nBcc: x@evil.example", "body": "Bonjour"},
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert "\r" not in message.subject and "\n" not in message.subject
    assert message.bcc == []
    assert Communication.objects.get().status == Communication.Status.SENT


def test_a_cr_in_an_imported_name_does_not_break_the_subject(dossier, owner, email_point):
    contact = email_point.contact
    contact.last_name = "Perrin\rX"
    contact.save()
    communication = services.email_send(
        dossier=dossier,
        point=email_point,
        subject="Votre dossier, {{ contact }}",
        body="Bonjour",
        user=owner,
    )
    assert communication.status == Communication.Status.SENT
    assert "\r" not in mail.outbox[0].subject


def test_control_characters_typed_in_a_note_are_cleaned(owner_client, dossier):
    owner_client.post(
        reverse("dossiers:note_create", args=[dossier.pk]),
        {"text": "Rappel\x1b[31m demain\x0b matin\r\nà 9 h"},
    )
    note = Note.objects.get(dossier=dossier)
    assert note.text == "Rappel[31m demain matin\nà 9 h"


@pytest.mark.parametrize(
    ("field", "value"),
    [("subject", "Relance\rurgente"), ("subject", "Relance\nurgente"), ("body", "Bonjour\x1b")],
)
def test_a_template_that_cannot_be_sent_is_not_saved(client, manager, field, value):
    client.force_login(manager)
    data = {"name": "Cassé", "channel": "email", "subject": "Relance", "body": "Bonjour"}
    data[field] = value
    response = client.post(reverse("admin:contacts_messagetemplate_add"), {**data, "active": "on"})
    assert response.status_code == 200
    assert "caractère de contrôle" in response.content.decode()
    assert not MessageTemplate.objects.filter(name="Cassé").exists()
