"""Every form of a client file speaks French, its empty choices too: none shows
Django's « --------- » where a person must choose."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests import factories
from tests.paiements.helpers import receivable

pytestmark = pytest.mark.django_db

FORMS = [
    "dossiers:detail",  # the reassignment, the note
    "dossiers:next_action",
    "dossiers:status",
    "paiements:payment_create",
    "paiements:promise_create",
    "paiements:dispute_create",
    "paiements:external_create",
    "relances:change",
    "pieces:upload",
    "contacts:contact_create",
    "communication:call",
    "communication:letter",
    "communication:sms",
    "communication:email",
]


@pytest.mark.parametrize("name", FORMS)
def test_no_django_dashes_among_the_choices(client, name):
    manager = factories.manager()
    dossier = factories.DossierFactory(assigned_to=manager)
    receivable(dossier, "F1", "100.00", due=datetime.date(2026, 10, 1))
    client.force_login(manager)
    response = client.get(reverse(name, args=[dossier.pk]))
    assert response.status_code == 200
    assert "---------" not in response.content.decode()
