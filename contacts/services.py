"""Writes on contacts and contact means: adding and correcting them here, their
qualification (evidence, validation, the star) in ``contacts.qualification``,
re-exported below, so that ``contacts.services`` is the one entry point.

The default rule (SPEC §2): per file and kind there is at most one default, only a
validated means can be it, and wherever a file has at least one validated means of
a kind exactly one of them is the default. Every function here locks the file row
first, so two agents acting on the same file at once are serialised, not failed.
"""

from __future__ import annotations

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
from .models import Contact, ContactPoint
from .qualification import (
    QualificationError,
    _locked_point,
    contact_point_cancel_validation,
    contact_point_invalidate,
    contact_point_set_default,
    contact_point_validate,
    default_rule_enforce,
    dossier_contact_status_refresh,
    evidence_record,
)
from .rules import AUTO_CHECK_FROM, EVIDENCE_EFFECT, EVIDENCE_KINDS_BY_POINT_KIND, MANUAL_KINDS

Action = JournalEntry.Action
Status = ContactPoint.Status

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


def _excerpt(text: str, length: int = 200) -> str:
    return text if len(text) <= length else text[:length] + "…"


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
    # The rectification trail (GDPR art. 16): the journal keeps what each field was.
    old_values = {name: getattr(contact, name) for name in changed}
    for name in changed:
        setattr(contact, name, new[name])
    contact.save(update_fields=changed)
    labels = ", ".join(str(Contact._meta.get_field(name).verbose_name) for name in changed)
    was = " ; ".join(
        f"{Contact._meta.get_field(name).verbose_name} « {_excerpt(old_values[name]) or '—'} »"
        for name in changed
    )
    journal_record(
        dossier=contact.dossier_id,
        action=Action.CONTACT_UPDATED,
        actor=user,
        message=_("Contact %(name)s modifié (%(fields)s). Avant : %(was)s.")
        % {"name": before, "fields": labels, "was": was},
        data={
            "contact": contact.pk,
            "fields": changed,
            "before": old_values,
            "after": {name: new[name] for name in changed},
        },
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
        data={
            "point": point.pk,
            "contact": point.contact_id,
            "fields": sorted(set(changed)),
            "requalify": new_value,
            "before": before,
            "after": point.display_value,
        },
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
        data={"point": point.pk, "contact": point.contact_id, "deleted": True},
    )
    point.delete()
    if was_default:
        default_rule_enforce(dossier_id=dossier_id, kind=kind, user=user)
    dossier_contact_status_refresh(dossier_id=dossier_id, user=user)


__all__ = [
    "AUTO_CHECK_FROM",
    "EVIDENCE_EFFECT",
    "EVIDENCE_KINDS_BY_POINT_KIND",
    "MANUAL_KINDS",
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
