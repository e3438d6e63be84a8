"""Communication actions on a file: hub, call report, letter, SMS, e-mail.

Thin views: access check first, form, service call, then render or redirect.
Every page works without JavaScript; a failed send shows the form again with the
agent's text and a clear message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from recouvrement.access import dossier_for_user, require_perm

from .forms_communication import CallReportForm, EmailForm, LetterForm, SmsForm
from .messaging import services
from .messaging.selectors import hub_points
from .messaging.sms import sms_length, sms_normalize
from .models import Communication

SEND_PERMISSION = "contacts.add_communication"


def _detail_url(dossier, tab: str) -> str:
    return f"{reverse('dossiers:detail', args=[dossier.pk])}?onglet={tab}#onglets"


def _initial_point(request, form):
    """The means asked for in ?moyen=, else the file's default of that kind, else the first.

    The choices are ordered default first (see communication_points), so the default
    means of the kind is preselected without another query.
    """
    choices = list(form.fields["point"].queryset)
    wanted = request.GET.get("moyen", "")
    for point in choices:
        if str(point.pk) == wanted:
            return point.pk
    return choices[0].pk if choices else None


def _render(request, template, dossier, form, **extra):
    """The whole page, or with htmx only the form (partial « form-card ») in place."""
    context = {"dossier": dossier, "form": form, **extra}
    name = f"contacts/communication/{template}"
    return render(request, f"{name}#form-card" if request.htmx else name, context)


def _done(request, url: str):
    """After a successful action, back to the file (htmx follows with HX-Redirect)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def communication_hub_view(request, pk: int):
    dossier = dossier_for_user(request, pk)
    points = hub_points(dossier=dossier)
    actions = [
        ("call", _("Appeler"), "bi-telephone", "communication:call", points["call"]),
        (
            "letter",
            _("Envoyer un courrier"),
            "bi-printer",
            "communication:letter",
            points["letter"],
        ),
        ("sms", _("Envoyer un SMS"), "bi-chat-text", "communication:sms", points["sms"]),
        ("email", _("Envoyer un e-mail"), "bi-envelope-at", "communication:email", points["email"]),
    ]
    context = {
        "dossier": dossier,
        "actions": [
            {
                "key": key,
                "label": label,
                "icon": icon,
                "url": reverse(url_name, args=[dossier.pk]),
                "points": action_points,
                "target": action_points[0] if action_points else None,
            }
            for key, label, icon, url_name, action_points in actions
        ],
    }
    return render(request, "contacts/communication/hub.html", context)


def call_report_view(request, pk: int):
    dossier = dossier_for_user(request, pk)
    if request.method == "POST":
        require_perm(request.user, SEND_PERMISSION)
        require_perm(request.user, "contacts.add_evidence")
        form = CallReportForm(request.POST, dossier=dossier)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.call_report_record(
                    point=data["point"],
                    outcome=data["outcome"],
                    comment=data["comment"],
                    incoming=data["direction"] == "entrant",
                    user=request.user,
                )
            except services.CommunicationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Compte rendu d'appel enregistré."))
                return _done(request, _detail_url(dossier, "journal"))
    else:
        form = CallReportForm(dossier=dossier)
        form.initial["point"] = _initial_point(request, form)
    selected = _selected_point(form)
    return _render(request, "call.html", dossier, form, selected=selected)


def _selected_point(form):
    value = form["point"].value()
    for point in form.fields["point"].queryset:
        if str(point.pk) == str(value):
            return point
    return None


def letter_view(request, pk: int):
    dossier = dossier_for_user(request, pk)
    preview = None
    if request.method == "POST":
        require_perm(request.user, SEND_PERMISSION)
        form = LetterForm(request.POST, dossier=dossier)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if request.POST.get("action") == "generate":
                    communication = services.letter_send(
                        dossier=dossier,
                        point=data["point"],
                        template=data["template"],
                        user=request.user,
                    )
                    messages.success(
                        request,
                        _("Courrier généré : %(name)s, rangé dans les pièces du dossier.")
                        % {"name": communication.piece.original_name},
                    )
                    return _done(request, _detail_url(dossier, "pieces"))
                preview = services.letter_build(
                    dossier=dossier,
                    point=data["point"],
                    template=data["template"],
                    user=request.user,
                )
            except services.CommunicationError as exc:
                form.add_error(None, str(exc))
    else:
        form = LetterForm(dossier=dossier)
        form.initial["point"] = _initial_point(request, form)
    return _render(request, "letter.html", dossier, form, preview=preview)


