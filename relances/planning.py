"""Pure planning rules: which scenario a file follows, which step comes next and when.

Shared by the batch planner, the worker (after a send) and the dry run, so that the
three can never disagree.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from dossiers.models import Receivable
from paiements.selectors import held_receivables

from .calendar import first_allowed_moment, next_allowed_moment, start_of_day
from .models import PlannedAction, Scenario, ScenarioRun, ScenarioStep


def tolerance() -> Decimal:
    return Decimal(str(settings.RELANCES_TOLERANCE))


def scenario_amounts(dossier_ids: Iterable[int]) -> dict[int, Decimal]:
    """The amount a step speaks of: the current balance of the receivables still in
    the scenario, by file, in one query: invoices in an open dispute are out of it."""
    rows = (
        Receivable.objects.filter(dossier_id__in=list(dossier_ids), balance__gt=0)
        .exclude(pk__in=held_receivables())
        .values("dossier_id")
        .annotate(total=Sum("balance"))
    )
    return {row["dossier_id"]: row["total"] for row in rows}


class StepBook:
    """Every active scenario and its steps, read once per planning run."""

    def __init__(self) -> None:
        scenarios = list(Scenario.objects.filter(active=True).order_by("priority", "name"))
        self.scenarios = {s.pk: s for s in scenarios}
        self.default = next((s for s in scenarios if s.is_default), None)
        self.ruled = [s for s in scenarios if not s.is_default]
        self.steps: dict[int, list[ScenarioStep]] = defaultdict(list)
        for step in ScenarioStep.objects.select_related("template", "scenario").order_by(
            "scenario_id", "order"
        ):
            self.steps[step.scenario_id].append(step)
        self.by_id = {step.pk: step for steps in self.steps.values() for step in steps}

    def scenario_for(self, *, kind: str, amount: Decimal) -> Scenario | None:
        for scenario in self.ruled:
            if scenario.matches(kind=kind, amount=amount):
                return scenario
        return self.default

    @staticmethod
    def steps_for_scenario(scenario_id: int) -> list[ScenarioStep]:
        return list(
            ScenarioStep.objects.filter(scenario_id=scenario_id)
            .select_related("template", "scenario")
            .order_by("order")
        )

    def steps_of(self, scenario_id: int) -> list[ScenarioStep]:
        if scenario_id not in self.steps:
            # An inactive scenario still followed by files (deactivated mid-run).
            self.steps[scenario_id] = self.steps_for_scenario(scenario_id)
            self.by_id.update({s.pk: s for s in self.steps[scenario_id]})
        return self.steps[scenario_id]


def next_step(
    steps: list[ScenarioStep], last_step: ScenarioStep | None, *, overdue: bool
) -> ScenarioStep | None:
    """The step after the last one done; before-due steps only while nothing is overdue."""
    for step in steps:
        if last_step is not None and step.order <= last_step.order:
            continue
        if step.before_due and overdue:
            continue
        return step
    return None


def step_day(
    step: ScenarioStep,
    *,
    run: ScenarioRun,
    oldest_due_date: datetime.date | None,
    today: datetime.date,
) -> datetime.date:
    """The step's date: its delay from its anchor, never before today (no burst, never
    backwards)."""
    first = run.last_step is None or run.last_step.before_due or step.before_due
    anchor = oldest_due_date if first else run.last_done_on
    if anchor is None:
        return today
    return max(anchor + datetime.timedelta(days=step.delay_days), today)


def step_due_at(
    step: ScenarioStep,
    *,
    day: datetime.date,
    now: datetime.datetime,
    contacts: Iterable[datetime.datetime] = (),
) -> datetime.datetime:
    """The first allowed moment on or after ``day`` for the step's channel. The cap and
    the gap count for sends only; an agent's task only needs a working day."""
    earliest = max(start_of_day(day), now)
    if step.is_send:
        return first_allowed_moment(step.action, earliest, contacts)
    return next_allowed_moment(step.action, earliest)


def recent_contacts(
    dossier_ids: Iterable[int], now: datetime.datetime
) -> dict[int, list[datetime.datetime]]:
    """When each file's automatic contacts went out within the cap's span, one query."""
    since = now - datetime.timedelta(days=settings.RELANCES_CAP_DAYS)
    rows = PlannedAction.objects.filter(
        dossier_id__in=list(dossier_ids),
        state=PlannedAction.State.SENT,
        done_at__gte=since,
    ).values_list("dossier_id", "done_at")
    contacts: dict[int, list[datetime.datetime]] = defaultdict(list)
    for dossier_id, done_at in rows:
        contacts[dossier_id].append(done_at)
    return contacts


def next_action_for(
    *,
    run: ScenarioRun,
    steps: list[ScenarioStep],
    oldest_due_date: datetime.date | None,
    now: datetime.datetime,
    contacts: Iterable[datetime.datetime] = (),
) -> PlannedAction | None:
    """The (unsaved) next action of a run, or None when the scenario is over."""
    today = timezone.localdate(now)
    overdue = oldest_due_date is not None and oldest_due_date < today
    step = next_step(steps, run.last_step, overdue=overdue)
    if step is None:
        return None
    day = step_day(step, run=run, oldest_due_date=oldest_due_date, today=today)
    return PlannedAction(
        dossier_id=run.dossier_id,
        run=run,
        step=step,
        due_at=step_due_at(step, day=day, now=now, contacts=contacts),
        created_at=now,
    )
