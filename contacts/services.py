"""Writes on contacts and contact means: qualification, evidence and the default rule.

The default rule (SPEC §2): per file and kind there is at most one default, only a
validated means can be it, and wherever a file has at least one validated means of
a kind exactly one of them is the default. Every function here locks the file row
first, so two agents acting on the same file at once are serialised, not failed.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier, JournalEntry
from dossiers.services import dossier_lock, journal_record, user_label

from .models import ContactPoint, Evidence

Action = JournalEntry.Action
Status = ContactPoint.Status
EK = Evidence.Kind

# What each kind of evidence does to the means it is recorded against.
EVIDENCE_EFFECT: dict[str, str | None] = {
    EK.CALL_COMPLETED: Status.VALID,
    EK.CALL_INCOMING: Status.VALID,
    EK.RECEIPT_ACK: Status.VALID,
    EK.LETTER_INCOMING: Status.VALID,
    EK.EMAIL_REPLY: Status.VALID,
    EK.MANUAL_VALIDATE: Status.VALID,
    EK.WRONG_NUMBER: Status.INVALID,
    EK.NPAI: Status.INVALID,
    EK.BOUNCE: Status.INVALID,
    EK.MANUAL_INVALIDATE: Status.INVALID,
    EK.MANUAL_CANCEL: Status.PENDING,
    EK.IMPORTED: None,
}

# Which evidence makes sense for which kind of means.
EVIDENCE_KINDS_BY_POINT_KIND: dict[str, set[str]] = {
    ContactPoint.Kind.PHONE: {EK.CALL_COMPLETED, EK.CALL_INCOMING, EK.WRONG_NUMBER},
    ContactPoint.Kind.POSTAL: {EK.RECEIPT_ACK, EK.LETTER_INCOMING, EK.NPAI},
    ContactPoint.Kind.EMAIL: {EK.EMAIL_REPLY, EK.BOUNCE},
}
MANUAL_KINDS = {EK.MANUAL_VALIDATE, EK.MANUAL_INVALIDATE, EK.MANUAL_CANCEL, EK.IMPORTED}

ACTION_BY_STATUS = {
    Status.VALID: Action.POINT_VALIDATED,
    Status.INVALID: Action.POINT_INVALIDATED,
    Status.PENDING: Action.POINT_VALIDATION_CANCELLED,
}

# Statuses the application may move to « vérification coordonnées » by itself.
AUTO_CHECK_FROM = {
    Dossier.Status.INACTIVE,
    Dossier.Status.IN_PROGRESS,
    Dossier.Status.EXTERNAL_ACTIONS,
    Dossier.Status.PAYMENT,
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
    """Give the star to the most recently validated means of a kind when none has it.

    The caller holds the file lock. Returns the new default, or None when nothing changed.
    """
    points = ContactPoint.objects.filter(dossier_id=dossier_id, kind=kind)
    if points.filter(is_default=True).exists():
        return None
    candidate = (
        points.filter(status=Status.VALID)
        .order_by("-validated_at", "-id")
        .select_related("contact")
        .first()
    )
    if candidate is None:
        return None
    candidate.is_default = True
    candidate.save(update_fields=["is_default"])
    journal_record(
        dossier=dossier_id,
        action=Action.DEFAULT_CHANGED,
        actor=user,
        actor_kind=_actor_kind(source) if user is None else None,
        message=_("%(value)s (%(contact)s) devient le moyen par défaut (%(kind)s).")
        % {
            "value": candidate.display_value,
            "contact": candidate.contact.full_name,
            "kind": candidate.get_kind_display(),
        },
        data={"point": candidate.pk, "kind": kind, "automatic": True},
    )
    return candidate


def dossier_contact_status_refresh(*, dossier_id: int, user=None) -> None:
    """Move a file to « vérification coordonnées » when it has no usable means left,
    and back to « en cours » when one appears again. The caller holds the file lock."""
    dossier = Dossier.objects.get(pk=dossier_id)
    usable = ContactPoint.objects.filter(dossier_id=dossier_id).exclude(status=Status.INVALID)
    has_usable = usable.exists()
    new_status = None
    if not has_usable and dossier.status in AUTO_CHECK_FROM:
        new_status = Dossier.Status.CONTACT_CHECK
        reason = _("Plus aucun moyen de contact valide : coordonnées à rechercher.")
    elif has_usable and dossier.status == Dossier.Status.CONTACT_CHECK:
        new_status = Dossier.Status.IN_PROGRESS
        reason = _("Un moyen de contact valide est de nouveau disponible.")
    if new_status is None:
        return
    old = dossier.get_status_display()
    dossier.status = new_status
    dossier.save(update_fields=["status", "updated_at"])
    journal_record(
        dossier=dossier_id,
        action=Action.STATUS_CHANGED,
        actor=None,
        actor_kind=JournalEntry.ActorKind.SYSTEM,
        message=_("Statut : %(old)s → %(new)s. %(reason)s")
        % {"old": old, "new": dossier.get_status_display(), "reason": reason},
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
    new_status = EVIDENCE_EFFECT[kind]
    old_status = point.status
    was_default = point.is_default
    fields = ["last_evidence"]
    point.last_evidence = evidence
    if new_status is not None and new_status != old_status:
        point.status = new_status
        point.status_changed_at = now
        fields += ["status", "status_changed_at"]
        if new_status == Status.VALID:
            point.validated_at = occurred_at
            fields.append("validated_at")
        elif point.is_default:
            point.is_default = False
            fields.append("is_default")
    elif new_status == Status.VALID:
        # A fresh proof makes it the most recently validated means again.
        point.validated_at = max(point.validated_at or occurred_at, occurred_at)
        fields.append("validated_at")
    point.save(update_fields=fields)

    label = Evidence.Kind(kind).label
    values = {
        "value": point.display_value,
        "contact": point.contact.full_name,
        "evidence": label,
        "status": point.get_status_display().lower(),
    }
    if new_status is not None and new_status != old_status:
        action = ACTION_BY_STATUS[new_status]
        message = _("%(value)s (%(contact)s) : %(evidence)s — désormais %(status)s.") % values
    else:
        action = Action.EVIDENCE
        message = _("%(value)s (%(contact)s) : %(evidence)s.") % values
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
    if (was_default and not point.is_default) or point.status == Status.VALID:
        default_rule_enforce(dossier_id=point.dossier_id, kind=point.kind, user=user, source=source)
    if new_status is not None and new_status != old_status:
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
    if kind not in MANUAL_KINDS and kind not in EVIDENCE_KINDS_BY_POINT_KIND[point.kind]:
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


def contact_point_validate(*, point: ContactPoint, user, comment: str = "") -> Evidence:
    return evidence_record(point=point, kind=EK.MANUAL_VALIDATE, user=user, comment=comment)


def contact_point_invalidate(*, point: ContactPoint, user, comment: str = "") -> Evidence:
    return evidence_record(point=point, kind=EK.MANUAL_INVALIDATE, user=user, comment=comment)


def contact_point_cancel_validation(*, point: ContactPoint, user, comment: str = "") -> Evidence:
    return evidence_record(point=point, kind=EK.MANUAL_CANCEL, user=user, comment=comment)


@transaction.atomic
def contact_point_set_default(*, point: ContactPoint, user) -> ContactPoint:
    """Make a validated means the default of its kind in its file (the star)."""
    point = _locked_point(point)
    if point.status != Status.VALID:
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


__all__ = [
    "QualificationError",
    "contact_point_cancel_validation",
    "contact_point_invalidate",
    "contact_point_set_default",
    "contact_point_validate",
    "default_rule_enforce",
    "dossier_contact_status_refresh",
    "evidence_record",
    "user_label",
]
