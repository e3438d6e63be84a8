"""The demo data tell payment stories through the services."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from dossiers.models import Dossier, JournalEntry
from paiements.models import Dispute, ExternalAction, Payment, Promise

pytestmark = pytest.mark.django_db


def test_demo_has_payments_promises_disputes_and_external_actions(owner):
    call_command("demo_data", dossiers=80, stdout=StringIO())
    assert Payment.objects.exists()
    statuses = set(Promise.objects.values_list("status", flat=True))
    assert {"tenue", "non_tenue", "en_cours"} <= statuses
    assert Dispute.objects.filter(status="ouvert").exists()
    assert ExternalAction.objects.filter(answered_at__isnull=True).exists()
    running = Promise.objects.filter(status="en_cours").values("dossier_id")
    assert running.exists()
    assert set(Dossier.objects.filter(pk__in=running).values_list("status", flat=True)) == {
        "paiement"
    }
    assert JournalEntry.objects.filter(action="payment").count() == Payment.objects.count()
    # Balances stayed consistent with the payments' allocations.
    for dossier in Dossier.objects.filter(payments__isnull=False).distinct():
        total = sum(r.balance for r in dossier.receivables.all())
        assert dossier.outstanding == total
