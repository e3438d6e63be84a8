"""Promises and instalment plans: kept, broken, completed, with time travel; the
file's status follows; journaled; the command."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from dossiers.models import Dossier, JournalEntry
from paiements.models import Instalment, Promise
from paiements.plans import plan_build
from paiements.services import payment_record, promise_create, promises_evaluate

from .helpers import receivable

pytestmark = pytest.mark.django_db
D = Decimal
START = datetime.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def owed(dossier):
    receivable(dossier, "F1", "300.00", due=START - datetime.timedelta(days=40))
    return dossier


def plan_of_three(dossier, user):
    return promise_create(
        dossier=dossier,
        plan=plan_build(
            total=D("300.00"), count=3, first=datetime.date(2026, 12, 15), period="mensuel"
        ),
        today=START,
        user=user,
    )


def states(promise):
    return list(promise.instalments.order_by("due_date").values_list("state", flat=True))


def pay(dossier, amount, day):
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(12)), tick=False):
        payment_record(dossier=dossier, date=day, amount=D(amount), mode="virement")


def test_plan_builder_splits_cents_and_months():
    plan = plan_build(
        total=D("100.00"), count=3, first=datetime.date(2027, 1, 31), period="mensuel"
    )
    assert plan == [
        (datetime.date(2027, 1, 31), D("33.33")),
        (datetime.date(2027, 2, 28), D("33.33")),
        (datetime.date(2027, 3, 31), D("33.34")),
    ]
    weekly = plan_build(total=D("20"), count=2, first=START, period="hebdomadaire")
    assert [d for d, _a in weekly] == [START, START + datetime.timedelta(days=7)]


def test_recording_a_promise_puts_the_file_in_payment(owed, owner):
    promise = plan_of_three(owed, owner)
    owed.refresh_from_db()
    assert owed.status == Dossier.Status.PAYMENT
    assert promise.instalments.count() == 3
    assert JournalEntry.objects.filter(dossier=owed, action="promise_created").exists()
    assert JournalEntry.objects.filter(dossier=owed, action="status_changed").exists()


def test_kept_then_completed(owed, owner, _frozen):
    promise = plan_of_three(owed, owner)
    pay(owed, "100", datetime.date(2026, 12, 14))
    promise.refresh_from_db()
    assert states(promise) == ["tenue", "a_venir", "a_venir"]
    assert JournalEntry.objects.filter(action="instalment_kept").count() == 1
    # Paid within the grace period (3 days) of the second instalment.
    pay(owed, "100", datetime.date(2027, 1, 18))
    pay(owed, "100", datetime.date(2027, 2, 10))
    promise.refresh_from_db()
    assert promise.status == Promise.Status.KEPT
    assert promise.closed_on == datetime.date(2027, 2, 10)
    assert states(promise) == ["tenue", "tenue", "tenue"]
    assert JournalEntry.objects.filter(dossier=owed, action="promise_kept").count() == 1
    owed.refresh_from_db()
    assert owed.status == Dossier.Status.IN_PROGRESS
    assert owed.outstanding == 0


def test_broken_after_the_grace_period(owed, owner, _frozen):
    promise = plan_of_three(owed, owner)
    # Due 15/12, grace 3 days: still running on the 18th, broken on the 19th.
    assert promises_evaluate(today=datetime.date(2026, 12, 18))["broken"] == 0
    promise.refresh_from_db()
    assert promise.status == Promise.Status.RUNNING
    counts = promises_evaluate(today=datetime.date(2026, 12, 19))
    assert counts == {"kept": 0, "missed": 1, "completed": 0, "broken": 1}
    promise.refresh_from_db()
    assert promise.status == Promise.Status.BROKEN
    assert states(promise) == ["non_tenue", "a_venir", "a_venir"]
    owed.refresh_from_db()
    assert owed.status == Dossier.Status.IN_PROGRESS
    entry = JournalEntry.objects.get(dossier=owed, action="promise_broken")
    assert "15/12/2026" in entry.message and entry.actor_kind == "system"
    # Evaluated again: nothing more happens.
    assert promises_evaluate(today=datetime.date(2026, 12, 20))["broken"] == 0


def test_a_late_payment_does_not_keep_an_instalment(owed, owner):
    promise = plan_of_three(owed, owner)
    pay(owed, "100", datetime.date(2026, 12, 20))
    promise.refresh_from_db()
    assert promise.status == Promise.Status.BROKEN


def test_grace_is_a_setting(owed, owner, settings):
    settings.PROMISE_GRACE_DAYS = 0
    promise = plan_of_three(owed, owner)
    promises_evaluate(today=datetime.date(2026, 12, 16))
    promise.refresh_from_db()
    assert promise.status == Promise.Status.BROKEN


def test_partial_payments_add_up(owed, owner):
    promise = plan_of_three(owed, owner)
    pay(owed, "60", datetime.date(2026, 12, 5))
    promise.refresh_from_db()
    assert states(promise) == ["a_venir", "a_venir", "a_venir"]
    pay(owed, "40", datetime.date(2026, 12, 10))
    assert states(promise) == ["tenue", "a_venir", "a_venir"]


def test_a_new_promise_replaces_the_running_one(owed, owner):
    first = plan_of_three(owed, owner)
    second = promise_create(
        dossier=owed, plan=[(datetime.date(2026, 12, 20), D("300"))], today=START, user=owner
    )
    first.refresh_from_db()
    assert first.status == Promise.Status.CANCELLED
    assert Promise.objects.filter(status="en_cours").get() == second


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ([], "au moins une échéance"),
        ([(datetime.date(2026, 11, 1), D("10"))], "passé"),
        ([(datetime.date(2026, 12, 5), D("400"))], "dépasse le montant dû"),
        (
            [(datetime.date(2026, 12, 5), D("10")), (datetime.date(2026, 12, 5), D("10"))],
            "même jour",
        ),
    ],
)
def test_bad_plans_are_refused(owed, owner, plan, message):
    with pytest.raises(ValidationError) as info:
        promise_create(dossier=owed, plan=plan, today=START, user=owner)
    assert message in " ".join(info.value.messages)
    assert not Promise.objects.exists()
    owed.refresh_from_db()
    assert owed.status == Dossier.Status.IN_PROGRESS


def test_the_command_evaluates_a_given_day(owed, owner):
    plan_of_three(owed, owner)
    out = io.StringIO()
    call_command("promesses", "--date", "2026-12-19", stdout=out)
    assert "promesses tenues : 0, non tenues : 1" in out.getvalue()
    assert Instalment.objects.filter(state="non_tenue").count() == 1


def test_evaluation_is_a_fixed_number_of_queries(owner, django_assert_max_num_queries):
    from tests import factories

    for n in range(12):
        dossier = factories.DossierFactory(assigned_to=owner)
        receivable(dossier, f"G{n}", "300.00", due=START - datetime.timedelta(days=40))
        plan_of_three(dossier, owner)
    with django_assert_max_num_queries(14):
        counts = promises_evaluate(today=datetime.date(2026, 12, 19))
    assert counts["broken"] == 12
    assert Dossier.objects.filter(status="en_cours").count() == 12
    assert timezone.localdate() == START


def test_instalments_for_the_reminders_before_and_after(owed, owner):
    from paiements.selectors import instalment_reminders

    plan_of_three(owed, owner)  # 15/12, 15/01, 15/02
    found = instalment_reminders(today=datetime.date(2026, 12, 10), days_before=5, days_after=2)
    assert [i.due_date for i in found["before"]] == [datetime.date(2026, 12, 15)]
    assert found["after"] == []
    promises_evaluate(today=datetime.date(2026, 12, 19))
    found = instalment_reminders(today=datetime.date(2026, 12, 17), days_before=5, days_after=2)
    assert [i.due_date for i in found["after"]] == [datetime.date(2026, 12, 15)]
    # The promise is broken: its later instalments are no longer reminded.
    later = instalment_reminders(today=datetime.date(2027, 1, 10), days_before=5, days_after=2)
    assert later["before"] == []
