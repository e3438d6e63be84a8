"""`manage.py relances --dry-run`: what would go out on a day, computed with the
planner's own rules, without writing anything."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.messaging.rendering import CommunicationError, message_render
from dossiers.models import Dossier

from .calendar import start_of_day
from .means import default_means_many, means_for
from .models import INSTALMENT_STATUSES, PlannedAction, ScenarioRun
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
from .sending import action_values


@dataclass(frozen=True)
class PreviewLine:
    reference: str
    step: str
    channel: str
    mode: str
    means: str  # the means it would use, or why it cannot
    text: str  # first line of the rendered text
    due_at: datetime.datetime


def _first_line(action: PlannedAction, dossier: Dossier, point) -> str:
    try:
        rendered = message_render(
            dossier=dossier,
            point=point,
            template=action.step.template,
            extra_values=action_values(action),
        )
    except CommunicationError as exc:
        return str(exc)
    lines = [line for line in (rendered.subject or rendered.body).splitlines() if line.strip()]
    return lines[0][:120] if lines else ""


def preview_day(day: datetime.date) -> list[PreviewLine]:
    now = max(timezone.now(), start_of_day(day))
    end = start_of_day(day + datetime.timedelta(days=1))
    book = StepBook()
    floor = tolerance()
    lines: list[PreviewLine] = []
    last_pk = 0
    while True:
        dossiers = list(
            Dossier.objects.filter(pk__gt=last_pk, status=Dossier.Status.IN_PROGRESS)
            .select_related("assigned_to")
            .order_by("pk")[: settings.RELANCES_BATCH_SIZE]
        )
        if not dossiers:
            return lines + instalment_lines(day=day, now=now, end=end, book=book)
        last_pk = dossiers[-1].pk
        ids = [d.pk for d in dossiers]
        amounts = scenario_amounts(ids)
        runs = {
            r.dossier_id: r
            for r in ScenarioRun.objects.filter(dossier_id__in=ids).exclude(
                state__in=[ScenarioRun.State.REPLACED, ScenarioRun.State.STOPPED]
            )
        }
        open_actions = {
            a.run_id: a
            for a in PlannedAction.objects.filter(
                dossier_id__in=ids,
                state__in=[PlannedAction.State.PLANNED, PlannedAction.State.TO_CONFIRM],
                instalment__isnull=True,
            )
        }
        contacts = recent_contacts(ids, now)
        defaults = default_means_many(ids)
        for dossier in dossiers:
            amount = amounts.get(dossier.pk, 0)
            if amount <= floor:
                continue
            run = runs.get(dossier.pk)
            if run is not None and run.state != ScenarioRun.State.ACTIVE:
                continue  # the scenario is over for this file
            if run is not None and run.is_paused(day):
                continue
            if run is None:
                scenario = book.scenario_for(kind=dossier.kind, amount=amount)
                if scenario is None:
                    continue
                run = ScenarioRun(dossier_id=dossier.pk, scenario=scenario, started_on=day)
            action = open_actions.get(run.pk) if run.pk else None
            if action is None:
                steps = book.steps_of(run.scenario_id)
                if run.last_step_id:
                    run.last_step = book.by_id[run.last_step_id]
                action = next_action_for(
                    run=run,
                    steps=steps,
                    oldest_due_date=dossier.oldest_due_date,
                    now=now,
                    contacts=contacts.get(dossier.pk, ()),
                )
                if action is None:
                    continue
            else:
                action.step = book.by_id.get(action.step_id) or action.step
            if action.due_at >= end:
                continue
            step = action.step
            means, text = "", ""
            if step.is_send:
                choice = means_for(dossier_id=dossier.pk, channel=step.action, defaults=defaults)
                if choice.point is None:
                    means = _("impossible : %(reason)s → « Rechercher les coordonnées »") % {
                        "reason": choice.reason
                    }
                else:
                    means = choice.point.display_value
                    text = _first_line(action, dossier, choice.point)
            else:
                means = _("tâche pour %(agent)s") % {
                    "agent": dossier.assigned_to.get_username() if dossier.assigned_to else "—"
                }
            lines.append(
                PreviewLine(
                    reference=dossier.reference,
                    step=f"{step.order}. {step.label}",
                    channel=step.get_action_display(),
                    mode=step.get_mode_display(),
                    means=means,
                    text=text,
                    due_at=max(action.due_at, now),
                )
            )


def instalment_lines(
    *, day: datetime.date, now: datetime.datetime, end: datetime.datetime, book: StepBook
) -> list[PreviewLine]:
    """The reminders around instalments that would go that day: those planned and
    still open, and those the planner would plan (files « en cours » or « paiement »)."""
    actions = list(
        PlannedAction.objects.filter(
            instalment__isnull=False,
            state__in=[PlannedAction.State.PLANNED, PlannedAction.State.TO_CONFIRM],
            due_at__lt=end,
            dossier__status__in=INSTALMENT_STATUSES,
        ).select_related("instalment", "step__scenario", "step__template", "dossier")
    )
    candidates = instalment_candidates(book=book, today=day, with_files=True)
    known = set(
        PlannedAction.objects.filter(
            instalment_id__in={instalment.pk for instalment, _s, _r in candidates}
        ).values_list("instalment_id", "step_id")
    )
    for instalment, step, run in candidates:
        if (instalment.pk, step.pk) in known:
            continue
        action = PlannedAction(
            dossier=instalment.promise.dossier,
            run=run,
            step=step,
            instalment=instalment,
            due_at=step_due_at(step, day=instalment_day(step, instalment, day), now=now),
        )
        if action.due_at < end:
            actions.append(action)
    defaults = default_means_many({a.dossier_id for a in actions})
    lines = []
    for action in actions:
        step, dossier = action.step, action.dossier
        choice = means_for(dossier_id=dossier.pk, channel=step.action, defaults=defaults)
        if choice.point is None:
            means, text = (
                _("impossible : %(reason)s → « Rechercher les coordonnées »")
                % {"reason": choice.reason},
                "",
            )
        else:
            means, text = choice.point.display_value, _first_line(action, dossier, choice.point)
        lines.append(
            PreviewLine(
                reference=dossier.reference,
                step=_("%(label)s (échéance du %(echeance_date)s, %(echeance_montant)s)")
                % {"label": step.label, **action_values(action)},
                channel=step.get_action_display(),
                mode=step.get_mode_display(),
                means=means,
                text=text,
                due_at=max(action.due_at, now),
            )
        )
    return lines
