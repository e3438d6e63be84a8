"""Doing one planned action: claim it, check it may still go, send it through the
file's default means with the public services of ``contacts.messaging``, record the
outcome and plan the next step.

Exactly once: a worker claims an action with ONE conditional UPDATE (planifiée or
à confirmer → en cours d'envoi, with a fresh claim token); of two workers only one
gets the row. Every later write checks the token. The send itself happens outside
any transaction (the messaging services' rule: no write lock held while SMTP answers).
"""

from __future__ import annotations

import datetime
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from contacts.messaging.placeholders import instalment_values
from contacts.messaging.services import CommunicationError, email_send, letter_send, sms_send
from contacts.models import Communication
from dossiers.models import Dossier
from dossiers.services import journal_record, user_label
from paiements.selectors import instalments_remindable

from .means import means_for
from .models import INSTALMENT_STATUSES, PlannedAction, ScenarioRun, auto_send_enabled
from .planning import (
    StepBook,
    next_action_for,
    recent_contacts,
    scenario_amounts,
    step_due_at,
    tolerance,
)

logger = logging.getLogger(__name__)

State = PlannedAction.State
REMINDER = "relance"


class ActionUnavailable(Exception):
    """The action is no longer in a state where it can be done (someone else did it)."""


def _claim(*, action_id: int, from_states, now: datetime.datetime, due_only: bool) -> str | None:
    token = uuid.uuid4().hex
    queryset = PlannedAction.objects.filter(pk=action_id, state__in=from_states)
    if due_only:
        queryset = queryset.filter(due_at__lte=now)
    claimed = queryset.update(
        state=State.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
    )
    return token if claimed else None


def _update_claimed(action: PlannedAction, **values) -> bool:
    return bool(
        PlannedAction.objects.filter(
            pk=action.pk, state=State.SENDING, claim_token=action.claim_token
        ).update(**values)
    )


def _release(action: PlannedAction, **values) -> None:
    """Back to planifiée without counting an attempt (held, or outside its window)."""
    _update_claimed(
        action,
        state=State.PLANNED,
        claim_token="",
        enqueued_at=None,
        attempts=F("attempts") - 1,
        **values,
    )


def _journal_data(action: PlannedAction) -> dict:
    step = action.step
    data = {
        "scenario": step.scenario_id,
        "scenario_name": step.scenario.name,
        "step": step.pk,
        "step_order": step.order,
        "step_label": step.label,
        "planned_action": action.pk,
    }
    if action.instalment_id is not None:
        data.update(
            step_kind=step.kind,
            instalment=action.instalment_id,
            promise=action.instalment.promise_id,
            instalment_due_date=action.instalment.due_date.isoformat(),
            instalment_amount=str(action.instalment.amount),
        )
    return data


def _journal_note(action: PlannedAction) -> str:
    if action.instalment_id is not None:
        return _(
            "%(kind)s du scénario « %(scenario)s » (« %(label)s ») : échéance de "
            "%(echeance_montant)s du %(echeance_date)s."
        ) % {
            "kind": capfirst(action.step.get_kind_display()),
            "scenario": action.step.scenario.name,
            "label": action.step.label,
            **action_values(action),
        }
    return _("Relance du scénario « %(scenario)s », étape %(order)s « %(label)s ».") % {
        "scenario": action.step.scenario.name,
        "order": action.step.order,
        "label": action.step.label,
    }


def action_values(action: PlannedAction) -> dict[str, str]:
    """The placeholders a reminder around an instalment fills (its amount and date)."""
    if action.instalment_id is None:
        return {}
    return instalment_values(amount=action.instalment.amount, due_date=action.instalment.due_date)


def instalment_still_due(action: PlannedAction, today: datetime.date) -> bool:
    """A reminder around an instalment still speaks of something true today (one
    query; the rule is paiements.selectors.instalments_remindable)."""
    return (
        instalments_remindable(action.step.kind, today=today)
        .filter(pk=action.instalment_id)
        .exists()
    )


