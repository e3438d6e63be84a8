"""The day's planning, in batches with a constant number of queries each.

For every file: enter the scenario its rules choose (status « en cours », outstanding
above the tolerance), leave it when the outstanding falls below the tolerance, and
materialise its one next action. Then what is due now is released: steps to confirm
and tasks to the worklist, automatic sends to the task queue (only when « Envoi
automatique activé »). Runs are serialised by a lease; a run dated before the last
one is refused.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Communication
from dossiers.models import Dossier, JournalEntry
from paiements.selectors import remindable_q
from paiements.services import promises_evaluate

from .models import (
    ENROLLED_STATUSES,
    INSTALMENT_STATUSES,
    PlannedAction,
    PlannerLease,
    ScenarioRun,
    ScenarioStep,
    auto_send_enabled,
)
from .planning import (
    StepBook,
    instalment_candidates,
    instalment_day,
    next_action_for,
    recent_contacts,
    scenario_amounts,
    step_due_at,
    tolerance,
)

logger = logging.getLogger(__name__)

State = PlannedAction.State
SEND_CHUNK = 50  # actions per queued task
LEASE = datetime.timedelta(minutes=30)


class PlannerRefused(Exception):
    """Another planner is running, or the date is before the last run."""


@dataclass
class PlanReport:
    batches: int = 0
    enrolled: int = 0
    planned: int = 0
    instalment_planned: int = 0
    instalment_cancelled: int = 0
    stopped: int = 0
    finished: int = 0
    to_confirm: int = 0
    enqueued: int = 0
    interrupted: int = 0
    errors: list[str] = field(default_factory=list)


def _lease_take(now: datetime.datetime) -> str:
    PlannerLease.objects.get_or_create(key="planner")
    token = uuid.uuid4().hex
    taken = (
        PlannerLease.objects.filter(key="planner")
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now()))
        .update(holder=token, lease_until=timezone.now() + LEASE)
    )
    if not taken:
        raise PlannerRefused(_("Un autre planificateur est en cours : exécution refusée."))
    lease = PlannerLease.objects.get(key="planner")
    if lease.last_run_on and timezone.localdate(now) < lease.last_run_on:
        _lease_release(token, None)
        raise PlannerRefused(
            _("Date antérieure au dernier planning (%(date)s) : exécution refusée.")
            % {"date": lease.last_run_on.strftime("%d/%m/%Y")}
        )
    return token


def _lease_release(token: str, day: datetime.date | None) -> None:
    values = {"holder": "", "lease_until": None}
    if day is not None:
        values["last_run_on"] = day
    PlannerLease.objects.filter(key="planner", holder=token).update(**values)


def plan(*, now: datetime.datetime | None = None, enqueue: bool = True) -> PlanReport:
    """Plan every file and release what is due. Raises PlannerRefused."""
    now = now or timezone.now()
    token = _lease_take(now)
    report = PlanReport()
    try:
        # Payments first: a promise broken today puts its file back « en cours », a
        # kept one holds it, before the day's reminders are planned (no reminder
        # after paying).
        promises_evaluate(today=timezone.localdate(now))
        interrupted_recover(now=now, report=report)
        book = StepBook()
        last_pk = 0
        while True:
            rows = list(
                Dossier.objects.filter(pk__gt=last_pk)
                .order_by("pk")
                .values("pk", "reference", "status", "kind", "oldest_due_date")[
                    : settings.RELANCES_BATCH_SIZE
                ]
            )
            if not rows:
                break
            last_pk = rows[-1]["pk"]
            plan_batch(rows=rows, book=book, now=now, report=report)
        plan_instalments(book=book, now=now, report=report)
        release_due(now=now, report=report, enqueue=enqueue)
    finally:
        _lease_release(token, timezone.localdate(now))
    return report


def _journal(dossier_id: int, message: str, data: dict) -> JournalEntry:
    # Bulk twin of dossiers.services.journal_record, for a whole batch in one INSERT.
    return JournalEntry(
        dossier_id=dossier_id,
        action=JournalEntry.Action.REMINDER,
        actor_kind=JournalEntry.ActorKind.SYSTEM,
        message=message,
        data=data,
    )


@transaction.atomic
def plan_batch(*, rows: list[dict], book: StepBook, now: datetime.datetime, report: PlanReport):
    """One batch of files: seven queries whatever its size."""
    report.batches += 1
    today = timezone.localdate(now)
    ids = [row["pk"] for row in rows]
    amounts = scenario_amounts(ids)
    runs = {
        run.dossier_id: run
        for run in ScenarioRun.objects.filter(dossier_id__in=ids, state=ScenarioRun.State.ACTIVE)
    }
    finished_before = set(
        ScenarioRun.objects.filter(
            dossier_id__in=ids, state=ScenarioRun.State.FINISHED
        ).values_list("dossier_id", flat=True)
    )
    open_runs = set(
        PlannedAction.objects.filter(
            run_id__in=[run.pk for run in runs.values()],
            state__in=PlannedAction.OPEN_STATES,
            instalment__isnull=True,
        ).values_list("run_id", flat=True)
    )
    contacts = recent_contacts(ids, now)
    floor = tolerance()
    new_runs, stops, to_plan, journal = [], [], [], []
    for row in rows:
        amount = amounts.get(row["pk"], 0)
        run = runs.get(row["pk"])
        if run is None:
            # A file whose promise runs enters its scenario too: the regular steps
            # wait, the reminders around its instalments go.
            if row["status"] not in ENROLLED_STATUSES or amount <= floor:
                continue
            if row["pk"] in finished_before:
                continue
            scenario = book.scenario_for(kind=row["kind"], amount=amount)
            if scenario is None:
                continue
            run = ScenarioRun(dossier_id=row["pk"], scenario=scenario, started_on=today)
            new_runs.append((row, run))
            journal.append(
                _journal(
                    row["pk"],
                    _("Scénario de relance « %(name)s » appliqué.") % {"name": scenario.name},
                    {"scenario": scenario.pk, "scenario_name": scenario.name},
                )
            )
        elif amount <= floor:
            stops.append(run)
            journal.append(
                _journal(
                    row["pk"],
                    _("Relances arrêtées : encours sous le seuil de %(floor)s €.")
                    % {"floor": floor},
                    {"scenario": run.scenario_id, "stopped": True},
                )
            )
        elif run.pk not in open_runs:
            to_plan.append((row, run))
    if new_runs:
        ScenarioRun.objects.bulk_create([run for _row, run in new_runs])
        report.enrolled += len(new_runs)
        to_plan.extend(new_runs)
    if stops:
        stop_ids = [run.pk for run in stops]
        ScenarioRun.objects.filter(pk__in=stop_ids).update(
            state=ScenarioRun.State.STOPPED, ended_at=now
        )
        PlannedAction.objects.filter(
            run_id__in=stop_ids, state__in=[State.PLANNED, State.TO_CONFIRM, State.FAILED]
        ).update(state=State.CANCELLED, done_at=now)
        report.stopped += len(stops)
    actions, finished = [], []
    for row, run in to_plan:
        steps = book.steps_of(run.scenario_id)
        if run.last_step_id is not None:
            run.last_step = book.by_id[run.last_step_id]
        action = next_action_for(
            run=run,
            steps=steps,
            oldest_due_date=row["oldest_due_date"],
            now=now,
            contacts=contacts.get(row["pk"], ()),
        )
        if action is None:
            finished.append(run.pk)
            journal.append(
                _journal(row["pk"], _("Scénario de relance terminé."), {"finished": True})
            )
        else:
            actions.append(action)
    if actions:
        # Conflicts mean a worker planned the same next step meanwhile: keep its row.
        PlannedAction.objects.bulk_create(actions, ignore_conflicts=True)
        report.planned += len(actions)
    if finished:
        ScenarioRun.objects.filter(pk__in=finished).update(
            state=ScenarioRun.State.FINISHED, ended_at=now
        )
        report.finished += len(finished)
    if journal:
        JournalEntry.objects.bulk_create(journal)


def _due(now: datetime.datetime):
    today = timezone.localdate(now)
    return PlannedAction.objects.filter(
        Q(instalment__isnull=True, dossier__status=Dossier.Status.IN_PROGRESS)
        | Q(instalment__isnull=False, dossier__status__in=INSTALMENT_STATUSES),
        state=State.PLANNED,
        due_at__lte=now,
        run__state=ScenarioRun.State.ACTIVE,
    ).exclude(run__paused_until__gt=today)


@transaction.atomic
def plan_instalments(*, book: StepBook, now: datetime.datetime, report: PlanReport) -> None:
    """The reminders around the instalments of promises: first the open ones that no
    longer apply (the instalment was paid, the promise ended or was replaced) are
    cancelled, then each (instalment, step) due today is materialised once — the
    unique constraint on (instalment, step) makes a second one impossible. A fixed
    number of queries, whatever the number of promises."""
    today = timezone.localdate(now)
    for kind in ScenarioStep.INSTALMENT_KINDS:
        report.instalment_cancelled += (
            PlannedAction.objects.filter(
                step__kind=kind,
                instalment__isnull=False,
                state__in=[State.PLANNED, State.TO_CONFIRM, State.FAILED],
            )
            .exclude(remindable_q(kind, today=today, prefix="instalment__"))
            .update(state=State.CANCELLED, done_at=now)
        )
    candidates = instalment_candidates(book=book, today=today)
    if not candidates:
        return
    done = set(
        PlannedAction.objects.filter(
            instalment_id__in={instalment.pk for instalment, _s, _r in candidates}
        ).values_list("instalment_id", "step_id")
    )
    fresh = [(i, s, r) for i, s, r in candidates if (i.pk, s.pk) not in done]
    contacts = recent_contacts({run.dossier_id for _i, _s, run in fresh}, now)
    actions = [
        PlannedAction(
            dossier_id=run.dossier_id,
            run=run,
            step=step,
            instalment=instalment,
            due_at=step_due_at(
                step,
                day=instalment_day(step, instalment, today),
                now=now,
                contacts=contacts.get(run.dossier_id, ()),
            ),
            created_at=now,
        )
        for instalment, step, run in fresh
    ]
    # Conflicts: another planner materialised the same reminder meanwhile.
    PlannedAction.objects.bulk_create(actions, ignore_conflicts=True)
    report.instalment_planned += len(actions)


def release_due(*, now: datetime.datetime, report: PlanReport, enqueue: bool = True) -> None:
    """Due steps to confirm and tasks go to the worklist; due sends to the queue."""
    from .tasks import actions_send

    report.to_confirm += (
        _due(now).exclude(step__mode=ScenarioStep.Mode.AUTO).update(state=State.TO_CONFIRM)
    )
    if not enqueue or not auto_send_enabled():
        return
    stale = now - datetime.timedelta(minutes=settings.RELANCES_SENDING_LEASE_MINUTES)
    ids = list(
        _due(now)
        .filter(step__mode=ScenarioStep.Mode.AUTO)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), SEND_CHUNK):
        chunk = ids[start : start + SEND_CHUNK]
        PlannedAction.objects.filter(pk__in=chunk).update(enqueued_at=now)
        actions_send.enqueue(action_ids=chunk)
        report.enqueued += len(chunk)


def interrupted_recover(*, now: datetime.datetime, report: PlanReport) -> None:
    """Sends left « en cours d'envoi » by a killed worker: if the communication was
    recorded as sent, the action is sent; otherwise nobody can tell whether the SMTP
    server or the provider accepted it, so it is marked failed for an agent to check,
    never sent again on its own."""
    from .sending import action_mark_interrupted

    stale = now - datetime.timedelta(minutes=settings.RELANCES_SENDING_LEASE_MINUTES)
    for action in PlannedAction.objects.filter(state=State.SENDING, claimed_at__lt=stale):
        communication = (
            Communication.objects.filter(
                dossier_id=action.dossier_id,
                channel=action.step.action,
                created_at__gte=action.claimed_at,
                sent_by__isnull=True,
                status__in=[Communication.Status.SENT, Communication.Status.GENERATED],
            )
            .order_by("created_at")
            .first()
        )
        action_mark_interrupted(action=action, communication=communication, now=now)
        report.interrupted += 1
