"""Disputes and external actions: what the reminders leave out, the file's status,
resolution journaled, and the worklist items."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from dossiers.models import Dossier, JournalEntry
from paiements.models import Dispute, DisputeReason, ExternalAction
from paiements.selectors import held_receivable_ids, worklist_items
from paiements.services import (
    dispute_open,
    dispute_resolve,
    external_action_answer,
    external_action_open,
    promise_create,
)
from tests import factories

from .helpers import receivable

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 0), tick=False):
        yield


@pytest.fixture
def invoices(dossier):
    return [
        receivable(dossier, "F1", "100.00", due=TODAY - datetime.timedelta(days=50)),
        receivable(dossier, "F2", "250.00", due=TODAY - datetime.timedelta(days=20)),
    ]


def reason():
    return DisputeReason.objects.get(label="Prestation non conforme")


def test_reasons_are_seeded():
    assert DisputeReason.objects.filter(active=True).count() >= 5


def test_a_disputed_invoice_leaves_the_reminders_amount(dossier, invoices, owner):
    other = factories.DossierFactory()
    other_invoice = receivable(other, "X1", "10.00", due=TODAY)
    dispute_open(
        dossier=dossier,
        receivables=[invoices[0]],
        reason=reason(),
        follow_up_date=TODAY,
        user=owner,
    )
    held = held_receivable_ids(dossier_ids=[dossier.pk, other.pk])
    assert held == {invoices[0].pk}
    # What a reminder speaks of: the balances of the invoices still in the scenario.
    reminded = [r for r in dossier.receivables.all() if r.pk not in held]
    assert [r.number for r in reminded] == ["F2"]
    assert other_invoice.pk not in held
    assert JournalEntry.objects.filter(dossier=dossier, action="dispute_opened").exists()


def test_an_invoice_is_in_one_open_dispute_at_a_time(dossier, invoices, owner):
    dispute_open(dossier=dossier, receivables=invoices, reason=reason(), follow_up_date=TODAY)
    with pytest.raises(ValidationError, match="Déjà en litige : F1, F2"):
        dispute_open(dossier=dossier, receivables=invoices, reason=reason(), follow_up_date=TODAY)


def test_accepted_dispute_is_a_credit_note(dossier, invoices, owner):
    dispute = dispute_open(
        dossier=dossier, receivables=[invoices[1]], reason=reason(), follow_up_date=TODAY
    )
    dispute_resolve(dispute=dispute, accepted=True, resolution="Avoir n° AV-3", user=owner)
    invoices[1].refresh_from_db()
    assert invoices[1].balance == 0
    dossier.refresh_from_db()
    assert dossier.outstanding == D("100.00")
    entry = JournalEntry.objects.get(dossier=dossier, action="dispute_resolved")
    assert "avoir de 250,00" in entry.message and entry.data["credits"] == {"F2": "250.00"}
    assert held_receivable_ids(dossier_ids=[dossier.pk]) == set()
    with pytest.raises(ValidationError, match="déjà résolu"):
        dispute_resolve(dispute=dispute, accepted=False, user=owner)


def test_rejected_dispute_goes_back_to_collection(dossier, invoices, owner):
    dispute = dispute_open(
        dossier=dossier, receivables=[invoices[1]], reason=reason(), follow_up_date=TODAY
    )
    dispute_resolve(dispute=dispute, accepted=False, user=owner)
    invoices[1].refresh_from_db()
    assert invoices[1].balance == D("250.00")
    assert Dispute.objects.get().status == Dispute.Status.REJECTED
    assert held_receivable_ids(dossier_ids=[dossier.pk]) == set()
    assert (
        "de nouveau en recouvrement" in JournalEntry.objects.get(action="dispute_resolved").message
    )


def test_external_actions_hold_the_file_until_all_are_answered(dossier, invoices, owner):
    accounting = external_action_open(
        dossier=dossier,
        recipient="comptabilite",
        request="Vérifier le règlement du 12/11",
        deadline=TODAY + datetime.timedelta(days=5),
        receivables=[invoices[0]],
        user=owner,
    )
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.EXTERNAL_ACTIONS
    lawyer = external_action_open(
        dossier=dossier,
        recipient="avocat",
        request="Mise en demeure",
        deadline=TODAY + datetime.timedelta(days=30),
        user=owner,
    )
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.LITIGATION
    external_action_answer(action=lawyer, answer="Envoyée le 02/12", user=owner)
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.EXTERNAL_ACTIONS
    external_action_answer(action=accounting, answer="Règlement non trouvé", user=owner)
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.IN_PROGRESS
    assert JournalEntry.objects.filter(dossier=dossier, action="external_answer").count() == 2
    with pytest.raises(ValidationError, match="déjà sa réponse"):
        external_action_answer(action=accounting, answer="encore", user=owner)


def test_a_running_promise_keeps_the_file_in_payment_after_the_answer(dossier, invoices, owner):
    action = external_action_open(
        dossier=dossier, recipient="commercial", request="Geste ?", deadline=TODAY, user=owner
    )
    promise_create(dossier=dossier, plan=[(TODAY, D("50"))], today=TODAY, user=owner)
    external_action_answer(action=action, answer="Non", user=owner)
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.PAYMENT


def test_a_closed_file_is_not_reopened(dossier, invoices, owner):
    Dossier.objects.filter(pk=dossier.pk).update(status=Dossier.Status.CLOSED)
    external_action_open(dossier=dossier, recipient="avocat", request="?", deadline=TODAY)
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.CLOSED


def test_the_worklist_shows_instalments_follow_ups_and_deadlines(
    dossier, invoices, owner, colleague
):
    promise_create(
        dossier=dossier,
        plan=[(TODAY, D("50")), (TODAY + datetime.timedelta(days=30), D("50"))],
        today=TODAY,
        user=owner,
    )
    dispute_open(dossier=dossier, receivables=[invoices[1]], reason=reason(), follow_up_date=TODAY)
    external_action_open(
        dossier=dossier, recipient="comptabilite", request="Vérifier", deadline=TODAY
    )
    # Not yet due: not in the list.
    external_action_open(
        dossier=dossier,
        recipient="commercial",
        request="Plus tard",
        deadline=TODAY + datetime.timedelta(days=3),
    )
    items = worklist_items(user=owner, today=TODAY)
    kinds = sorted(item["kind"] for item in items)
    assert kinds == ["dispute_follow_up", "external_deadline", "instalment_due"]
    instalment = next(i for i in items if i["kind"] == "instalment_due")
    assert instalment["amount"] == D("50") and instalment["due_date"] == TODAY
    assert instalment["dossier"] == dossier and instalment["url"] == f"/dossiers/{dossier.pk}/"
    dispute = next(i for i in items if i["kind"] == "dispute_follow_up")
    assert dispute["amount"] == D("250.00")
    assert set(items[0]) == {"kind", "label", "dossier", "due_date", "amount", "url"}
    # Another agent's worklist does not hold them.
    assert worklist_items(user=colleague, today=TODAY) == []
    # A dispute assigned to the colleague is in the colleague's list.
    Dispute.objects.update(assigned_to=colleague)
    assert [i["kind"] for i in worklist_items(user=colleague, today=TODAY)] == ["dispute_follow_up"]


def test_a_broken_promise_is_in_the_worklist(dossier, invoices, owner):
    from paiements.services import promises_evaluate

    promise_create(dossier=dossier, plan=[(TODAY, D("50"))], today=TODAY, user=owner)
    promises_evaluate(today=TODAY + datetime.timedelta(days=4))
    items = worklist_items(user=owner, today=TODAY + datetime.timedelta(days=4))
    assert [i["kind"] for i in items] == ["promise_broken"]
    assert ExternalAction.objects.count() == 0