def _load(action_id: int, token: str) -> PlannedAction:
    return PlannedAction.objects.select_related(
        "step__scenario", "step__template", "run", "dossier__assigned_to", "instalment"
    ).get(pk=action_id, claim_token=token)


def action_send(
    *, action_id: int, user=None, now: datetime.datetime | None = None
) -> PlannedAction | None:
    """Send one action. ``user=None``: the worker (automatic, due, switch on); a user:
    an agent confirming a step « à confirmer » (or a contact search) from the worklist.

    Returns the action in its new state, or None when another worker holds it.
    """
    now = now or timezone.now()
    automatic = user is None
    if automatic and not auto_send_enabled():
        return None
    token = _claim(
        action_id=action_id,
        from_states=[State.PLANNED] if automatic else [State.TO_CONFIRM, State.FAILED],
        now=now,
        due_only=automatic,
    )
    if token is None:
        if automatic:
            return None
        raise ActionUnavailable(_("Cette action a déjà été traitée."))
    action = _load(action_id, token)
    if not action.step.is_send:
        _update_claimed(action, state=State.TO_CONFIRM, claim_token="")
        raise ActionUnavailable(_("Cette étape est une tâche : marquez-la comme faite."))
    if automatic:
        held = _hold_reason(action, now)
        if held:
            _release(action)
            logger.info("Action %s held: %s", action.pk, held)
            return action
        moment = step_due_at(
            action.step,
            day=timezone.localdate(now),
            now=now,
            contacts=recent_contacts([action.dossier_id], now).get(action.dossier_id, ()),
        )
        if moment > now:
            # Outside the window, or the cap or the gap: the first allowed moment.
            _release(action, due_at=moment)
            return action
    if scenario_amounts([action.dossier_id]).get(action.dossier_id, 0) <= tolerance():
        _update_claimed(action, state=State.CANCELLED, done_at=now, claim_token="")
        return action
    if action.instalment_id is not None and not instalment_still_due(
        action, timezone.localdate(now)
    ):
        # Paid meanwhile, the promise ended or was replaced, or the due day is past.
        _update_claimed(action, state=State.CANCELLED, done_at=now, claim_token="")
        action.refresh_from_db()
        if not automatic:
            raise ActionUnavailable(
                _("Cette échéance n'est plus à rappeler (réglée, promesse terminée ou passée).")
            )
        return action
    choice = means_for(dossier_id=action.dossier_id, channel=action.step.action)
    if choice.point is None:
        return _to_contact_search(action, reason=choice.reason, user=user)
    try:
        communication = _send(action, choice.point, user)
    except CommunicationError as exc:
        # The template or the means cannot make a message: retrying will not help.
        _failed(action, error=str(exc), automatic=False, now=now)
    else:
        if communication.status != Communication.Status.FAILED:
            _done(action, communication=communication, user=user, now=now)
        else:
            _failed(action, error=communication.error, automatic=automatic, now=now)
    action.refresh_from_db()
    return action


def _hold_reason(action: PlannedAction, now: datetime.datetime) -> str:
    # Read with the claimed action (_load), after the claim: current values.
    allowed = INSTALMENT_STATUSES if action.instalment_id else (Dossier.Status.IN_PROGRESS,)
    if action.dossier.status not in allowed:
        return "status"
    run = action.run
    if run.state != ScenarioRun.State.ACTIVE:
        return "run"
    if run.is_paused(timezone.localdate(now)):
        return "paused"
    return ""


def _send(action: PlannedAction, point, user) -> Communication:
    step, dossier = action.step, action.dossier
    extra = {
        "journal_data": _journal_data(action),
        "journal_note": _journal_note(action),
        "extra_values": action_values(action),
    }
    if step.action == "email":
        return email_send(
            dossier=dossier,
            point=point,
            subject="",
            body="",
            template=step.template,
            user=user,
            **extra,
        )
    if step.action == "sms":
        return sms_send(
            dossier=dossier, point=point, text="", template=step.template, user=user, **extra
        )
    return letter_send(dossier=dossier, point=point, template=step.template, user=user, **extra)


