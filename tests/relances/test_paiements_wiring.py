"""The reminders obey the money side (SPEC §13): a disputed invoice leaves the amount a
step speaks of, the payments' items are in « À faire », and the day's plan starts
with the promises."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from paiements.models import DisputeReason, Instalment, Promise
from paiements.services import dispute_open, promise_create
from relances.planner import plan
from relances.selectors import scenario_amounts, worklist
from tests.paiements.helpers import receivable

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 0), tick=False):
        yield


@pytest.fixture
def invoices(dossier):
    days = datetime.timedelta
    return [
        receivable(dossier, "F1", "100.00", due=TODAY - days(50)),
        receivable(dossier, "F2", "250.00", due=TODAY - days(20)),
    ]


def test_a_disputed_invoice_leaves_the_scenario_amount(dossier, invoices, owner):
    assert scenario_amounts([dossier.pk]) == {dossier.pk: Decimal("350.00")}
    dispute_open(
        dossier=dossier,
        receivables=[invoices[0]],
        reason=DisputeReason.objects.filter(active=True).first(),
        follow_up_date=TODAY,
        user=owner,
    )
    assert scenario_amounts([dossier.pk]) == {dossier.pk: Decimal("250.00")}


def test_dispute_follow_up_is_in_the_worklist(owner_client, dossier, invoices, owner):
    dispute_open(
        dossier=dossier,
        receivables=[invoices[1]],
        reason=DisputeReason.objects.filter(active=True).first(),
        follow_up_date=TODAY,
        user=owner,
    )
    kinds = {item.kind for item in worklist(user=owner, today=TODAY)}
    assert "dispute_follow_up" in kinds
    html = owner_client.get(reverse("relances:worklist")).content.decode()
    assert "Litige à suivre" in html and dossier.reference in html


def test_the_plan_evaluates_promises_first(dossier, invoices, owner):
    promise_create(
        dossier=dossier,
        plan=[(TODAY - datetime.timedelta(days=10), Decimal("350.00"))],
        today=TODAY - datetime.timedelta(days=12),
        user=owner,
    )
    promise = Promise.objects.get(dossier=dossier)
    assert promise.instalments.get().state == Instalment.State.PENDING
    plan(enqueue=False)
    promise.refresh_from_db()
    # Nothing paid, date plus grace gone: the promise is broken and the file runs again.
    assert promise.status == Promise.Status.BROKEN
    dossier.refresh_from_db()
    assert dossier.status == dossier.Status.IN_PROGRESS


def test_an_external_action_deadline_sorts_with_the_others(owner_client, dossier, invoices, owner):
    from paiements.services import external_action_open

    external_action_open(
        dossier=dossier,
        recipient="comptabilite",
        request="Vérifier le virement du 12/11",
        deadline=TODAY,
        user=owner,
    )
    for sort in ("date", "-date", "montant", "-montant"):
        response = owner_client.get(reverse("relances:worklist"), {"tri": sort})
        assert response.status_code == 200
        assert "Action externe" in response.content.decode()


def test_the_navigation_count_is_the_worklist_length(owner_client, dossier, invoices, owner):
    """The badge of « À faire » in the navigation counts what the page lists, the
    payments' items too (instalments due, broken promises, dispute follow-ups,
    external-action deadlines): both read the same rules (paiements.selectors)."""
    from paiements.services import external_action_open, promises_evaluate
    from relances.selectors import worklist_count
    from tests import factories

    days = datetime.timedelta
    colleague = factories.agent(username="collegue")
    reason = DisputeReason.objects.filter(active=True).first()
    # A promise due today on the file, a dispute to follow and an answer awaited.
    promise_create(
        dossier=dossier, plan=[(TODAY, Decimal("50.00"))], today=TODAY - days(5), user=owner
    )
    dispute_open(
        dossier=dossier, receivables=[invoices[1]], reason=reason, follow_up_date=TODAY, user=owner
    )
    external_action_open(
        dossier=dossier, recipient="comptabilite", request="Vérifier", deadline=TODAY, user=owner
    )
    # Not due yet: in neither.
    external_action_open(
        dossier=dossier, recipient="commercial", request="Plus tard", deadline=TODAY + days(3)
    )
    # A promise broken on another file of mine, and a next action there.
    other = factories.DossierFactory(assigned_to=owner, next_action_date=TODAY)
    receivable(other, "G1", "80.00", due=TODAY - days(40))
    promise_create(
        dossier=other, plan=[(TODAY - days(10), Decimal("80.00"))], today=TODAY - days(12)
    )
    promises_evaluate(today=TODAY)
    # The colleague's own dispute, on the colleague's file.
    theirs = factories.DossierFactory(assigned_to=colleague)
    receivable(theirs, "H1", "10.00", due=TODAY - days(40))
    dispute_open(
        dossier=theirs,
        receivables=list(theirs.receivables.all()),
        reason=reason,
        follow_up_date=TODAY,
    )

    items = worklist(user=owner, today=TODAY)
    assert {item.kind for item in items} >= {
        "instalment_due",
        "promise_broken",
        "dispute_follow_up",
        "external_deadline",
        "next_action",
    }
    assert worklist_count(user=owner, today=TODAY) == len(items)
    # Each payments' item opens the file on its payments panel.
    money = [item for item in items if item.kind != "next_action"]
    assert {(a.label, a.method) for item in money for a in item.actions} == {
        ("Ouvrir le dossier", "get")
    }
    assert {item.actions[0].url for item in money} == {
        f"/dossiers/{dossier.pk}/#paiements",
        f"/dossiers/{other.pk}/#paiements",
    }
    assert (
        worklist_count(user=colleague, today=TODAY)
        == len(worklist(user=colleague, today=TODAY))
        == 1
    )
    html = owner_client.get(reverse("relances:worklist")).content.decode()
    assert (
        f'data-testid="worklist-count"><span class="visually-hidden">(</span>{len(items)}<' in html
    )
