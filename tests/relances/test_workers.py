"""Real worker processes on PostgreSQL: several workers and two planners at once send
each action exactly once; a worker killed with SIGKILL mid-send leaves the action
failed for an agent to check, never lost and never silently sent twice."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from contacts.models import Communication
from relances.models import PlannedAction
from relances.planner import plan

from .conftest import due_dossier
from .processes import child_env, manage, smtp_sink, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FILES = 40


@pytest.fixture(autouse=True)
def _postgres_only(settings):
    if connection.vendor != "postgresql":
        pytest.skip("real worker processes share the database: run with DATABASE_URL=postgres://…")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _stop(processes):
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_three_workers_and_two_planners_send_each_action_once(owner, tmp_path):
    long_ago = timezone.localdate() - datetime.timedelta(days=40)
    dossiers = [due_dossier(owner, due=long_ago, reference=f"EXA-{n:03d}") for n in range(FILES)]
    sink, controller = smtp_sink()
    env = child_env(smtp_port=controller.port, tmp_path=tmp_path)
    workers = [
        manage("db_worker", "--interval", "0.1", "--no-reload", "--no-startup-delay", env=env)
        for _ in range(3)
    ]
    try:
        planners = [manage("relances", env=env) for _ in range(2)]
        outputs = [p.communicate(timeout=120)[0] for p in planners]
        # One planner planned; the other ran after it or was refused while it ran.
        assert any("envoi(s) mis en file" in out for out in outputs), outputs
        # The queue delivers a chunk twice: the claims still send each action once.
        from relances.tasks import actions_send

        ids = list(PlannedAction.objects.values_list("pk", flat=True))
        actions_send.enqueue(action_ids=ids)
        assert wait_until(
            lambda: (
                PlannedAction.objects.filter(state="envoyee").count() == FILES
                and not _pending_tasks()
            ),
            timeout=120,
        ), (list(PlannedAction.objects.values_list("state", flat=True)), _task_states())
        # Another planning round while workers run: nothing is planned twice.
        again = manage("relances", env=env)
        again.communicate(timeout=60)
    finally:
        _stop(workers)
        controller.stop()
    assert len(sink.messages) == FILES
    recipients = sorted(
        line.split(b":", 1)[1].strip()
        for message in sink.messages
        for line in message.splitlines()
        if line.startswith(b"To:")
    )
    assert len(set(recipients)) == FILES
    for dossier in dossiers:
        assert Communication.objects.filter(dossier=dossier, channel="email").count() == 1
        sent = PlannedAction.objects.filter(dossier=dossier, state="envoyee")
        assert [a.step.order for a in sent] == [1]
        assert PlannedAction.objects.filter(dossier=dossier, state="planifiee").count() == 1


def test_instalment_reminders_once_with_three_workers_and_two_planners(owner, tmp_path):
    """Files « paiement » whose instalment is due in two days: the reminder goes, once
    per file, while their regular steps wait."""
    from paiements.services import promise_create

    today = timezone.localdate()
    long_ago = today - datetime.timedelta(days=40)
    dossiers = [due_dossier(owner, due=long_ago, reference=f"ECH-{n:03d}") for n in range(FILES)]
    for dossier in dossiers:
        promise_create(
            dossier=dossier,
            plan=[(today + datetime.timedelta(days=2), Decimal("500.00"))],
            today=today,
            user=owner,
        )
    sink, controller = smtp_sink()
    env = child_env(smtp_port=controller.port, tmp_path=tmp_path)
    workers = [
        manage("db_worker", "--interval", "0.1", "--no-reload", "--no-startup-delay", env=env)
        for _ in range(3)
    ]
    reminders = PlannedAction.objects.filter(instalment__isnull=False)
    try:
        planners = [manage("relances", env=env) for _ in range(2)]
        outputs = [p.communicate(timeout=120)[0] for p in planners]
        assert any("envoi(s) mis en file" in out for out in outputs), outputs
        from relances.tasks import actions_send

        actions_send.enqueue(action_ids=list(reminders.values_list("pk", flat=True)))
        assert wait_until(
            lambda: reminders.filter(state="envoyee").count() == FILES and not _pending_tasks(),
            timeout=120,
        ), (list(reminders.values_list("state", flat=True)), _task_states())
        again = manage("relances", env=env)
        again.communicate(timeout=60)
    finally:
        _stop(workers)
        controller.stop()
    assert len(sink.messages) == FILES
    assert reminders.count() == FILES
    for dossier in dossiers:
        assert Communication.objects.filter(dossier=dossier, channel="email").count() == 1
        # The regular first step waits: the file is « paiement ».
        assert (
            PlannedAction.objects.filter(
                dossier=dossier, instalment__isnull=True, state="planifiee"
            ).count()
            == 1
        )


def _task_states():
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.values_list("status", flat=True))


def _pending_tasks() -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()


def test_sigkill_mid_send_is_never_lost_nor_sent_twice(owner, tmp_path):
    dossier = due_dossier(
        owner, due=timezone.localdate() - datetime.timedelta(days=40), reference="KILL-1"
    )
    # The SMTP server has the message, but the worker dies before it hears « 250 ».
    sink, controller = smtp_sink(hold=30)
    env = child_env(smtp_port=controller.port, tmp_path=tmp_path)
    worker = manage("db_worker", "--interval", "0.1", "--no-reload", "--no-startup-delay", env=env)
    try:
        planner = manage("relances", env=env)
        planner.communicate(timeout=60)
        assert sink.received.wait(timeout=60), "the worker never reached the SMTP server"
        os.kill(worker.pid, signal.SIGKILL)
        worker.communicate(timeout=10)
        action = PlannedAction.objects.get(dossier=dossier)
        assert action.state == "en_cours_envoi"
        # The next planning round after the lease: failed, shown to the agent.
        plan(now=timezone.now() + datetime.timedelta(minutes=20), enqueue=False)
        action.refresh_from_db()
        assert action.state == "echec"
        assert "interrompu" in action.error
        # Later rounds and workers never send it again on their own.
        worker = manage("db_worker", "--batch", "--no-reload", "--no-startup-delay", env=env)
        manage("relances", env=env).communicate(timeout=60)
        worker.communicate(timeout=60)
    finally:
        _stop([worker])
        controller.stop()
    assert len(sink.messages) == 1
    action.refresh_from_db()
    assert action.state == "echec"
    assert not Communication.objects.filter(dossier=dossier, status="sent").exists()
