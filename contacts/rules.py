"""The qualification rules of SPEC §2, each written once.

``contacts.services`` (one means at a time, for agents and the admin), the bulk
importers (``contacts.importers_*``) and the demonstration data all decide through
these functions; they differ in how they read and write, never in what they
decide. Nothing here touches the database: a function takes the means (model
instances, or any object with the same attributes) and says or changes, in
memory, what the rule wants.

- the effect of each kind of evidence on a means (``qualification_apply``);
- the default rule: which validated means takes the star when a file and kind
  have none (``defaults_to_give``), and that only a validated means can be it;
- the « vérification coordonnées » status rule (``contact_check_status``);
- the value rules of a means: phone, e-mail, postal norm (``means_values``);
- the journal's sentences for these decisions, so that the services and the
  imports tell the same story.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.utils.translation import gettext as _

from dossiers.models import Dossier

from .models import POSTAL_LINE_LENGTH, ContactPoint, Evidence
from .normalize import NormalizationError, normalize_email, normalize_phone, postal_value_key

Status = ContactPoint.Status
Kind = ContactPoint.Kind
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
    Kind.PHONE: {EK.CALL_COMPLETED, EK.CALL_INCOMING, EK.WRONG_NUMBER},
    Kind.POSTAL: {EK.RECEIPT_ACK, EK.LETTER_INCOMING, EK.NPAI},
    Kind.EMAIL: {EK.EMAIL_REPLY, EK.BOUNCE},
}
MANUAL_KINDS = {EK.MANUAL_VALIDATE, EK.MANUAL_INVALIDATE, EK.MANUAL_CANCEL, EK.IMPORTED}

# Statuses the application may move to « vérification coordonnées » by itself.
AUTO_CHECK_FROM = frozenset(
    {
        Dossier.Status.INACTIVE,
        Dossier.Status.IN_PROGRESS,
        Dossier.Status.EXTERNAL_ACTIONS,
        Dossier.Status.PAYMENT,
    }
)
#: The statuses the status rule may move a file from, either way.
CONTACT_RULE_STATUSES = AUTO_CHECK_FROM | {Dossier.Status.CONTACT_CHECK}

# --- Evidence and qualification ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QualificationChange:
    """What applying a status did to a means: the fields it changed, whether its
    status changed and whether it lost the star (the default rule must then run)."""

    fields: frozenset[str] = frozenset()
    status_changed: bool = False
    default_lost: bool = False


UNCHANGED = QualificationChange()
# The only outcomes there are, made once (an import applies hundreds of thousands).
_BECAME_VALID = QualificationChange(
    frozenset({"status", "status_changed_at", "validated_at"}), True
)
_STATUS_CHANGED = QualificationChange(frozenset({"status", "status_changed_at"}), True)
_LOST_DEFAULT = QualificationChange(
    frozenset({"status", "status_changed_at", "is_default"}), True, True
)
_PROVED_AGAIN = QualificationChange(frozenset({"validated_at"}))


def qualification_apply(
    point, status: str | None, *, occurred_at: datetime.datetime, now: datetime.datetime
) -> QualificationChange:
    """Give ``point`` the ``status`` a piece of evidence (or a file) says, in memory.

    A means that becomes valid is validated at ``occurred_at``; one that stops being
    valid loses the star; a fresh proof of a valid means makes it the most recently
    validated one again. ``None`` (an « import » evidence) changes nothing.
    """
    if status is None:
        return UNCHANGED
    if status != point.status:
        point.status = status
        point.status_changed_at = now
        if status == Status.VALID:
            point.validated_at = occurred_at
            return _BECAME_VALID
        if point.is_default:
            point.is_default = False
            return _LOST_DEFAULT
        return _STATUS_CHANGED
    if status == Status.VALID:
        point.validated_at = max(point.validated_at or occurred_at, occurred_at)
        return _PROVED_AGAIN
    return UNCHANGED


def evidence_applies(evidence_kind: str, point_kind: str) -> bool:
    """Whether a kind of evidence makes sense for a kind of means (manual ones always do)."""
    return evidence_kind in MANUAL_KINDS or evidence_kind in EVIDENCE_KINDS_BY_POINT_KIND.get(
        point_kind, ()
    )


def evidence_message(*, point, evidence_kind: str, status_changed: bool) -> str:
    """The journal's sentence for a piece of evidence recorded against ``point``
    (already in its new state)."""
    values = {
        "value": point.display_value,
        "contact": point.contact.full_name,
        "evidence": EK(evidence_kind).label,
        "status": Status(point.status).label.lower(),
    }
    if status_changed:
        return _("%(value)s (%(contact)s) : %(evidence)s — désormais %(status)s.") % values
    return _("%(value)s (%(contact)s) : %(evidence)s.") % values


# --- The default rule --------------------------------------------------------------------


def can_be_default(status: str) -> bool:
    """Only a validated means can carry the star."""
    return status == Status.VALID


class _Means(Protocol):
    id: int | None
    dossier_id: int
    kind: str
    is_default: bool
    validated_at: datetime.datetime | None


M = TypeVar("M", bound=_Means)
_NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)

#: The database order of the candidates for the star, best first (for one file
#: and kind): the same precedence as ``default_precedence``.
DEFAULT_ORDER = ("-validated_at", "-id")


def default_precedence(point: _Means) -> tuple:
    """The most recently validated means first; between equals, the newest one."""
    return (point.validated_at or _NEVER, point.id or 0)


def defaults_to_give(valid_means: Iterable[M]) -> list[M]:
    """The means that must take the star: for each file and kind among these
    **validated** means where none is the default, the most recently validated one.

    ``valid_means`` holds every validated means of the files and kinds concerned
    (model instances, named rows, demo objects: anything with ``pk``, ``dossier_id``,
    ``kind``, ``is_default`` and ``validated_at``), in any order.
    """
    best: dict[tuple[int, str], tuple[tuple, M]] = {}
    starred: set[tuple[int, str]] = set()
    for point in valid_means:
        key = (point.dossier_id, point.kind)
        if point.is_default:
            starred.add(key)
            continue
        rank = (point.validated_at or _NEVER, point.id or 0)  # default_precedence
        current = best.get(key)
        if current is None or rank > current[0]:
            best[key] = (rank, point)
    return [point for key, (_rank, point) in best.items() if key not in starred]


def default_given_message(*, value: str, contact: str, kind: str) -> str:
    """The journal's sentence when the rule gives the star (no final period)."""
    return _("%(value)s (%(contact)s) devient le moyen par défaut (%(kind)s)") % {
        "value": value,
        "contact": contact,
        "kind": Kind(kind).label,
    }


