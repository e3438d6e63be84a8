"""Writes on contacts and contact means: qualification, evidence and the default rule.

The default rule (SPEC §2): per file and kind there is at most one default, only a
validated means can be it, and wherever a file has at least one validated means of
a kind exactly one of them is the default. Every function here locks the file row
first, so two agents acting on the same file at once are serialised, not failed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from dossiers.models import Dossier, JournalEntry
from dossiers.objectivity import check_objectivity
from dossiers.services import dossier_lock, journal_record, user_label

from . import rules
from .models import Contact, ContactPoint, Evidence
from .rules import AUTO_CHECK_FROM, EVIDENCE_EFFECT, EVIDENCE_KINDS_BY_POINT_KIND, MANUAL_KINDS  # noqa: F401 (re-exported)

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


# --- Contacts and their means -------------------------------------------------------

CONTACT_FIELDS = ("civility", "first_name", "last_name", "function", "observation")
POSTAL_FIELDS = rules.POSTAL_FIELDS
DUPLICATE_MESSAGES = {
    ContactPoint.Kind.PHONE: _lazy("Ce numéro de téléphone est déjà enregistré pour ce contact."),
    ContactPoint.Kind.EMAIL: _lazy("Cette adresse e-mail est déjà enregistrée pour ce contact."),
    ContactPoint.Kind.POSTAL: _lazy("Cette adresse postale est déjà enregistrée pour ce contact."),
}


def contact_point_values(*, kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The stored fields of a means from what a person typed (``rules.means_values``).

    Raises ValidationError (field by field, in French) when the value cannot be a
    means of that kind.
    """
    fields, errors = rules.means_values(kind=kind, values=values)
    if errors:
        if set(errors) == {"kind"}:
            raise ValidationError(errors["kind"])
        raise ValidationError(errors)
    return fields


def _check_duplicate(*, contact_id: int, kind: str, value_key: str, exclude_pk=None) -> None:
    duplicates = ContactPoint.objects.filter(contact_id=contact_id, kind=kind, value_key=value_key)
    if exclude_pk is not None:
        duplicates = duplicates.exclude(pk=exclude_pk)
    if duplicates.exists():
        raise ValidationError(str(DUPLICATE_MESSAGES[kind]), code="duplicate")


def _check_observation(observation: str) -> None:
    try:
        check_objectivity(observation)
    except ValidationError as exc:
        raise ValidationError({"observation": exc.error_list}) from exc


def _point_create(*, contact: Contact, user, kind: str, values: Mapping[str, Any]) -> ContactPoint:
    """Create one means; the caller holds the file lock."""
    fields = contact_point_values(kind=kind, values=values)
    _check_duplicate(contact_id=contact.pk, kind=kind, value_key=fields["value_key"])
    point = ContactPoint.objects.create(
        contact=contact, dossier_id=contact.dossier_id, kind=kind, created_by=user, **fields
    )
    journal_record(
        dossier=contact.dossier_id,
        action=Action.POINT_CREATED,
        actor=user,
        message=_("%(kind)s ajouté pour %(contact)s : %(value)s (à qualifier).")
        % {
            "kind": point.get_kind_display().capitalize(),
            "contact": contact.full_name,
            "value": point.display_value,
        },
        data={"point": point.pk, "contact": contact.pk, "kind": kind},
    )
    return point


def _identity(
    *,
    last_name: str,
    civility: str = "",
    first_name: str = "",
    function: str = "",
    observation: str = "",
) -> dict[str, str]:
    """A contact's identity, function and observation as stored (trimmed). Raises
    ValidationError when the observation is not objective."""
    _check_observation(observation)
    return {
        "civility": civility,
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "function": function.strip(),
        "observation": observation.strip(),
    }


