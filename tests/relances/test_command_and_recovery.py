"""`manage.py relances` (plan, dry run), planner serialisation, failed and interrupted
sends, exactly-once claims."""

from __future__ import annotations

import datetime
import smtplib
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from contacts.models import Communication
from dossiers.models import JournalEntry
from relances.models import PlannedAction, PlannerLease, ScenarioRun
from relances.planner import PlannerRefused, plan
from relances.selectors import worklist
from relances.sending import action_send

from .conftest import at, due_dossier

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 1, 12)


def counts():
    return (
        ScenarioRun.objects.count(),
        PlannedAction.objects.count(),
        Communication.objects.count(),
        JournalEntry.objects.count(),
    )


def test_dry_run_prints_the_day_and_writes_nothing(owner):
    due_dossier(owner, due=datetime.date(2026, 1, 5), reference="DRY-1")
    due_dossier(owner, due=datetime.date(2026, 1, 5), reference="DRY-2", means=("phone",))
    before = counts()
    out = StringIO()
    with time_machine.travel(at(datetime.date(2026, 1, 8)), tick=False):
        call_command("relances", "--dry-run", "--date", "2026-01-12", stdout=out)
    text = out.getvalue()
    assert counts() == before
    assert "Relances du 12/01/2026" in text
    line1 = next(line for line in text.splitlines() if line.startswith("DRY-1"))
    assert "1. E-mail de rappel courtois" in line1 and "@example.fr" in line1
    assert "Rappel : facture(s) en attente sur votre dossier DRY-1" in line1
    line2 = next(line for line in text.splitlines() if line.startswith("DRY-2"))
    assert "pas d'e-mail par défaut" in line2 and "Rechercher les coordonnées" in line2
    assert "2 action(s)." in text


def test_dry_run_of_a_day_before_anything_is_due(owner):
    due_dossier(owner, due=datetime.date(2026, 1, 5), reference="DRY-1")
    out = StringIO()
    with time_machine.travel(at(datetime.date(2026, 1, 6)), tick=False):
        call_command("relances", "--dry-run", "--date", "2026-01-07", stdout=out)
    assert "0 action(s)." in out.getvalue()


def test_bad_date_is_a_clear_error():
    with pytest.raises(CommandError, match="Date invalide"):
        call_command("relances", "--dry-run", "--date", "12/01/2026", stdout=StringIO())
    with pytest.raises(CommandError, match="--date ne s'utilise qu'avec --dry-run"):
        call_command("relances", "--date", "2026-01-12", stdout=StringIO())


def test_command_plans_and_sends(owner):
    dossier = due_dossier(owner, due=datetime.date(2026, 1, 5))
    out = StringIO()
    with time_machine.travel(at(DAY), tick=False):
        call_command("relances", stdout=out)
    assert "1 envoi(s) mis en file" in out.getvalue()
    assert Communication.objects.filter(dossier=dossier, channel="email").count() == 1


def test_a_second_planner_at_the_same_time_is_refused(owner):
    with time_machine.travel(at(DAY), tick=False):
        plan()
        PlannerLease.objects.update(
            holder="other", lease_until=at(DAY) + datetime.timedelta(minutes=5)
        )
        with pytest.raises(PlannerRefused, match="Un autre planificateur"):
            plan()


def test_a_run_dated_before_the_last_is_refused(owner):
    with time_machine.travel(at(DAY), tick=False):
        plan()
    before = at(DAY - datetime.timedelta(days=2))
    with time_machine.travel(before, tick=False), pytest.raises(PlannerRefused, match="antérieure"):
        plan()


def test_failed_send_is_retried_with_backoff_then_shown_in_the_worklist(owner, monkeypatch):
    dossier = due_dossier(owner, due=datetime.date(2026, 1, 5))

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    moment = at(DAY)
    with time_machine.travel(moment, tick=False):
        plan()
    action = PlannedAction.objects.get(dossier=dossier)
    delays = []
    while action.state == "planifiee":
        delays.append(round((action.due_at - moment).total_seconds() / 60))
        moment = action.due_at
        with time_machine.travel(moment, tick=False):
            plan()
        action.refresh_from_db()
    assert delays == [5, 30, 120]
    assert action.state == "echec" and action.attempts == 4
    with time_machine.travel(moment, tick=False):
        [item] = worklist(user=owner)
    assert item.kind == "failed" and "n'a pas accepté" in item.detail
    assert [a.label for a in item.actions] == ["Réessayer", "Ignorer"]
    # Every attempt is journaled as a failed e-mail; nothing was sent.
    assert Communication.objects.filter(dossier=dossier, status="failed").count() == 4
    monkeypatch.undo()
    with time_machine.travel(moment, tick=False):
        result = action_send(action_id=action.pk, user=owner)
    assert result.state == "envoyee"