# --- The « vérification coordonnées » status rule ----------------------------------------


def contact_check_status(status: str, *, has_usable: bool) -> str | None:
    """The status a file must move to given whether it still has a usable (not
    invalid) means, or None when it stays as it is."""
    if not has_usable and status in AUTO_CHECK_FROM:
        return Dossier.Status.CONTACT_CHECK
    if has_usable and status == Dossier.Status.CONTACT_CHECK:
        return Dossier.Status.IN_PROGRESS
    return None


def contact_check_message(old: str, new: str) -> str:
    """The journal's sentence for a move made by the status rule."""
    if new == Dossier.Status.CONTACT_CHECK:
        reason = _("Plus aucun moyen de contact valide : coordonnées à rechercher.")
    else:
        reason = _("Un moyen de contact valide est de nouveau disponible.")
    return _("Statut : %(old)s → %(new)s. %(reason)s") % {
        "old": Dossier.Status(old).label,
        "new": Dossier.Status(new).label,
        "reason": reason,
    }


# --- The value of a means ----------------------------------------------------------------

POSTAL_FIELDS = ("address_line1", "address_line2", "address_line3", "postcode", "city", "country")
POSTCODE_LENGTH = 10
EMAIL_LENGTH = 254


def means_values(
    *, kind: str, values: Mapping[str, Any], region: str = "FR"
) -> tuple[dict[str, Any], dict[str, str]]:
    """The stored fields of a means from what a person or a file gives (``phone``,
    ``email`` or the postal fields), and the errors, by field, in French.

    The fields hold the value in its normalised form, its ``value_key`` and, for a
    phone, mobile or landline. ``region``: how to read a national phone number.
    """
    if kind == Kind.PHONE:
        raw = values.get("phone") or ""
        # A PhoneNumber (admin, model form) is passed on in E.164, not as displayed.
        raw = str(getattr(raw, "as_e164", raw))
        if not raw.strip():
            return {}, {"phone": _("Saisissez le numéro de téléphone.")}
        try:
            e164, phone_type = normalize_phone(raw, region or "FR")
        except NormalizationError as exc:
            return {}, {"phone": str(exc)}
        return {"phone": e164, "phone_type": phone_type, "value_key": e164}, {}
    if kind == Kind.EMAIL:
        raw = str(values.get("email") or "")
        if not raw.strip():
            return {}, {"email": _("Saisissez l'adresse e-mail.")}
        try:
            email = normalize_email(raw)
        except NormalizationError as exc:
            return {}, {"email": str(exc)}
        if len(email) > EMAIL_LENGTH:
            return {}, {"email": _("Adresse e-mail trop longue (254 caractères au plus).")}
        return {"email": email, "value_key": email}, {}
    if kind != Kind.POSTAL:
        return {}, {"kind": _("Type de moyen de contact inconnu : %(kind)s.") % {"kind": kind}}
    return postal_values(values)


