"""E-mail through a real SMTP server on localhost (aiosmtpd), and with it down."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from contacts.messaging import services
from dossiers.models import JournalEntry
from pieces.models import Piece


class Recorder:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "recouvrement@example.fr"
    yield recorder
    controller.stop()


def test_smtp_server_really_receives_the_mail(
    smtp_server, dossier, owner, email_point, email_template
):
    communication = services.email_send(
        dossier=dossier, point=email_point, subject="", body="", template=email_template, user=owner
    )
    assert communication.status == "sent"
    [envelope] = smtp_server.envelopes
    assert envelope.mail_from == "recouvrement@example.fr"
    assert envelope.rcpt_tos == ["agnes.perrin@example.fr"]
    received = email.message_from_bytes(envelope.content, policy=policy.default)
    assert received["Subject"] == "Votre dossier ACC-1001 : règlement en attente"
    assert "1\u00a0234,56\u00a0€" in received.get_content()
    # The piece is a copy of what the server received (same Message-ID).
    piece = Piece.objects.get(origin="email")
    with piece.file.open("rb") as handle:
        stored = email.message_from_bytes(handle.read(), policy=policy.default)
    assert stored["Message-ID"] == received["Message-ID"]
    assert stored["Subject"] == received["Subject"]


def test_smtp_server_down_is_journaled_as_failed(settings, dossier, owner, email_point):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    communication = services.email_send(
        dossier=dossier, point=email_point, subject="Relance", body="Bonjour", user=owner
    )
    assert communication.status == "failed"
    assert "n'a pas accepté" in communication.error
    assert communication.body == "Bonjour"
    assert Piece.objects.count() == 0
    entry = JournalEntry.objects.get(action="email")
    assert entry.data["outcome"] == "failed"
    assert entry.actor == owner