def _template_loaded_form(form_class, request, dossier, fields: dict[str, str]):
    """An unbound form showing the chosen template's text, ready to be edited."""
    initial = {"point": request.POST.get("point"), "template": request.POST.get("template")}
    form = form_class(dossier=dossier, initial=initial)
    probe = form_class(request.POST, dossier=dossier)
    probe.is_valid()
    template = probe.cleaned_data.get("template")
    point = probe.cleaned_data.get("point")
    if template is None:
        form.initial.update({name: request.POST.get(name, "") for name in fields})
        return form, _("Choisissez d'abord un modèle.")
    rendered = services.message_render(dossier=dossier, point=point, template=template)
    for name, source in fields.items():
        form.initial[name] = getattr(rendered, source)
    return form, None


@dataclass(frozen=True)
class _MessageKind:
    """What differs between the SMS and the e-mail pages (the rest is one view)."""

    form_class: type
    page: str
    #: form field → attribute of the rendered template, for « charger le modèle »
    fields: dict[str, str]
    send: Callable[..., Communication]
    sent: str
    sent_incomplete: str
    failed: str
    tab: str
    normalize: Callable[[str], str] | None = None


def _message_kinds() -> dict[str, _MessageKind]:
    # Built per request: the texts are translated in the active language.
    return {
        "sms": _MessageKind(
            form_class=SmsForm,
            page="sms.html",
            fields={"text": "body"},
            send=lambda data, **common: services.sms_send(text=data["text"], **common),
            sent=_("SMS envoyé à %(to)s."),
            sent_incomplete=_("SMS envoyé à %(to)s, mais %(error)s : ne le renvoyez pas."),
            failed=_(
                "Le SMS n'a pas été envoyé : %(error)s Votre texte est conservé ci-dessous, "
                "réessayez plus tard."
            ),
            tab="journal",
            normalize=sms_normalize,
        ),
        "email": _MessageKind(
            form_class=EmailForm,
            page="email.html",
            fields={"subject": "subject", "body": "body"},
            send=lambda data, **common: services.email_send(
                subject=data["subject"], body=data["body"], **common
            ),
            sent=_("E-mail envoyé à %(to)s ; une copie est rangée dans les pièces."),
            sent_incomplete=_("E-mail envoyé à %(to)s, mais %(error)s : ne le renvoyez pas."),
            failed=_(
                "L'e-mail n'a pas été envoyé : %(error)s Votre texte est conservé ci-dessous, "
                "réessayez plus tard."
            ),
            tab="pieces",
        ),
    }


def _message_view(request, pk: int, kind_name: str):
    """The SMS and e-mail pages: load a template, or send; a send that did not go
    out keeps the form with the agent's text and why."""
    kind = _message_kinds()[kind_name]
    dossier = dossier_for_user(request, pk)
    error = None
    if request.method == "POST":
        require_perm(request.user, SEND_PERMISSION)
        if request.POST.get("action") == "load":
            form, error = _template_loaded_form(kind.form_class, request, dossier, kind.fields)
            if kind.normalize is not None:
                for name in kind.fields:
                    if form.initial.get(name):
                        form.initial[name] = kind.normalize(form.initial[name])
        else:
            form = kind.form_class(request.POST, dossier=dossier)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    communication = kind.send(
                        data,
                        dossier=dossier,
                        point=data["point"],
                        template=data["template"],
                        user=request.user,
                    )
                except services.CommunicationError as exc:
                    form.add_error(None, str(exc))
                else:
                    values = {"to": communication.recipient, "error": communication.error}
                    if communication.status != Communication.Status.SENT:
                        error = kind.failed % values
                    else:
                        if communication.error:
                            messages.warning(request, kind.sent_incomplete % values)
                        else:
                            messages.success(request, kind.sent % values)
                        return _done(request, _detail_url(dossier, kind.tab))
    else:
        form = kind.form_class(dossier=dossier)
        form.initial["point"] = _initial_point(request, form)
    extra = {"send_error": error}
    if kind_name == "sms":
        extra["length"] = sms_length(sms_normalize(form["text"].value() or ""))
    return _render(request, kind.page, dossier, form, **extra)


def sms_view(request, pk: int):
    return _message_view(request, pk, "sms")


def email_view(request, pk: int):
    return _message_view(request, pk, "email")