def postal_values(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A postal address by the French postal norm (up to six lines of 38
    characters: three address lines, postcode and town, country)."""
    get = values.get
    fields = {name: " ".join(str(get(name) or "").split()) for name in POSTAL_FIELDS}
    fields["postcode"] = fields["postcode"].replace(" ", "")
    fields["country"] = (fields["country"] or "FR").upper()
    errors: dict[str, str] = {}
    if not fields["address_line1"]:
        errors["address_line1"] = _("Saisissez la première ligne de l'adresse.")
    if not fields["city"]:
        errors["city"] = _("Saisissez la ville.")
    for name in ("address_line1", "address_line2", "address_line3", "city"):
        if len(fields[name]) > POSTAL_LINE_LENGTH:
            errors[name] = _(
                "Au plus 38 caractères par ligne (norme postale) : %(count)d saisis."
            ) % {"count": len(fields[name])}
    town = f"{fields['postcode']} {fields['city']}"
    if fields["city"] and "city" not in errors and len(town) > POSTAL_LINE_LENGTH:
        errors["city"] = _(
            "La ligne « code postal et ville » dépasse 38 caractères (norme postale)."
        )
    if not (len(fields["country"]) == 2 and fields["country"].isalpha()):
        errors["country"] = _("Indiquez le pays par son code à deux lettres (ex. FR, BE).")
    if fields["country"] == "FR" and not (
        len(fields["postcode"]) == 5 and fields["postcode"].isdigit()
    ):
        errors["postcode"] = _("Le code postal français comporte 5 chiffres (ex. 75010).")
    elif len(fields["postcode"]) > POSTCODE_LENGTH:
        errors["postcode"] = _("Code postal trop long (10 caractères au plus).")
    if errors:
        return {}, errors
    fields["value_key"] = postal_value_key(
        fields["address_line1"],
        fields["address_line2"],
        fields["address_line3"],
        fields["postcode"],
    )
    return fields, {}


__all__ = [
    "AUTO_CHECK_FROM",
    "CONTACT_RULE_STATUSES",
    "DEFAULT_ORDER",
    "EVIDENCE_EFFECT",
    "EVIDENCE_KINDS_BY_POINT_KIND",
    "MANUAL_KINDS",
    "QualificationChange",
    "can_be_default",
    "contact_check_message",
    "contact_check_status",
    "default_given_message",
    "default_precedence",
    "defaults_to_give",
    "evidence_applies",
    "evidence_message",
    "means_values",
    "postal_values",
    "qualification_apply",
]
