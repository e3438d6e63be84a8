"""The contact block's contacts, rendered in Python once per render (issue 15): the
template (templates/contacts/_block.html) prints each contact's ``html``.

A block of 10 contacts × 3 means used to cost 160 ``reverse()`` calls, 100 phone
formats and 400 translations per render, then, once those were worked out here, still
about 17 ms of template engine for its 30 rows (a variable lookup, an escape and a
node per attribute). Here each action's URL is reversed and escaped once and completed
with the ids, each label translated once per process and language, each phone
formatted once, the user's permissions read once, and each row written with the same
markup the template had; every value goes through ``conditional_escape`` as the
template's autoescape did (a state or a kind once per render).
"""

from __future__ import annotations

import functools

from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from recouvrement.csrf import form_token

from .models import Contact, ContactPoint

_SENTINEL = 987_654_321_987  # an id no row has: the place of the id in a reversed URL


class UrlPattern:
    """One URL reversed with a placeholder id, then completed per row by
    concatenation: the URLconf stays the one place the path is written. The parts are
    escaped once; an id (an int) needs no escaping, so the whole is escaped."""

    def __init__(self, name: str, dossier_pk: int):
        url = reverse(name, args=[dossier_pk, _SENTINEL])
        self.prefix, self.suffix = (conditional_escape(p) for p in url.split(str(_SENTINEL)))

    def __call__(self, pk: int) -> str:
        """The row's URL, escaped for an attribute."""
        return f"{self.prefix}{int(pk)}{self.suffix}"


@functools.lru_cache(maxsize=16)
def _translated(language: str | None) -> tuple[dict, dict, dict, dict]:
    """The labels, and the escaped names of the kinds, states and line types, in the
    active ``language`` (the key): translated and escaped once per process and
    language, not once per render."""

    def escaped(choices) -> dict[str, str]:
        return {value: conditional_escape(label) for value, label in choices}

    return (
        _labels(),
        escaped(ContactPoint.Kind.choices),
        escaped(ContactPoint.Status.choices),
        escaped(ContactPoint.PhoneType.choices),
    )


def _labels() -> dict[str, str]:
    """Every label of a row, translated. Not escaped, as the template's
    ``{% translate %}`` of a literal was not: translations are ours."""
    labels = {
        "validate": _("Valider"),
        "invalidate": _("Invalider"),
        "cancel": _("Annuler la validation"),
        "edit_contact": _("Modifier le contact"),
        "default": _("Moyen par défaut"),
        "use_default": _("Utiliser par défaut"),
        "on": _("le"),
        "entered_on": _("saisi le"),
        "imported_on": _("importé le"),
        "more_on": _("Autres actions sur"),
        "more": _("Autres actions"),
        "edit": _("Modifier"),
        "call": _("Appeler"),
        "call_report": _("Compte rendu d'appel"),
        "sms": _("Envoyer un SMS"),
        "email": _("Envoyer un e-mail"),
        "letter": _("Envoyer un courrier"),
        "export": _("Exporter les données personnelles"),
        "no_point": _("Aucun moyen de contact à afficher."),
    }
    return labels


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


def _day(value) -> str:
    """``value|date:"d/m/Y"`` of the template: in the current time zone."""
    return timezone.localtime(value).strftime("%d/%m/%Y")


def _person(user) -> str:
    return conditional_escape(user.get_full_name() or user.username)


