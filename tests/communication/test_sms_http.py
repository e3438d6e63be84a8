"""The HTTP SMS provider adapter against a local HTTP server started by the test."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from contacts.messaging import services
from contacts.messaging.sms_backends import HttpSmsBackend, SmsSendError
from dossiers.models import JournalEntry


class FakeProvider:
    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.answer: bytes = json.dumps({"id": "msg-42", "status": "queued"}).encode()


@pytest.fixture
def provider(settings):
    state = FakeProvider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers["Content-Length"])
            state.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers["Authorization"],
                    "content_type": self.headers["Content-Type"],
                    "body": json.loads(self.rfile.read(length)),
                }
            )
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(state.answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "contacts.messaging.sms_backends.HttpSmsBackend"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/v1/sms"
    settings.SMS_HTTP_TOKEN = "jeton-de-test"
    settings.SMS_SENDER = "RECOUVR"
    settings.SMS_HTTP_TIMEOUT = 5
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_provider_receives_sms_with_token(provider, dossier, owner, mobile):
    communication = services.sms_send(
        dossier=dossier, point=mobile, text="Bonjour, dossier {{ reference }}.", user=owner
    )
    [request] = provider.requests
    assert request["path"] == "/v1/sms"
    assert request["authorization"] == "Bearer jeton-de-test"
    assert request["content_type"] == "application/json"
    assert request["body"] == {
        "to": "+33612345678",
        "text": "Bonjour, dossier ACC-1001.",
        "sender": "RECOUVR",
    }
    assert communication.status == "sent"
    assert communication.provider_id == "msg-42"
    assert communication.delivery_status == "queued"
    entry = JournalEntry.objects.get(action="sms")
    assert entry.data["delivery_status"] == "queued"


def test_provider_answering_500_is_a_failed_send(provider, dossier, owner, mobile):
    provider.status = 500
    provider.answer = b'{"error": "boom"}'
    communication = services.sms_send(dossier=dossier, point=mobile, text="Bonjour", user=owner)
    assert len(provider.requests) == 1
    assert communication.status == "failed"
    assert communication.error == "Le fournisseur SMS a refusé l'envoi (erreur 500)."
    entry = JournalEntry.objects.get(action="sms")
    assert entry.data["outcome"] == "failed"
    assert "erreur 500" in entry.message


def test_provider_garbage_answer_is_a_failed_send(provider):
    provider.answer = b"<html>oops</html>"
    with pytest.raises(SmsSendError, match="illisible"):
        HttpSmsBackend().send(to="+33612345678", text="Bonjour")


def test_provider_not_configured(settings):
    settings.SMS_HTTP_URL = ""
    with pytest.raises(SmsSendError, match="pas configuré"):
        HttpSmsBackend().send(to="+33612345678", text="Bonjour")
