"""Qualification of contact means: evidence and its effect, manual validation, the
star, and the two rules that follow every change (the default rule, the
« vérification coordonnées » status rule), one means at a time. What each rule
decides is in ``contacts.rules``; this module reads and writes it, locks the file
and journals it. ``contacts.services`` re-exports everything public here.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from dossiers.models import Dossier, JournalEntry
from dossiers.services import dossier_lock, journal_record

from . import rules
from .models import ContactPoint, Evidence
from .rules import EVIDENCE_EFFECT

Action = JournalEntry.Action
Status = ContactPoint.Status
EK = Evidence.Kind

ACTION_BY_STATUS = {
    Status.VALID: Action.POINT_VALIDATED,
    Status.INVALID: Action.POINT_INVALIDATED,
    Status.PENDING: Action.POINT_VALIDATION_CANCELLED,
}


class QualificationError(ValueError):
    """An action that the qualification rules forbid (message for the agent)."""


def _actor_kind(source: str) -> str:
    return {
        Evidence.Source.UI: JournalEntry.ActorKind.USER,
        Evidence.Source.IMPORT: JournalEntry.ActorKind.IMPORT,
    }.get(source, JournalEntry.ActorKind.SYSTEM)


def _locked_point(point: ContactPoint) -> ContactPoint:
    dossier_lock(dossier_id=point.dossier_id)
    return ContactPoint.objects.select_related("contact").get(pk=point.pk)


def default_rule_enforce(*, dossier_id: int, kind: str, user=None, source=Evidence.Source.SYSTEM):
    """Give the star to the most recently validated means of a kind when none has it
    (``rules.defaults_to_give``). The caller holds the file lock. Returns the new
    default, or None when nothing changed.
    """
    valid = ContactPoint.objects.filter(dossier_id=dossier_id, kind=kind, status=Status.VALID)
    chosen = rules.defaults_to_give(
        valid.only("id", "dossier_id", "kind", "is_default", "validated_at")
    )
    if not chosen:
        return None
    candidate = ContactPoint.objects.select_related("contact").get(pk=chosen[0].pk)
    candidate.is_default = True
    candidate.save(update_fields=["is_default"])
    journal_record(
        dossier=dossier_id,
        action=Action.DEFAULT_CHANGED,
        actor=user,
        actor_kind=_actor_kind(source) if user is None else None,
        message=rules.default_given_message(
            value=candidate.display_value, contact=candidate.contact.full_name, kind=kind
        )
        + ".",
        data={"point": candidate.pk, "kind": kind, "automatic": True},
    )
    return candidate


def dossier_contact_status_refresh(*, dossier_id: int, user=None) -> None:
    """Move a file to « vérification coordonnées » when it has no usable means left,
    and back to « en cours » when one appears again (``rules.contact_check_status``).
    The caller holds the file lock."""
    dossier = Dossier.objects.get(pk=dossier_id)
    usable = ContactPoint.objects.filter(dossier_id=dossier_id).exclude(status=Status.INVALID)
    new_status = rules.contact_check_status(dossier.status, has_usable=usable.exists())
    if new_status is None:
        return
    old = dossier.status
    dossier.status = new_status
    dossier.save(update_fields=["status", "updated_at"])
    journal_record(
        dossier=dossier_id,
        action=Action.STATUS_CHANGED,
        actor=None,
        actor_kind=JournalEntry.ActorKind.SYSTEM,
        message=rules.contact_check_message(old, new_status),
        data={"status": new_status, "automatic": True, "by": user.pk if user else None},
    )


def _apply_evidence(
    *,
    point: ContactPoint,
    kind: str,
    user=None,
    occurred_at: datetime.datetime | None = None,
    source: str = Evidence.Source.UI,
    source_detail: str = "",
    comment: str = "",
) -> Evidence:
    """Record the evidence, apply its effect and the default rule. Caller holds the lock."""
    now = timezone.now()
    occurred_at = occurred_at or now
    evidence = Evidence.objects.create(
        point=point,
        kind=kind,
        occurred_at=occurred_at,
        source=source,
        source_detail=source_detail,
        recorded_by=user,
        comment=comment,
    )
    change = rules.qualification_apply(
        point, EVIDENCE_EFFECT[kind], occurred_at=occurred_at, now=now
    )
    point.last_evidence = evidence
    point.save(update_fields=["last_evidence", *sorted(change.fields)])

    action = ACTION_BY_STATUS[point.status] if change.status_changed else Action.EVIDENCE
    message = rules.evidence_message(
        point=point, evidence_kind=kind, status_changed=change.status_changed
    )
    if comment:
        message = f"{message} {comment}"
    journal_record(
        dossier=point.dossier_id,
        action=action,
        actor=user,
        actor_kind=_actor_kind(source) if user is None else None,
        message=message,
        data={"point": point.pk, "evidence": evidence.pk, "kind": kind, "status": point.status},
    )
    if change.default_lost or point.status == Status.VALID:
        default_rule_enforce(dossier_id=point.dossier_id, kind=point.kind, user=user, source=source)
    if change.status_changed:
        dossier_contact_status_refresh(dossier_id=point.dossier_id, user=user)
    return evidence


@transaction.atomic
def evidence_record(
    *,
    point: ContactPoint,
    kind: str,
    user=None,
    occurred_at: datetime.datetime | None = None,
    source: str = Evidence.Source.UI,
    source_detail: str = "",
    comment: str = "",
) -> Evidence:
    """Record a piece of evidence against a means and apply its effect."""
    if not rules.evidence_applies(kind, point.kind):
        raise QualificationError(
            _("« %(evidence)s » ne s'applique pas à un moyen de type %(kind)s.")
            % {"evidence": Evidence.Kind(kind).label, "kind": point.get_kind_display()}
        )
    point = _locked_point(point)
    return _apply_evidence(
        point=point,
        kind=kind,
        user=user,
        occurred_at=occurred_at,
        source=source,
        source_detail=source_detail,
        comment=comment,
    )


# A manual action that would change nothing is refused: it is usually a second
# agent clicking the same button a moment later, and deserves a clear message.
ALREADY_IN_STATE = {
    EK.MANUAL_VALIDATE: _lazy("Ce moyen de contact est déjà validé."),
    EK.MANUAL_INVALIDATE: _lazy("Ce moyen de contact est déjà invalide."),
    EK.MANUAL_CANCEL: _lazy("Ce moyen de contact est déjà à qualifier."),
}


@transaction.atomic
def _manual_qualify(*, point: ContactPoint, kind: str, user, comment: str) -> Evidence:
    point = _locked_point(point)
    if point.status == EVIDENCE_EFFECT[kind]:
        raise QualificationError(str(ALREADY_IN_STATE[kind]))
    return _apply_evidence(point=point, kind=kind, user=user, comment=comment)


def contact_point_validate(*, point: ContactPoint, user, comment: str = "") -> Evidence:
    return _manual_qualify(point=point, kind=EK.MANUAL_VALIDATE, user=user, comment=comment)


def contact_point_invalidate(*, point: ContactPoint, user, comment: str = "") -> Evidence:
    return _manual_qualify(point=point, kind=EK.MANUAL_INVALIDATE, user=user, comment=comment)


def contact_point_cancel_validation(*, point: ContactPoint, user, comment: str = "") -> Evidence:
    """Back to « à qualifier », from « validé » or from « invalide »."""
    return _manual_qualify(point=point, kind=EK.MANUAL_CANCEL, user=user, comment=comment)


@transaction.atomic
def contact_point_set_default(*, point: ContactPoint, user) -> ContactPoint:
    """Make a validated means the default of its kind in its file (the star)."""
    point = _locked_point(point)
    if not rules.can_be_default(point.status):
        raise QualificationError(_("Seul un moyen de contact validé peut être utilisé par défaut."))
    if point.is_default:
        return point
    former = (
        ContactPoint.objects.filter(dossier_id=point.dossier_id, kind=point.kind, is_default=True)
        .select_related("contact")
        .first()
    )
    if former is not None:
        former.is_default = False
        former.save(update_fields=["is_default"])
    point.is_default = True
    point.save(update_fields=["is_default"])
    values = {"value": point.display_value, "contact": point.contact.full_name}
    if former is not None:
        values["former"] = former.display_value
        message = (
            _("%(value)s (%(contact)s) devient le moyen par défaut, à la place de %(former)s.")
            % values
        )
    else:
        message = _("%(value)s (%(contact)s) devient le moyen par défaut.") % values
    journal_record(
        dossier=point.dossier_id,
        action=Action.DEFAULT_CHANGED,
        actor=user,
        message=message,
        data={"point": point.pk, "former": former.pk if former else None, "kind": point.kind},
    )
    return point