@transaction.atomic
def contact_create(
    *,
    dossier: Dossier,
    user,
    external_key: str = "",
    points: Iterable[tuple[str, Mapping[str, Any]]] = (),
    **identity: str,
) -> Contact:
    """Add a contact to a file with its means (``points``: ``(kind, values)`` pairs);
    ``identity``: ``last_name`` and optionally ``civility``, ``first_name``,
    ``function``, ``observation``.

    New means are « à qualifier ». Raises ValidationError (nothing written) when the
    observation is not objective or a means is invalid or given twice.
    """
    fields = _identity(**identity)
    dossier_lock(dossier_id=dossier.pk)
    contact = Contact.objects.create(dossier_id=dossier.pk, external_key=external_key, **fields)
    journal_record(
        dossier=dossier.pk,
        action=Action.CONTACT_CREATED,
        actor=user,
        message=_("Contact ajouté : %(name)s%(function)s.")
        % {
            "name": contact.full_name,
            "function": f" ({contact.function})" if contact.function else "",
        },
        data={"contact": contact.pk},
    )
    created = [_point_create(contact=contact, user=user, kind=k, values=v) for k, v in points]
    if created:
        dossier_contact_status_refresh(dossier_id=dossier.pk, user=user)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, user, **identity: str) -> Contact:
    """Change a contact's identity, function or observation (the fields of
    ``contact_create``), journaled with the changes."""
    new = _identity(**identity)
    dossier_lock(dossier_id=contact.dossier_id)
    contact = Contact.objects.get(pk=contact.pk)
    changed = [name for name, value in new.items() if getattr(contact, name) != value]
    if not changed:
        return contact
    before = contact.full_name
    for name in changed:
        setattr(contact, name, new[name])
    contact.save(update_fields=changed)
    labels = ", ".join(str(Contact._meta.get_field(name).verbose_name) for name in changed)
    journal_record(
        dossier=contact.dossier_id,
        action=Action.CONTACT_UPDATED,
        actor=user,
        message=_("Contact %(name)s modifié (%(fields)s).") % {"name": before, "fields": labels},
        data={"contact": contact.pk, "fields": changed},
    )
    return contact


@transaction.atomic
def contact_point_create(*, contact: Contact, user, kind: str, **values: Any) -> ContactPoint:
    """Add a means to a contact: normalised, « à qualifier », journaled."""
    dossier_lock(dossier_id=contact.dossier_id)
    point = _point_create(contact=contact, user=user, kind=kind, values=values)
    dossier_contact_status_refresh(dossier_id=contact.dossier_id, user=user)
    return point


@transaction.atomic
def contact_point_update(*, point: ContactPoint, user, **values: Any) -> ContactPoint:
    """Correct a means. A new value is a new means: its qualification starts again
    (« à qualifier », and the star goes to the next validated means of its kind);
    a change of spelling only (same normalised value) keeps it."""
    point = _locked_point(point)
    fields = contact_point_values(kind=point.kind, values=values)
    _check_duplicate(
        contact_id=point.contact_id,
        kind=point.kind,
        value_key=fields["value_key"],
        exclude_pk=point.pk,
    )
    before = point.display_value
    new_value = fields["value_key"] != point.value_key
    changed = [name for name, value in fields.items() if getattr(point, name) != value]
    if not changed:
        return point
    for name in changed:
        setattr(point, name, fields[name])
    was_default = point.is_default
    was_status = point.status
    if new_value:
        point.status = Status.PENDING
        point.is_default = False
        point.validated_at = None
        point.last_evidence = None
        point.status_changed_at = timezone.now()
        changed += ["status", "is_default", "validated_at", "last_evidence", "status_changed_at"]
    point.save(update_fields=changed)
    values_ = {"before": before, "after": point.display_value, "contact": point.contact.full_name}
    if new_value and was_status != Status.PENDING:
        message = _(
            "%(before)s (%(contact)s) remplacé par %(after)s : nouvelle valeur à qualifier."
        )
    else:
        message = _("%(before)s (%(contact)s) corrigé en %(after)s.")
    journal_record(
        dossier=point.dossier_id,
        action=Action.POINT_UPDATED,
        actor=user,
        message=message % values_,
        data={"point": point.pk, "fields": sorted(set(changed)), "requalify": new_value},
    )
    if was_default and not point.is_default:
        default_rule_enforce(dossier_id=point.dossier_id, kind=point.kind, user=user)
    if was_status != point.status:
        dossier_contact_status_refresh(dossier_id=point.dossier_id, user=user)
    return point


@transaction.atomic
def contact_point_delete(*, point: ContactPoint, user) -> None:
    """Remove a means entered by mistake (administrators): the star, if it had it,
    goes to the next validated means of its kind."""
    point = _locked_point(point)
    kind, dossier_id, was_default = point.kind, point.dossier_id, point.is_default
    journal_record(
        dossier=dossier_id,
        action=Action.POINT_UPDATED,
        actor=user,
        message=_("%(value)s (%(contact)s) supprimé.")
        % {"value": point.display_value, "contact": point.contact.full_name},
        data={"point": point.pk, "deleted": True},
    )
    point.delete()
    if was_default:
        default_rule_enforce(dossier_id=dossier_id, kind=kind, user=user)
    dossier_contact_status_refresh(dossier_id=dossier_id, user=user)


__all__ = [
    "QualificationError",
    "contact_create",
    "contact_point_create",
    "contact_point_delete",
    "contact_point_update",
    "contact_point_values",
    "contact_update",
    "contact_point_cancel_validation",
    "contact_point_invalidate",
    "contact_point_set_default",
    "contact_point_validate",
    "default_rule_enforce",
    "dossier_contact_status_refresh",
    "evidence_record",
    "user_label",
]
