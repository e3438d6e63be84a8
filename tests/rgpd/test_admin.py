"""Legal holds in the admin: managers place and lift them, journaled, never deleted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dossiers.models import JournalEntry
from rgpd.models import LegalHold
from tests.security.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_manager_places_then_lifts_a_hold(manager, dossier):
    client = client_for(manager)
    response = client.post(
        reverse("admin:rgpd_legalhold_add"),
        {"dossier": dossier.pk, "reason": "Assignation devant le tribunal judiciaire"},
    )
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.dossier, hold.placed_by, hold.released_at) == (dossier, manager, None)
    placed = JournalEntry.objects.get(action=JournalEntry.Action.LEGAL_HOLD)
    assert placed.message == "Gel de conservation posé : Assignation devant le tribunal judiciaire"

    response = client.post(
        reverse("admin:rgpd_legalhold_changelist"),
        {"action": "release_holds", "_selected_action": [hold.pk]},
    )
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.released_at is not None
    assert JournalEntry.objects.filter(action=JournalEntry.Action.LEGAL_HOLD).count() == 2
    delete = reverse("admin:rgpd_legalhold_delete", args=[hold.pk])
    assert client.get(delete).status_code == 403


def test_a_hold_needs_a_reason(manager, dossier):
    response = client_for(manager).post(
        reverse("admin:rgpd_legalhold_add"), {"dossier": dossier.pk, "reason": "  "}
    )
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.content.decode()
    assert not LegalHold.objects.exists()


def test_agents_cannot_reach_holds(owner):
    response = client_for(owner).get(reverse("admin:rgpd_legalhold_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
