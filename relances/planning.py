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
from paiements.models import Instalment
from paiements.selectors import held_receivables, instalment_reminders

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
        self.instalment_steps: dict[int, list[ScenarioStep]] = defaultdict(list)
        self.by_id: dict[int, ScenarioStep] = {}
        for step in ScenarioStep.objects.select_related("template", "scenario").order_by(
            "scenario_id", "order"
        ):
            self._add(step)
        for scenario_id in set(self.scenarios) | set(self.instalment_steps):
            self.steps.setdefault(scenario_id, [])

    def _add(self, step: ScenarioStep) -> None:
        # The regular progression never sees the steps around a promise's instalments.
        book = self.instalment_steps if step.is_instalment else self.steps
        book[step.scenario_id].append(step)
        self.by_id[step.pk] = step

    def scenario_for(self, *, kind: str, amount: Decimal) -> Scenario | None:
        for scenario in self.ruled:
            if scenario.matches(kind=kind, amount=amount):
                return scenario
        return self.default

    @staticmethod
    def steps_for_scenario(scenario_id: int) -> list[ScenarioStep]:
        """The regular steps of a scenario, in order."""
        return list(
            ScenarioStep.objects.filter(scenario_id=scenario_id, kind=ScenarioStep.Kind.REGULAR)
            .select_related("template", "scenario")
            .order_by("order")
        )

    def _load(self, scenario_id: int) -> None:
        if scenario_id not in self.steps:
            # An inactive scenario still followed by files (deactivated mid-run).
            self.steps[scenario_id] = []
            for step in (
                ScenarioStep.objects.filter(scenario_id=scenario_id)
                .select_related("template", "scenario")
                .order_by("order")
            ):
                self._add(step)

    def steps_of(self, scenario_id: int) -> list[ScenarioStep]:
        self._load(scenario_id)
        return self.steps[scenario_id]

    def instalment_steps_of(self, scenario_id: int) -> list[ScenarioStep]:
        self._load(scenario_id)
        return self.instalment_steps.get(scenario_id, [])


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


#: A planner that did not run for a few days still sends a follow-up after a missed
#: instalment; older ones are not sent (no burst when the step is added to a scenario).
INSTALMENT_CATCH_UP_DAYS = 7


def instalment_window(step: ScenarioStep, due_date: datetime.date) -> tuple[datetime.date, ...]:
    """The days a reminder around an instalment due on ``due_date`` may be planned:
    from N days before to the due day itself; from N days after a missed one to a
    week later."""
    delta = datetime.timedelta(days=step.delay_days)
    if step.kind == ScenarioStep.Kind.BEFORE_INSTALMENT:
        return (due_date - delta, due_date)
    start = due_date + delta
    return (start, start + datetime.timedelta(days=INSTALMENT_CATCH_UP_DAYS))


def instalment_candidates(
    *, book: StepBook, today: datetime.date, dossier_ids=None, with_files: bool = False
) -> list[tuple[Instalment, ScenarioStep, ScenarioRun]]:
    """The reminders around instalments that may be planned today, by the scenario
    each file follows: (instalment, step, run). Three queries (two of
    ``paiements.selectors.instalment_reminders``, the files' active runs); a file
    that follows no scenario gets none. ``with_files``: each instalment's promise comes
    with its file (the dry run renders the messages; the planner needs only ids)."""
    steps = [step for group in book.instalment_steps.values() for step in group]
    before = [s.delay_days for s in steps if s.kind == ScenarioStep.Kind.BEFORE_INSTALMENT]
    after = [s.delay_days for s in steps if s.kind == ScenarioStep.Kind.AFTER_MISSED]
    found = instalment_reminders(
        today=today,
        days_before=max(before) if before else None,
        days_after=min(after) if after else None,
        catch_up_days=(max(after) - min(after) + INSTALMENT_CATCH_UP_DAYS) if after else 0,
        dossier_ids=dossier_ids,
        with_files=with_files,
    )
    concerned = {i.promise.dossier_id for group in found.values() for i in group}
    runs = (
        {
            run.dossier_id: run
            for run in ScenarioRun.objects.filter(
                dossier_id__in=concerned, state=ScenarioRun.State.ACTIVE
            )
        }
        if concerned
        else {}
    )
    kinds = {
        "before": ScenarioStep.Kind.BEFORE_INSTALMENT,
        "after": ScenarioStep.Kind.AFTER_MISSED,
    }
    candidates = []
    for key, instalments in found.items():
        for instalment in instalments:
            run = runs.get(instalment.promise.dossier_id)
            if run is None:
                continue
            for step in book.instalment_steps_of(run.scenario_id):
                if step.kind != kinds[key]:
                    continue
                first, last = instalment_window(step, instalment.due_date)
                if first <= today <= last:
                    candidates.append((instalment, step, run))
    return candidates


def instalment_day(step: ScenarioStep, instalment: Instalment, today: datetime.date):
    """The day a reminder around an instalment goes: N days before or after it, never
    before today."""
    first, _last = instalment_window(step, instalment.due_date)
    return max(first, today)
