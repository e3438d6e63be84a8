"""Planning uses a constant number of queries per batch, never one per file."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relances.models import PlannedAction
from relances.planner import plan

from .conftest import at, due_dossier

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 1, 12)


def planning_queries(owner, files: int, reference: str) -> int:
    for n in range(files):
        due_dossier(owner, due=datetime.date(2026, 1, 5), reference=f"{reference}-{n}")
    with time_machine.travel(at(DAY), tick=False), CaptureQueriesContext(connection) as ctx:
        plan(enqueue=False)
    return len(ctx)


def test_one_batch_costs_the_same_for_5_or_40_files(owner, settings):
    settings.RELANCES_BATCH_SIZE = 100
    few = planning_queries(owner, 5, "FEW")
    PlannedAction.objects.all().delete()
    from relances.models import PlannerLease, ScenarioRun

    ScenarioRun.objects.all().delete()
    PlannerLease.objects.all().delete()
    from dossiers.models import Dossier

    Dossier.objects.all().delete()
    many = planning_queries(owner, 40, "MANY")
    assert many == few
    assert PlannedAction.objects.count() == 40


def test_queries_grow_with_batches_not_files(owner, settings):
    settings.RELANCES_BATCH_SIZE = 10
    total = planning_queries(owner, 30, "B")  # 3 batches + the empty read that ends
    settings.RELANCES_BATCH_SIZE = 30
    from dossiers.models import Dossier
    from relances.models import PlannerLease, ScenarioRun

    PlannedAction.objects.all().delete()
    ScenarioRun.objects.all().delete()
    PlannerLease.objects.all().delete()
    Dossier.objects.all().delete()
    one_batch = planning_queries(owner, 30, "C")
    per_batch = (total - one_batch) / 2
    assert per_batch == int(per_batch) and per_batch <= 12
