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

from .models import POSTAL_LINE_LENGTH, Contact, ContactPoint, Evidence
from .normalize import NormalizationError, normalize_email, normalize_phone, postal_value_key

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


# --- Contacts and their means -------------------------------------------------------

CONTACT_FIELDS = ("civility", "first_name", "last_name", "function", "observation")
POSTAL_FIELDS = ("address_line1", "address_line2", "address_line3", "postcode", "city", "country")
DUPLICATE_MESSAGES = {
    ContactPoint.Kind.PHONE: _lazy("Ce numéro de téléphone est déjà enregistré pour ce contact."),
    ContactPoint.Kind.EMAIL: _lazy("Cette adresse e-mail est déjà enregistrée pour ce contact."),
    ContactPoint.Kind.POSTAL: _lazy("Cette adresse postale est déjà enregistrée pour ce contact."),
}


def _clean_line(value: str) -> str:
    return " ".join((value or "").split())


def contact_point_values(*, kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The stored fields of a means from what a person typed: the value in its
    normalised form, its ``value_key`` and, for a phone, mobile or landline.

    Raises ValidationError (field by field, in French) when the value cannot be a
    means of that kind.
    """
    try:
        if kind == ContactPoint.Kind.PHONE:
            raw = values.get("phone") or ""
            # A PhoneNumber (admin, model form) is passed on in E.164, not as displayed.
            e164, phone_type = normalize_phone(str(getattr(raw, "as_e164", raw)))
            return {"phone": e164, "phone_type": phone_type, "value_key": e164}
        if kind == ContactPoint.Kind.EMAIL:
            email = normalize_email(values.get("email") or "")
            return {"email": email, "value_key": email}
    except NormalizationError as exc:
        raise ValidationError({kind: str(exc)}) from exc
    if kind != ContactPoint.Kind.POSTAL:
        raise ValidationError(_("Type de moyen de contact inconnu : %(kind)s.") % {"kind": kind})
    fields = {name: _clean_line(values.get(name, "")) for name in POSTAL_FIELDS}
    fields["postcode"] = fields["postcode"].replace(" ", "")
    fields["country"] = (fields["country"] or "FR").upper()
    errors: dict[str, str] = {}
    if not fields["address_line1"]:
        errors["address_line1"] = _("Saisissez la première ligne de l'adresse.")
    if not fields["city"]:
        errors["city"] = _("Saisissez la ville.")
    for name in ("address_line1", "address_line2", "address_line3"):
        if len(fields[name]) > POSTAL_LINE_LENGTH:
            errors[name] = _(
                "Au plus 38 caractères par ligne (norme postale) : %(count)d saisis."
            ) % {"count": len(fields[name])}
    town = f"{fields['postcode']} {fields['city']}"
    if fields["city"] and len(town) > POSTAL_LINE_LENGTH:
        errors["city"] = _(
            "La ligne « code postal et ville » dépasse 38 caractères (norme postale)."
        )
    if not (len(fields["country"]) == 2 and fields["country"].isalpha()):
        errors["country"] = _("Indiquez le pays par son code à deux lettres (ex. FR, BE).")
    if fields["country"] == "FR" and not (
        len(fields["postcode"]) == 5 and fields["postcode"].isdigit()
    ):
        errors["postcode"] = _("Le code postal français comporte 5 chiffres (ex. 75010).")
    if errors:
        raise ValidationError(errors)
    fields["value_key"] = postal_value_key(
        fields["address_line1"],
        fields["address_line2"],
        fields["address_line3"],
        fields["postcode"],
    )
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


@transaction.atomic
def contact_create(
    *,
    dossier: Dossier,
    user,
    last_name: str,
    civility: str = "",
    first_name: str = "",
    function: str = "",
    observation: str = "",
    external_key: str = "",
    points: Iterable[tuple[str, Mapping[str, Any]]] = (),
) -> Contact:
    """Add a contact to a file with its means (``points``: ``(kind, values)`` pairs).

    New means are « à qualifier ». Raises ValidationError (nothing written) when the
    observation is not objective or a means is invalid or given twice.
    """
    _check_observation(observation)
    dossier_lock(dossier_id=dossier.pk)
    contact = Contact.objects.create(
        dossier_id=dossier.pk,
        civility=civility,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        function=function.strip(),
        observation=observation.strip(),
        external_key=external_key,
    )
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
def contact_update(
    *,
    contact: Contact,
    user,
    last_name: str,
    civility: str = "",
    first_name: str = "",
    function: str = "",
    observation: str = "",
) -> Contact:
    """Change a contact's identity, function or observation (journaled with the changes)."""
    _check_observation(observation)
    dossier_lock(dossier_id=contact.dossier_id)
    contact = Contact.objects.get(pk=contact.pk)
    new = {
        "civility": civility,
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "function": function.strip(),
        "observation": observation.strip(),
    }
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
