"""The same scenario on RQ (django-tasks-rq on Redis db 3): the queue is a setting.
Skipped cleanly when no Redis answers at 127.0.0.1:6379."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from contacts.models import Communication
from relances.models import PlannedAction
from relances.planner import plan
from tests.redis_server import redis_or_skip

from .conftest import at, due_dossier

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/3"
DUE = datetime.date(2026, 1, 5)


@pytest.fixture
def rq_backend(settings):
    connection = redis_or_skip(REDIS_URL)
    connection.flushdb()  # db 3 belongs to these tests
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    yield connection
    connection.flushdb()


def _work():
    """Run the queued jobs as an RQ worker would (in this process: same test database)."""
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    queue = django_rq.get_queue("default", job_class=Job)
    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    worker.work(burst=True)


def test_first_steps_of_the_scenario_through_rq(owner, rq_backend):
    dossier = due_dossier(owner, due=DUE)
    for day, channel in (
        (datetime.date(2026, 1, 12), "email"),
        (datetime.date(2026, 1, 22), "sms"),
    ):
        with time_machine.travel(at(day), tick=False):
            report = plan()
            assert report.enqueued == 1
            assert not Communication.objects.filter(dossier=dossier, channel=channel).exists()
            _work()  # the send happens in the worker, not in the planner
        assert Communication.objects.filter(dossier=dossier, channel=channel).count() == 1
    assert [a.state for a in PlannedAction.objects.filter(dossier=dossier).order_by("pk")] == [
        "envoyee",
        "envoyee",
        "planifiee",
    ]
