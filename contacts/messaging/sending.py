"""The one shape of every send (SMS, e-mail, automatic or by an agent).

1. The ``Communication`` is committed « en cours d'envoi » (with the file locked
   only for that short transaction: never while a remote server answers).
2. The message is handed over (``transmit``), under the deadline of the backends.
3. The communication is marked sent or failed, the copy kept (e-mail) and the
   journal entry written, in one transaction.
4. If step 3 fails after a successful send (disk full, a database error), a second,
   smaller transaction marks it sent with what failed, and journals that: the file
   never looks as if nothing went out, and the agent is told not to send it again.
   If even that fails (the database is gone), the communication stays « en cours
   d'envoi », which says the same.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from dossiers.models import Dossier
from dossiers.services import dossier_lock

from ..models import Communication, ContactPoint, MessageTemplate

logger = logging.getLogger(__name__)
Status = Communication.Status


class SendFailed(Exception):
    """The message did not go out (message for the agent)."""


@dataclass
class Outgoing:
    """What is about to be sent, and how the journal tells it."""

    dossier: Dossier
    point: ContactPoint
    template: MessageTemplate | None
    channel: str
    action: str
    recipient: str
    body: str
    user: Any
    subject: str = ""
    #: the journal's message once sent, and once failed (``%(error)s``)
    sent_text: str = ""
    failed_text: str = ""
    #: more journal data for this channel (SMS: segments, encoding)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Transmitted:
    delivery_status: str = ""
    provider_id: str = ""


def journal_data(
    communication: Communication, *, outcome: str, piece=None, **extra: Any
) -> dict[str, Any]:
    """The journal data of every communication, whatever its channel."""
    point, template = communication.point, communication.template
    return {
        "point": point.pk if point else None,
        "means": point.display_value if point else communication.recipient,
        "kind": point.kind if point else "",
        "template": template.pk if template else None,
        "template_name": template.name if template else "",
        "channel": communication.channel,
        "communication": communication.pk,
        "piece": piece.pk if piece else None,
        "outcome": outcome,
        "delivery_status": communication.delivery_status,
        **extra,
    }


def failure_reason(exc: BaseException) -> str:
    """What went wrong while recording, in words an agent understands."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return _("disque plein")
    if isinstance(exc, DatabaseError):
        return _("erreur de la base de données")
    return exc.__class__.__name__


def send_recorded(
    outgoing: Outgoing,
    *,
    transmit: Callable[[], Transmitted],
    keep: Callable[[Communication], Any] | None = None,
    journal: Callable[..., Any],
) -> Communication:
    """Record, send, mark: see the module docstring. ``keep(communication)`` stores
    the copy of what was sent and returns its piece; ``journal`` is
    ``dossiers.services.journal_record`` (passed in so that tests can make it fail)."""
    with transaction.atomic():
        dossier_lock(dossier_id=outgoing.dossier.pk)
        communication = Communication.objects.create(
            dossier=outgoing.dossier,
            point=outgoing.point,
            template=outgoing.template,
            channel=outgoing.channel,
            status=Status.SENDING,
            recipient=outgoing.recipient,
            subject=outgoing.subject[:200],
            body=outgoing.body,
            sent_by=outgoing.user,
        )
    try:
        transmitted = transmit()
    except SendFailed as exc:
        error = str(exc)
        with transaction.atomic():
            dossier_lock(dossier_id=outgoing.dossier.pk)
            communication.status, communication.error = Status.FAILED, error[:300]
            communication.save(update_fields=["status", "error"])
            journal(
                dossier=outgoing.dossier,
                action=outgoing.action,
                actor=outgoing.user,
                message=outgoing.failed_text % {"error": error},
                data=journal_data(communication, outcome=Status.FAILED, **outgoing.data),
            )
        return communication
    communication.delivery_status = transmitted.delivery_status[:30]
    communication.provider_id = transmitted.provider_id[:100]
    try:
        with transaction.atomic():
            dossier_lock(dossier_id=outgoing.dossier.pk)
            piece = keep(communication) if keep is not None else None
            communication.status, communication.piece = Status.SENT, piece
            communication.save(update_fields=["status", "piece", "delivery_status", "provider_id"])
            journal(
                dossier=outgoing.dossier,
                action=outgoing.action,
                actor=outgoing.user,
                message=outgoing.sent_text,
                data=journal_data(communication, outcome=Status.SENT, piece=piece, **outgoing.data),
            )
    except (DatabaseError, OSError) as exc:
        logger.exception("Sent, but recording the %s failed", outgoing.channel)
        _record_sent_anyway(outgoing, communication, exc, journal)
    return communication


def _record_sent_anyway(outgoing, communication, exc, journal) -> None:
    if keep_failed := outgoing.channel == Communication.Channel.EMAIL:
        what = _("la copie n'a pas pu être rangée dans les pièces (%(reason)s)")
    else:
        what = _("l'envoi n'a pas pu être enregistré en entier (%(reason)s)")
    error = what % {"reason": failure_reason(exc)}
    communication.piece = None
    communication.status, communication.error = Status.SENT, error[:300]
    with transaction.atomic():
        communication.save(
            update_fields=["status", "error", "piece", "delivery_status", "provider_id"]
        )
        journal(
            dossier=outgoing.dossier,
            action=outgoing.action,
            actor=outgoing.user,
            message=f"{outgoing.sent_text.rstrip('.')} ; {error}.",
            data=journal_data(
                communication,
                outcome=Status.SENT,
                incomplete=True,
                copy_missing=keep_failed,
                **outgoing.data,
            ),
        )
