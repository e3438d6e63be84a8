"""What the contact block shows of each contact and means, worked out once per render
(issue 15): the template then only prints it.

A block of 10 contacts × 3 means used to cost 160 ``reverse()`` calls, 100 phone
formats and 400 translations per render, most of them the same ones again: here each
action's URL is reversed once and completed with the ids, each label translated once,
each phone formatted once, the user's permissions read once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .models import Contact, ContactPoint

_SENTINEL = 987_654_321_987  # an id no row has: the place of the id in a reversed URL


class UrlPattern:
    """One URL reversed with a placeholder id, then completed per row by
    concatenation: the URLconf stays the one place the path is written."""

    def __init__(self, name: str, dossier_pk: int):
        self.prefix, self.suffix = reverse(name, args=[dossier_pk, _SENTINEL]).split(str(_SENTINEL))

    def __call__(self, pk: int) -> str:
        return f"{self.prefix}{pk}{self.suffix}"


@dataclass(frozen=True)
class Qualification:
    url: str
    label: str
    css: str
    key: str


def _labels() -> dict[str, str]:
    return {
        "validate": _("Valider"),
        "invalidate": _("Invalider"),
        "cancel": _("Annuler la validation"),
    }


_CSS = {
    "validate": "btn-outline-success",
    "invalidate": "btn-outline-danger",
    "cancel": "btn-outline-secondary",
}
# By state: the buttons shown on the line, then those of its « … » menu.
_TOOLS = {
    ContactPoint.Status.PENDING: (("validate", "invalidate"), ()),
    ContactPoint.Status.INVALID: (("cancel",), ("validate",)),
    ContactPoint.Status.VALID: ((), ("invalidate", "cancel")),
}


def decorate(request, dossier_pk: int, contacts: list[Contact]) -> dict:
    """Sets on each shown means ``display`` (its value, formatted once), its labels,
    ``urls`` and
    ``tools``/``more`` (its qualification buttons); returns the block's
    per-render context (labels, permissions, the CSRF field)."""
    user = request.user
    can_change = user.has_perm("contacts.change_contactpoint")
    qualify = {
        "validate": UrlPattern("contacts:point_validate", dossier_pk),
        "invalidate": UrlPattern("contacts:point_invalidate", dossier_pk),
        "cancel": UrlPattern("contacts:point_cancel_validation", dossier_pk),
    }
    default_url = UrlPattern("contacts:point_default", dossier_pk)
    update_url = UrlPattern("contacts:point_update", dossier_pk)
    contact_update_url = UrlPattern("contacts:contact_update", dossier_pk)
    export_url = UrlPattern("rgpd:contact_export", dossier_pk)
    channel = {
        "call": reverse("communication:call", args=[dossier_pk]) + "?moyen=",
        "sms": reverse("communication:sms", args=[dossier_pk]) + "?moyen=",
        "email": reverse("communication:email", args=[dossier_pk]) + "?moyen=",
        "letter": reverse("communication:letter", args=[dossier_pk]) + "?moyen=",
    }
    labels = _labels()
    kinds = {value: str(label) for value, label in ContactPoint.Kind.choices}
    states = {value: str(label) for value, label in ContactPoint.Status.choices}
    line_types = {value: str(label) for value, label in ContactPoint.PhoneType.choices}
    displays: dict[int, str] = {}
    for contact in contacts:
        contact.update_url = contact_update_url(contact.pk)
        contact.export_url = export_url(contact.pk)
        for point in contact.shown_points:
            displays[point.pk] = point.display = point.display_value
    for contact in contacts:
        for point in contact.shown_points:
            former = getattr(point, "current_default", None)
            point.former_display = (
                displays.get(former.pk) or former.display_value if former is not None else ""
            )
            point.kind_label = kinds.get(point.kind, point.kind)
            point.status_label = states.get(point.status, point.status)
            point.phone_type_label = line_types.get(point.phone_type, point.phone_type)
            pk = point.pk
            point.urls = {
                "default": default_url(pk),
                "update": update_url(pk),
                "call": f"{channel['call']}{pk}",
                "sms": f"{channel['sms']}{pk}",
                "email": f"{channel['email']}{pk}",
                "letter": f"{channel['letter']}{pk}",
            }
            shown, menu = _TOOLS.get(point.status, ((), ())) if can_change else ((), ())
            point.tools = [Qualification(qualify[k](pk), labels[k], _CSS[k], k) for k in shown]
            point.more = [Qualification(qualify[k](pk), labels[k], _CSS[k], k) for k in menu]
    return {
        "can_change_point": can_change,
        "can_change_contact": user.has_perm("contacts.change_contact"),
        "can_export": user.has_perm("rgpd.export_personal_data"),
        "csrf_input": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        ),
    }
