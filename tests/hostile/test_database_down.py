"""When the database cannot be reached, the agent gets a 503 that says so (not
« une erreur est survenue »), and nothing is half-written (the real restart is
in test_postgres_restart.py)."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.urls import reverse

from dossiers.models import JournalEntry, Note

pytestmark = pytest.mark.django_db


def test_a_database_that_does_not_answer_is_a_plain_503(client, owner, dossier, monkeypatch):
    client.force_login(owner)
    client.raise_request_exception = False

    def unreachable(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr("dossiers.services.journal_record", unreachable)
    response = client.post(
        reverse("dossiers:note_create", args=[dossier.pk]), {"text": "Rappel demain matin"}
    )
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "La base de données ne répond pas" in response.content.decode()
    assert not Note.objects.exists()
    assert not JournalEntry.objects.filter(action="note").exists()