def test_two_claims_of_one_action_send_once(owner):
    dossier = due_dossier(owner, due=datetime.date(2026, 1, 5))
    with time_machine.travel(at(DAY), tick=False):
        plan(enqueue=False)
        action = PlannedAction.objects.get(dossier=dossier)
        first = action_send(action_id=action.pk)
        second = action_send(action_id=action.pk)
    assert first.state == "envoyee" and second is None
    assert Communication.objects.filter(dossier=dossier).count() == 1


def test_database_refuses_the_same_step_twice(owner):
    from django.db import IntegrityError, transaction

    dossier = due_dossier(owner, due=datetime.date(2026, 1, 5))
    with time_machine.travel(at(DAY), tick=False):
        plan()
    sent = PlannedAction.objects.get(dossier=dossier, state="envoyee")
    with pytest.raises(IntegrityError), transaction.atomic():
        PlannedAction.objects.create(
            dossier=dossier, run=sent.run, step=sent.step, state="ignoree", due_at=sent.due_at
        )


def test_interrupted_send_without_communication_is_marked_failed(owner, settings):
    """A worker killed mid-send: no communication recorded → failed for an agent to
    check, never sent again on its own."""
    dossier = due_dossier(owner, due=datetime.date(2026, 1, 5))
    with time_machine.travel(at(DAY), tick=False):
        plan(enqueue=False)
        PlannedAction.objects.filter(dossier=dossier).update(
            state="en_cours_envoi", claim_token="dead", claimed_at=at(DAY), attempts=1
        )
    with time_machine.travel(at(DAY) + datetime.timedelta(minutes=20), tick=False):
        report = plan()
    action = PlannedAction.objects.get(dossier=dossier)
    assert report.interrupted == 1
    assert action.state == "echec" and "interrompu" in action.error
    assert not Communication.objects.filter(dossier=dossier).exists()
    assert JournalEntry.objects.filter(dossier=dossier, data__interrupted=True).exists()


def test_interrupted_after_the_communication_was_recorded_counts_as_sent(owner):
    from contacts.messaging.services import email_send

    dossier = due_dossier(owner, due=datetime.date(2026, 1, 5))
    with time_machine.travel(at(DAY), tick=False):
        plan(enqueue=False)
        action = PlannedAction.objects.get(dossier=dossier)
        PlannedAction.objects.filter(pk=action.pk).update(
            state="en_cours_envoi", claim_token="dead", claimed_at=at(DAY), attempts=1
        )
        point = dossier.contact_points.get(kind="email")
        email_send(
            dossier=dossier,
            point=point,
            subject="",
            body="",
            template=action.step.template,
            user=None,
        )
    with time_machine.travel(at(DAY) + datetime.timedelta(minutes=20), tick=False):
        plan()
    action.refresh_from_db()
    assert action.state == "envoyee" and action.communication is not None
    assert Communication.objects.filter(dossier=dossier).count() == 1
    assert PlannedAction.objects.get(dossier=dossier, state="planifiee").step.order == 2


def test_admin_switch_stops_every_automatic_send(owner, manager, client):
    from relances.models import AutoSendSwitch

    dossier = due_dossier(owner, due=datetime.date(2026, 1, 5))
    client.force_login(manager)
    url = f"/admin/relances/autosendswitch/{AutoSendSwitch.objects.get().pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {})  # the checkbox unticked
    assert response.status_code == 302
    switch = AutoSendSwitch.objects.get()
    assert not switch.enabled and switch.changed_by == manager
    with time_machine.travel(at(DAY), tick=False):
        report = plan()
        assert action_send(action_id=PlannedAction.objects.get(dossier=dossier).pk) is None
    assert report.enqueued == 0
    assert not Communication.objects.filter(dossier=dossier).exists()
    switch.enabled = True
    switch.save()
    with time_machine.travel(at(DAY), tick=False):
        assert plan().enqueued == 1
    assert Communication.objects.filter(dossier=dossier).count() == 1
