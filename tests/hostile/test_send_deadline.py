"""Finding 4 (issue 14): a server that answers one byte at a time cannot hold a
send (and the agent's request) past ``SEND_DEADLINE`` seconds for the whole
exchange; the agent is told plainly, and the file says the send failed."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from django.urls import reverse

from contacts.messaging import services
from contacts.models import Communication

pytestmark = pytest.mark.django_db

#: the slow server would take this long to say its first line
TRICKLE_SECONDS = 30


@pytest.fixture
def trickling_server():
    """A TCP server on loopback that sends a byte every 0.25 s (each read is quick,
    the exchange never ends): what a per-read timeout does not catch."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    greeting = b"220 " + b"x" * int(TRICKLE_SECONDS / 0.25) + b"\r\n"

    def serve(conn):
        with conn:
            for byte in greeting:
                if stop.wait(0.25):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    listener.close()


def test_a_trickling_mail_server_is_cut_at_the_deadline(
    owner_client, dossier, email_point, settings, trickling_server
):
    settings.EMAIL_BACKEND = "contacts.messaging.mail_backend.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", trickling_server
    settings.EMAIL_TIMEOUT = 15
    settings.SEND_DEADLINE = 1
    started = time.monotonic()
    response = owner_client.post(
        reverse("communication:email", args=[dossier.pk]),
        {"point": email_point.pk, "subject": "Relance", "body": "Bonjour"},
    )
    assert time.monotonic() - started < TRICKLE_SECONDS / 3
    assert response.status_code == 200
    page = response.content.decode()
    assert "pas répondu dans les 1 s" in page
    [communication] = Communication.objects.filter(dossier=dossier)
    assert communication.status == Communication.Status.FAILED


def test_a_trickling_sms_provider_is_cut_at_the_deadline(
    dossier, owner, mobile, settings, trickling_server
):
    settings.SMS_BACKEND = "contacts.messaging.sms_backends.HttpSmsBackend"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{trickling_server}/v1/sms"
    settings.SMS_HTTP_TIMEOUT = 10
    settings.SEND_DEADLINE = 1
    started = time.monotonic()
    communication = services.sms_send(dossier=dossier, point=mobile, text="Bonjour", user=owner)
    assert time.monotonic() - started < TRICKLE_SECONDS / 3
    assert communication.status == Communication.Status.FAILED
    assert "n'a pas répondu dans les 1 s" in communication.error
