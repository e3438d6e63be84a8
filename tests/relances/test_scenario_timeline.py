"""One file through the whole default scenario, day by day (time-machine): what goes
out when, through which means, and what waits for the agent."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from contacts.models import Communication
from dossiers.models import JournalEntry
from pieces.models import Piece
from relances import services
from relances.models import PlannedAction, ScenarioRun
from relances.planner import plan
from relances.selectors import worklist

from .conftest import at, due_dossier

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 1, 5)  # a Monday


def day_by_day(owner, dossier, *, days: int, act=True):
    """Run the planner every day at 10:30; the agent does what the worklist says."""
    events = []
    for offset in range(days):
        day = DUE + datetime.timedelta(days=offset)
        with time_machine.travel(at(day), tick=False):
            plan()
            for item in worklist(user=owner, today=day):
                if item.kind == "next_action" or not act:
                    continue
                action = PlannedAction.objects.get(pk=item.extra["action"])
                if item.kind == "confirm":
                    services.action_confirm_send(action=action, user=owner)
                else:
                    services.action_task_done(action=action, user=owner)
                events.append((day, item.kind, action.step.label))
            for action in PlannedAction.objects.filter(
                dossier=dossier, state="envoyee", done_at__date=day
            ).select_related("communication"):
                events.append((day, action.step.action, action.communication.recipient))
    return sorted(set(events))


def test_default_scenario_day_by_day(owner):
    dossier = due_dossier(owner, due=DUE)
    email = dossier.contact_points.get(kind="email").email
    events = day_by_day(owner, dossier, days=80)
    assert [(day, kind) for day, kind, _ in events] == [
        # J+5 is Saturday 10/01: the e-mail waits for Monday.
        (datetime.date(2026, 1, 12), "email"),
        # Ten days after the e-mail, a Thursday, inside the SMS window.
        (datetime.date(2026, 1, 22), "sms"),
        # Ten days later is Sunday 01/02: the letter goes on Monday.
        (datetime.date(2026, 2, 2), "letter"),
        (datetime.date(2026, 2, 12), "call"),
        # The mise en demeure waits for the agent's « Envoyer ».
        (datetime.date(2026, 2, 27), "confirm"),
        (datetime.date(2026, 2, 27), "letter"),
        # Fin de scénario on Saturday 14/03 → Monday 16/03.
        (datetime.date(2026, 3, 16), "task"),
    ]
    assert events[0][2] == email
    run = ScenarioRun.objects.get(dossier=dossier)
    assert run.state == ScenarioRun.State.FINISHED
    # Every step exactly once, and each send through the default means.
    assert PlannedAction.objects.filter(dossier=dossier).count() == 6
    comms = Communication.objects.filter(dossier=dossier).order_by("created_at")
    assert [c.channel for c in comms] == ["email", "sms", "letter", "letter"]
    assert [c.sent_by for c in comms] == [None, None, None, owner]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [email]
    # Journaled by « système » with scenario and step named; copies kept as pieces.
    entry = JournalEntry.objects.get(dossier=dossier, action="email")
    assert entry.actor_kind == "system"
    assert entry.data["scenario_name"] == "Relance standard"
    assert entry.data["step_order"] == 1
    assert "Relance standard" in entry.message
    assert Piece.objects.filter(dossier=dossier, origin="email").count() == 1
    assert Piece.objects.filter(dossier=dossier, origin="letter").count() == 2
    sms = Communication.objects.get(dossier=dossier, channel="sms")
    assert sms.delivery_status  # the provider's status is kept


def test_planner_that_missed_days_sends_only_the_next_step(owner):
    """A file that enters late (due 60 days ago) gets step 1 today, not a burst."""
    dossier = due_dossier(owner, due=DUE)
    day = DUE + datetime.timedelta(days=60)  # Friday 06/03
    with time_machine.travel(at(day), tick=False):
        plan()
        plan()
    assert Communication.objects.filter(dossier=dossier).count() == 1
    [action] = PlannedAction.objects.filter(dossier=dossier, state="planifiee")
    assert action.step.order == 2
    assert action.due_at.date() == day + datetime.timedelta(days=10)


def test_status_hold_and_resume(owner):
    from dossiers.services import dossier_set_status

    dossier = due_dossier(owner, due=DUE)
    with time_machine.travel(at(datetime.date(2026, 1, 12)), tick=False):
        plan()  # e-mail sent
    dossier_set_status(dossier=dossier, status="paiement", user=owner)
    # The SMS date (22/01) passes while the file is « paiement »: nothing goes out.
    for day in (datetime.date(2026, 1, 22), datetime.date(2026, 1, 27)):
        with time_machine.travel(at(day), tick=False):
            plan()
    assert Communication.objects.filter(dossier=dossier, channel="sms").count() == 0
    dossier_set_status(dossier=dossier, status="en_cours", user=owner)
    with time_machine.travel(at(datetime.date(2026, 1, 28)), tick=False):
        plan()
    sms = Communication.objects.get(dossier=dossier, channel="sms")
    assert sms.created_at.date() == datetime.date(2026, 1, 28)
    # The next step counts from the day the SMS actually went out.
    letter = PlannedAction.objects.get(dossier=dossier, state="planifiee")
    assert letter.due_at.date() == datetime.date(2026, 2, 9)  # 07/02 is a Saturday


def test_agent_pause_until_a_date_then_automatic_resume(owner):
    dossier = due_dossier(owner, due=DUE)
    with time_machine.travel(at(datetime.date(2026, 1, 8)), tick=False):
        plan()
        services.run_pause(
            dossier=dossier, until=datetime.date(2026, 1, 20), reason="Litige en cours", user=owner
        )
    with time_machine.travel(at(datetime.date(2026, 1, 12)), tick=False):
        plan()
    assert not Communication.objects.filter(dossier=dossier).exists()
    with time_machine.travel(at(datetime.date(2026, 1, 20)), tick=False):
        plan()
    assert Communication.objects.filter(dossier=dossier, channel="email").count() == 1
    assert JournalEntry.objects.filter(
        dossier=dossier, message__contains="Litige en cours"
    ).exists()


def test_outstanding_below_tolerance_stops_the_scenario(owner):
    dossier = due_dossier(owner, due=DUE)
    with time_machine.travel(at(datetime.date(2026, 1, 12)), tick=False):
        plan()
    dossier.receivables.update(balance="3.00")
    from dossiers.services import dossier_refresh_totals

    dossier_refresh_totals(dossier_ids=[dossier.pk])
    with time_machine.travel(at(datetime.date(2026, 1, 22)), tick=False):
        plan()
    assert not Communication.objects.filter(dossier=dossier, channel="sms").exists()
    assert ScenarioRun.objects.get(dossier=dossier).state == ScenarioRun.State.STOPPED
    assert PlannedAction.objects.filter(dossier=dossier, state="annulee").count() == 1
