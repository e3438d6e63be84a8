"""Writes of the agents on reminders: change, pause and resume a file's scenario; send,
ignore or close the actions of the worklist. One transaction each, journaled."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier
from dossiers.services import dossier_lock, journal_record

from .models import PlannedAction, Scenario, ScenarioRun
from .planning import StepBook, next_action_for, recent_contacts
from .sending import ActionUnavailable, action_send, run_advance

REMINDER = "relance"
State = PlannedAction.State


def active_run(dossier_id: int) -> ScenarioRun | None:
    return (
        ScenarioRun.objects.select_related("scenario", "last_step")
        .filter(dossier_id=dossier_id, state=ScenarioRun.State.ACTIVE)
        .first()
    )


@transaction.atomic
def scenario_change(*, dossier: Dossier, scenario: Scenario, user) -> ScenarioRun:
    """Put the file in another scenario: the old one's pending action is cancelled, the
    new one starts at its first step, dated today at the earliest (never backwards)."""
    dossier = dossier_lock(dossier_id=dossier.pk)
    if not scenario.active:
        raise ValidationError(_("Ce scénario n'est pas actif."))
    now = timezone.now()
    previous = active_run(dossier.pk)
    if previous is not None:
        if previous.scenario_id == scenario.pk:
            return previous
        if previous.actions.filter(state=State.SENDING).exists():
            raise ValidationError(
                _("Un envoi de ce dossier est en cours : réessayez dans un instant.")
            )
        previous.actions.filter(state__in=PlannedAction.OPEN_STATES).update(
            state=State.CANCELLED, done_at=now, done_by=user
        )
        previous.state, previous.ended_at = ScenarioRun.State.REPLACED, now
        previous.save(update_fields=["state", "ended_at"])
    run = ScenarioRun.objects.create(
        dossier=dossier, scenario=scenario, started_on=timezone.localdate(now)
    )
    action = next_action_for(
        run=run,
        steps=StepBook.steps_for_scenario(scenario.pk),
        oldest_due_date=dossier.oldest_due_date,
        now=now,
        contacts=recent_contacts([dossier.pk], now).get(dossier.pk, ()),
    )
    if action is not None:
        action.save()
    journal_record(
        dossier=dossier,
        action=REMINDER,
        actor=user,
        message=_("Scénario de relance changé : %(old)s → « %(new)s ».")
        % {
            "old": f"« {previous.scenario.name} »" if previous else _("aucun"),
            "new": scenario.name,
        },
        data={"scenario": scenario.pk, "previous": previous.scenario_id if previous else None},
    )
    return run


@transaction.atomic
def run_pause(*, dossier: Dossier, until: datetime.date, reason: str, user) -> ScenarioRun:
    """Suspend the file's scenario until a date, with a reason."""
    dossier_lock(dossier_id=dossier.pk)
    reason = (reason or "").strip()
    if until is None or until <= timezone.localdate():
        raise ValidationError(_("Choisissez une date de reprise postérieure à aujourd'hui."))
    if not reason:
        raise ValidationError(_("Indiquez le motif de la suspension."))
    run = active_run(dossier.pk)
    if run is None:
        raise ValidationError(_("Ce dossier ne suit aucun scénario de relance."))
    run.paused_until, run.pause_reason = until, reason[:200]
    run.save(update_fields=["paused_until", "pause_reason"])
    journal_record(
        dossier=dossier,
        action=REMINDER,
        actor=user,
        message=_("Relances suspendues jusqu'au %(date)s : %(reason)s")
        % {"date": until.strftime("%d/%m/%Y"), "reason": run.pause_reason},
        data={"scenario": run.scenario_id, "paused_until": until.isoformat()},
    )
    return run


@transaction.atomic
def run_resume(*, dossier: Dossier, user) -> ScenarioRun:
    """Resume now: the next step goes out at the first allowed moment from today."""
    dossier_lock(dossier_id=dossier.pk)
    run = active_run(dossier.pk)
    if run is None or not run.is_paused(timezone.localdate()):
        # Past its date, a pause is over by itself: nothing to resume.
        raise ValidationError(_("Les relances de ce dossier ne sont pas suspendues."))
    run.paused_until, run.pause_reason = None, ""
    run.save(update_fields=["paused_until", "pause_reason"])
    journal_record(
        dossier=dossier,
        action=REMINDER,
        actor=user,
        message=_("Relances reprises."),
        data={"scenario": run.scenario_id, "resumed": True},
    )
    return run


def _close(*, action: PlannedAction, state: str, from_states, user, message: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        dossier_lock(dossier_id=action.dossier_id)
        closed = PlannedAction.objects.filter(pk=action.pk, state__in=from_states).update(
            state=state, done_at=now, done_by=user
        )
        if not closed:
            raise ActionUnavailable(_("Cette action a déjà été traitée."))
        journal_record(
            dossier=action.dossier_id,
            action=REMINDER,
            actor=user,
            message=message,
            data={
                "scenario": action.step.scenario_id,
                "step": action.step_id,
                "step_label": action.step.label,
                "planned_action": action.pk,
                "state": state,
            },
        )
        if action.instalment_id is None:
            # A reminder around an instalment never moves the scenario on.
            run_advance(action=action, now=now)


def action_ignore(*, action: PlannedAction, user) -> None:
    """Skip the step: nothing is sent, the scenario goes on with the next one."""
    _close(
        action=action,
        state=State.IGNORED,
        from_states=[State.TO_CONFIRM, State.FAILED, State.PLANNED],
        user=user,
        message=_("Étape « %(label)s » ignorée.") % {"label": action.step.label},
    )


def action_task_done(*, action: PlannedAction, user) -> None:
    """An agent's task (a call, another task) is done."""
    if action.step.is_send:
        raise ActionUnavailable(_("Cette étape est un envoi : envoyez-la ou ignorez-la."))
    _close(
        action=action,
        state=State.DONE,
        from_states=[State.TO_CONFIRM, State.PLANNED],
        user=user,
        message=_("Tâche « %(label)s » faite.") % {"label": action.step.label},
    )


def action_confirm_send(*, action: PlannedAction, user) -> PlannedAction:
    """« Envoyer » from the worklist: send now through the file's default means."""
    result = action_send(action_id=action.pk, user=user)
    assert result is not None  # a user's send raises instead of returning None
    return result
