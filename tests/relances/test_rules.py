"""Which scenario a file follows, and before-due steps."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from contacts.models import Communication, MessageTemplate
from relances.models import PlannedAction, Scenario, ScenarioRun, ScenarioStep
from relances.planner import plan

from .conftest import at, due_dossier

pytestmark = pytest.mark.django_db


def email_template():
    return MessageTemplate.objects.get(channel="email", name="Rappel courtois")


def test_rules_choose_the_scenario_else_the_default(owner):
    big = Scenario.objects.create(
        name="Gros encours",
        priority=1,
        min_outstanding=Decimal("10000"),
        dossier_kind="professionnel",
    )
    ScenarioStep.objects.create(
        scenario=big, order=1, label="Appel direct", delay_days=2, action="call", mode="task"
    )
    large = due_dossier(owner, due=datetime.date(2026, 1, 5), amount="25000.00", reference="BIG")
    small = due_dossier(owner, due=datetime.date(2026, 1, 5), amount="800.00", reference="SMALL")
    with time_machine.travel(at(datetime.date(2026, 1, 8)), tick=False):
        plan()
    assert ScenarioRun.objects.get(dossier=large).scenario == big
    assert ScenarioRun.objects.get(dossier=small).scenario.is_default


def test_before_due_step_runs_only_while_nothing_is_overdue(owner):
    scenario = Scenario.objects.create(name="Préventif", priority=1)
    ScenarioStep.objects.create(
        scenario=scenario,
        order=1,
        label="Rappel avant échéance",
        delay_days=-5,
        action="email",
        template=email_template(),
        mode="auto",
    )
    ScenarioStep.objects.create(
        scenario=scenario,
        order=2,
        label="Relance",
        delay_days=5,
        action="email",
        template=email_template(),
        mode="auto",
    )
    due = datetime.date(2026, 1, 20)  # a Tuesday
    early = due_dossier(owner, due=due, reference="EARLY")
    late = due_dossier(owner, due=datetime.date(2025, 12, 1), reference="LATE")
    for offset in range(0, 12):
        with time_machine.travel(
            at(datetime.date(2026, 1, 12) + datetime.timedelta(days=offset)), tick=False
        ):
            plan()
    early_steps = [
        a.step.order for a in PlannedAction.objects.filter(dossier=early, state="envoyee")
    ]
    late_steps = [a.step.order for a in PlannedAction.objects.filter(dossier=late, state="envoyee")]
    assert early_steps == [1]  # J−5: 15/01, then J+5 of the due date is 25/01 (later)
    first = Communication.objects.get(dossier=early)
    assert first.created_at.date() == datetime.date(2026, 1, 15)
    assert late_steps == [2]  # overdue from the start: the before-due step is skipped


def test_step_constraint_refuses_a_send_without_template():
    from django.db import IntegrityError

    scenario = Scenario.objects.create(name="Incomplet")
    with pytest.raises(IntegrityError):
        ScenarioStep.objects.create(
            scenario=scenario, order=1, label="E-mail", delay_days=1, action="email", mode="auto"
        )


def test_one_default_scenario_only():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Scenario.objects.create(name="Autre défaut", is_default=True)