class _Block:
    """What every row of one render shares: labels, URL patterns, permissions, the
    CSRF field."""

    def __init__(self, request, dossier_pk: int, unfold_query: str):
        user = request.user
        self.can_change = user.has_perm("contacts.change_contactpoint")
        self.can_change_contact = user.has_perm("contacts.change_contact")
        self.can_export = user.has_perm("rgpd.export_personal_data")
        self.csrf = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', form_token(request)
        )
        self.labels, self.kinds, self.states, self.line_types = _translated(get_language())
        self.qualify = {
            "validate": UrlPattern("contacts:point_validate", dossier_pk),
            "invalidate": UrlPattern("contacts:point_invalidate", dossier_pk),
            "cancel": UrlPattern("contacts:point_cancel_validation", dossier_pk),
        }
        self.default_url = UrlPattern("contacts:point_default", dossier_pk)
        self.update_url = UrlPattern("contacts:point_update", dossier_pk)
        self.contact_update_url = UrlPattern("contacts:contact_update", dossier_pk)
        self.export_url = UrlPattern("rgpd:contact_export", dossier_pk)
        self.channel = {
            name: conditional_escape(
                reverse(f"communication:{name}", args=[dossier_pk]) + "?moyen="
            )
            for name in ("call", "sms", "email", "letter")
        }
        self.unfold_query = conditional_escape(unfold_query)
        self._codes: dict[str, str] = {}

    def code(self, value: str) -> str:
        """A stored code (a state, a kind: a handful of values), escaped once per render."""
        escaped = self._codes.get(value)
        if escaped is None:
            escaped = self._codes[value] = conditional_escape(value)
        return escaped

    def qualification(self, key: str, pk: int, display: str) -> str:
        url = self.qualify[key](pk)
        label = self.labels[key]
        return (
            f'<form method="post" action="{url}" hx-post="{url}" class="d-inline">{self.csrf}'
            f'<button type="submit" class="btn btn-sm {_CSS[key]} py-0 w-100 text-nowrap" '
            f'aria-label="{label} {display}" data-focus-key="{key}">{label}</button></form>'
        )

    def reason(self, point: ContactPoint) -> str:
        """Why the means is in its state: its last evidence, else who entered it."""
        L, ev = self.labels, point.last_evidence
        status = self.code(point.status)
        state = self.states.get(point.status) or self.code(point.status)
        title = (
            f' title="{conditional_escape(ev.comment)}"' if ev is not None and ev.comment else ""
        )
        if ev is not None:
            kind = conditional_escape(ev.get_kind_display())
            text = f"{kind} {L['on']} {_day(ev.occurred_at)}"
            if ev.recorded_by is not None:
                text += f", {_person(ev.recorded_by)}"
            else:
                source = ev.source_detail or ev.get_source_display()
                text += f" ({conditional_escape(source)})"
        elif point.created_by is not None:
            text = f"{L['entered_on']} {_day(point.created_at)}, {_person(point.created_by)}"
        else:
            text = f"{L['imported_on']} {_day(point.created_at)}"
        return (
            f'<span class="small app-point-reason"{title}><span class="badge app-state '
            f'app-state-{status}">{state}</span> — {text}</span>'
        )

    def contact_links(self, point: ContactPoint, display: str) -> str:
        """The icons that make sense for the means, none for an invalid one."""
        L, pk, kind = self.labels, point.pk, point.kind
        link = '<a class="btn btn-sm btn-link p-0 px-1 app-point-action" href="{}" aria-label="{}" title="{}"><i class="bi {}" aria-hidden="true"></i></a>'  # noqa: E501
        if point.status == ContactPoint.Status.INVALID:
            return ""
        if kind == ContactPoint.Kind.PHONE:
            e164 = conditional_escape(point.phone.as_e164)
            html = link.format(f"tel:{e164}", L["call"], f"{L['call']} {display}", "bi-telephone")
            html += link.format(
                f"{self.channel['call']}{pk}", L["call_report"], L["call_report"], "bi-journal-text"
            )
            if point.is_mobile:
                html += link.format(
                    f"{self.channel['sms']}{pk}", L["sms"], L["sms"], "bi-chat-text"
                )
            return html
        if kind == ContactPoint.Kind.EMAIL:
            return link.format(
                f"{self.channel['email']}{pk}", L["email"], L["email"], "bi-envelope-at"
            )
        if kind == ContactPoint.Kind.POSTAL:
            return link.format(
                f"{self.channel['letter']}{pk}", L["letter"], L["letter"], "bi-printer"
            )
        return ""

    def point(self, point: ContactPoint, display: str, former: str) -> str:
        L, pk, status, kind = self.labels, point.pk, point.status, point.kind
        css = f"app-point-{self.code(status)} app-point-{self.code(kind)}"
        if point.is_default:
            css += " app-point-default"
        if status == ContactPoint.Status.INVALID:
            css += " invalide"
        html = [
            f'<li class="d-flex align-items-center column-gap-2 app-point {css}" '
            f'id="point-{pk}" data-point="{pk}"><span class="app-star">'
        ]
        if point.is_default:
            # Inert: out of the tab order, but focusable by script (the focus comes
            # back here once it is chosen).
            html.append(
                f'<button type="button" class="btn btn-link p-0 app-star-btn" tabindex="-1" '
                f'aria-disabled="true" aria-label="{L["default"]}" title="{L["default"]}" '
                f'data-focus-key="star"><i class="bi bi-star-fill" aria-hidden="true"></i></button>'
            )
        elif status == ContactPoint.Status.VALID and self.can_change:
            # A GET form: without JavaScript, the confirmation page; with it, the dialog.
            url = self.default_url(pk)
            html.append(
                f'<form method="get" action="{url}" class="d-inline"><button type="submit" '
                f'class="btn btn-link p-0 app-star-btn" aria-label="{L["use_default"]}" '
                f'title="{L["use_default"]}" data-focus-key="star" data-default-confirm '
                f'data-url="{url}" data-value="{display}" data-former="{former}">'
                f'<i class="bi bi-star" aria-hidden="true"></i></button></form>'
            )
        elif status == ContactPoint.Status.VALID:
            html.append('<i class="bi bi-star app-star-icon" aria-hidden="true"></i>')
        if kind == ContactPoint.Kind.PHONE:
            icon = "bi-phone" if point.is_mobile else "bi-telephone"
        else:
            icon = "bi-envelope" if kind == ContactPoint.Kind.EMAIL else "bi-mailbox"
        if kind == ContactPoint.Kind.POSTAL:
            value = ", ".join(
                f'<span class="text-nowrap">{conditional_escape(line)}</span>'
                for line in point.address_lines
            )
        else:
            value = display
        html.append(
            f'</span><i class="bi {icon} app-kind" aria-hidden="true"></i>'
            f'<span class="visually-hidden">{self.kinds.get(kind) or self.code(kind)}'
            f'</span><span class="app-point-value">{value}</span>'
        )
        if point.phone_type:
            line_type = self.line_types.get(point.phone_type) or self.code(point.phone_type)
            html.append(
                f'<span class="badge text-bg-light border app-line-type">{line_type}</span>'
            )
        html.append(self.reason(point))
        # A qualification names its means (« Valider 06 12 34 56 78 »), so that the
        # reassignment's « Valider » is the only one.
        shown, menu = _TOOLS.get(status, ((), ())) if self.can_change else ((), ())
        html.append('<span class="ms-auto d-inline-flex align-items-center gap-1 app-point-tools">')
        html.extend(self.qualification(key, pk, display) for key in shown)
        html.append(self.contact_links(point, display))
        if self.can_change:
            html.append(
                f'<details class="app-more"><summary class="btn btn-sm btn-link '
                f'text-body-secondary py-0 px-1 app-icon-btn" aria-label="{L["more_on"]} '
                f'{display}" title="{L["more"]}" data-focus-key="more"><i class="bi '
                f'bi-three-dots" aria-hidden="true"></i></summary><div class="app-more-menu '
                f'border rounded shadow-sm bg-body p-1 d-flex flex-column gap-1">'
            )
            html.extend(self.qualification(key, pk, display) for key in menu)
            html.append(
                f'<form method="get" action="{self.update_url(pk)}">'
                f'<button type="submit" class="btn btn-sm btn-outline-secondary text-start '
                f'w-100" aria-label="{L["edit"]} {display}"><i class="bi bi-pencil" '
                f'aria-hidden="true"></i> {L["edit"]}</button></form></div></details>'
            )
        html.append("</span></li>")
        return "".join(html)

    def contact(self, contact: Contact, displays: dict[int, str]) -> SafeString:
        L, pk = self.labels, contact.pk
        name = conditional_escape(contact.full_name)
        html = [
            f'<article class="border rounded px-2 py-1 mb-2 app-contact" id="contact-{pk}" '
            f'aria-label="{name}"><div class="d-flex justify-content-between '
            f'align-items-start gap-2"><div><span class="fw-bold">{name}</span>'
        ]
        if contact.function:
            html.append(
                f'<span class="text-body-secondary"> — {conditional_escape(contact.function)}</span>'
            )
        html.append("</div>")
        if self.can_export:
            html.append(
                f'<form method="post" action="{self.export_url(pk)}" '
                f'class="ms-auto app-rgpd-export">{self.csrf}<button type="submit" '
                f'class="btn btn-sm btn-link text-body-secondary py-0 px-1" '
                f'title="{L["export"]}"><i class="bi bi-file-earmark-zip" aria-hidden="true">'
                f'</i><span class="visually-hidden">{L["export"]}</span></button></form>'
            )
        if self.can_change_contact:
            html.append(
                f'<a class="btn btn-sm btn-link text-body-secondary py-0 px-1 app-icon-btn" '
                f'href="{self.contact_update_url(pk)}" '
                f'aria-label="{L["edit_contact"]} {name}" title="{L["edit_contact"]}">'
                f'<i class="bi bi-pencil" aria-hidden="true"></i></a>'
            )
        html.append("</div>")
        if contact.observation:
            html.append(
                '<div class="small fst-italic text-body-secondary app-observation">'
                f"{conditional_escape(contact.observation)}</div>"
            )
        html.append('<ul class="list-unstyled mb-0 mt-1">')
        for point in contact.shown_points:
            former = getattr(point, "current_default", None)
            former_display = ""
            if former is not None:
                former_display = displays.get(former.pk) or conditional_escape(former.display_value)
            html.append(self.point(point, displays[point.pk], former_display))
        if not contact.shown_points:
            html.append(f'<li class="small text-body-secondary">{L["no_point"]}</li>')
        if contact.folded_points:
            n = contact.folded_points
            label = ngettext("Afficher l’autre moyen", "Afficher les %(n)s autres moyens", n)
            html.append(
                f'<li class="small app-fold"><a href="?{self.unfold_query}#contact-{pk}">'
                f"{label % {'n': n}}</a></li>"
            )
        hidden = getattr(contact, "hidden_invalid", 0)
        if hidden:
            label = ngettext(
                "%(n)s moyen invalide masqué", "%(n)s moyens invalides masqués", hidden
            )
            html.append(
                f'<li class="small text-body-secondary app-hidden-count">{label % {"n": hidden}}</li>'
            )
        html.append("</ul></article>")
        return SafeString("".join(html))


def decorate(request, dossier_pk: int, contacts: list[Contact], unfold_query: str) -> None:
    """Sets on each contact ``html``: its article, with its shown means."""
    block = _Block(request, dossier_pk, unfold_query)
    displays: dict[int, str] = {}
    for contact in contacts:
        for point in contact.shown_points:
            displays[point.pk] = conditional_escape(point.display_value)
    for contact in contacts:
        contact.html = block.contact(contact, displays)
