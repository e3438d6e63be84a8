"""External actions: a request to accounting, sales, a manager or a lawyer."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier, JournalEntry, Receivable
from dossiers.services import dossier_lock, journal_record

from ..models import ExternalAction
from .status import dossier_status_sync

Action = JournalEntry.Action


@transaction.atomic
def external_action_open(
    *,
    dossier: Dossier,
    recipient: str,
    request: str,
    deadline: datetime.date,
    receivables: list[Receivable] | None = None,
    user=None,
) -> ExternalAction:
    """Ask someone outside the team; the file is *actions externes* (*judiciaire*
    for a lawyer) until every request is answered."""
    dossier = dossier_lock(dossier_id=dossier.pk)
    receivables = list(receivables or [])
    request = (request or "").strip()
    if recipient not in ExternalAction.Recipient.values:
        raise ValidationError(_("Destinataire inconnu."))
    if not request:
        raise ValidationError(_("Écrivez la demande."))
    if deadline < timezone.localdate():
        raise ValidationError(_("L'échéance ne peut pas être dans le passé."))
    if any(r.dossier_id != dossier.pk for r in receivables):
        raise ValidationError(_("Ces factures ne sont pas celles du dossier."))
    action = ExternalAction.objects.create(
        dossier=dossier,
        recipient=recipient,
        request=request[:2000],
        deadline=deadline,
        created_by=user,
    )
    if receivables:
        action.receivables.set(receivables)
    message = _("Demande à %(recipient)s, réponse attendue le %(date)s : %(request)s") % {
        "recipient": action.get_recipient_display().lower(),
        "date": formats.date_format(deadline, "d/m/Y"),
        "request": request[:200],
    }
    if receivables:
        message += _(" (factures %(numbers)s)") % {
            "numbers": ", ".join(r.number for r in receivables)
        }
    journal_record(
        dossier=dossier,
        action=Action.EXTERNAL_ACTION,
        actor=user,
        message=message,
        data={"external_action": action.pk, "recipient": recipient},
    )
    dossier_status_sync(dossier=dossier, user=user)
    return action


@transaction.atomic
def external_action_answer(*, action: ExternalAction, answer: str, user=None) -> ExternalAction:
    dossier = dossier_lock(dossier_id=action.dossier_id)
    action = ExternalAction.objects.select_for_update().get(pk=action.pk)
    answer = (answer or "").strip()
    if not action.is_open:
        raise ValidationError(_("Cette demande a déjà sa réponse."))
    if not answer:
        raise ValidationError(_("Écrivez la réponse."))
    action.answer = answer[:2000]
    action.answered_at = timezone.now()
    action.save(update_fields=["answer", "answered_at"])
    journal_record(
        dossier=dossier,
        action=Action.EXTERNAL_ANSWER,
        actor=user,
        message=_("Réponse de %(recipient)s : %(answer)s")
        % {"recipient": action.get_recipient_display().lower(), "answer": answer[:500]},
        data={"external_action": action.pk},
    )
    dossier_status_sync(dossier=dossier, user=user)
    return action