def _to_contact_search(action: PlannedAction, *, reason: str, user) -> PlannedAction:
    with transaction.atomic():
        if _update_claimed(action, state=State.TO_CONFIRM, contact_search=True, claim_token=""):
            journal_record(
                dossier=action.dossier_id,
                action=REMINDER,
                actor=user,
                message=_(
                    "%(note)s Envoi impossible (%(reason)s) : tâche « Rechercher les "
                    "coordonnées » pour %(agent)s."
                )
                % {
                    "note": _journal_note(action),
                    "reason": reason,
                    "agent": user_label(action.dossier.assigned_to),
                },
                data={**_journal_data(action), "contact_search": True},
            )
    action.refresh_from_db()
    return action


def _failed(action: PlannedAction, *, error: str, automatic: bool, now: datetime.datetime):
    delays = settings.RELANCES_RETRY_MINUTES
    if automatic and action.attempts <= len(delays):
        retry_at = now + datetime.timedelta(minutes=delays[action.attempts - 1])
        _update_claimed(
            action,
            state=State.PLANNED,
            claim_token="",
            due_at=retry_at,
            enqueued_at=None,
            error=error[:300],
        )
        return
    with transaction.atomic():
        if _update_claimed(action, state=State.FAILED, claim_token="", error=error[:300]):
            journal_record(
                dossier=action.dossier_id,
                action=REMINDER,
                message=_("%(note)s Échec après %(n)s tentative(s) : %(error)s")
                % {"note": _journal_note(action), "n": action.attempts, "error": error},
                data={**_journal_data(action), "failed": True},
            )


def _done(action: PlannedAction, *, communication, user, now: datetime.datetime) -> None:
    with transaction.atomic():
        if (
            _update_claimed(
                action,
                state=State.SENT,
                communication=communication,
                done_at=now,
                done_by=user,
                claim_token="",
                error="",
            )
            and action.instalment_id is None
        ):
            run_advance(action=action, now=now)


def run_advance(*, action: PlannedAction, now: datetime.datetime) -> PlannedAction | None:
    """The step is behind us: record it on the run and plan the next one (or end the
    run). Call inside the transaction that closed the action."""
    run = ScenarioRun.objects.select_for_update().get(pk=action.run_id)
    run.last_step = action.step
    run.last_done_on = timezone.localdate(now)
    run.save(update_fields=["last_step", "last_done_on"])
    if run.state != ScenarioRun.State.ACTIVE:
        return None
    dossier = Dossier.objects.only("oldest_due_date").get(pk=run.dossier_id)
    steps = StepBook.steps_for_scenario(run.scenario_id)
    following = next_action_for(
        run=run,
        steps=steps,
        oldest_due_date=dossier.oldest_due_date,
        now=now,
        contacts=recent_contacts([run.dossier_id], now).get(run.dossier_id, ()),
    )
    if following is None:
        ScenarioRun.objects.filter(pk=run.pk).update(state=ScenarioRun.State.FINISHED, ended_at=now)
        journal_record(
            dossier=run.dossier_id,
            action=REMINDER,
            message=_("Scénario de relance « %(name)s » terminé.") % {"name": run.scenario.name},
            data={"scenario": run.scenario_id, "finished": True},
        )
        return None
    following.save()
    return following


def action_mark_interrupted(
    *, action: PlannedAction, communication: Communication | None, now: datetime.datetime
) -> None:
    """A send whose worker died: sent if its communication says so, failed otherwise."""
    with transaction.atomic():
        if communication is not None:
            if (
                _update_claimed(
                    action,
                    state=State.SENT,
                    communication=communication,
                    done_at=communication.created_at,
                    claim_token="",
                )
                and action.instalment_id is None
            ):
                run_advance(action=action, now=now)
            return
        message = _(
            "Envoi interrompu (processus arrêté pendant l'envoi) : vérifiez auprès du "
            "destinataire avant de renvoyer."
        )
        if _update_claimed(action, state=State.FAILED, claim_token="", error=message):
            journal_record(
                dossier=action.dossier_id,
                action=REMINDER,
                message=f"{_journal_note(action)} {message}",
                data={**_journal_data(action), "interrupted": True},
            )
