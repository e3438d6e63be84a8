"""The contact block's actions. Thin: access, form, service, then the block again
(in place for htmx, a redirect to the file otherwise)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossiers.forms import ReassignForm
from dossiers.models import Dossier
from recouvrement.access import dossier_for_user

from . import rows, services
from .folding import folded_block_context
from .forms import POINT_FORMS, ContactForm, new_contact_point_forms
from .models import Contact, ContactPoint
from .selectors import SHOW_INVALID_SESSION_KEY, contact_block

BLOCK_PARTIAL = "contacts/_block.html#contact-block"

QUALIFY_ACTIONS = {
    "valider": (services.contact_point_validate, _("%(value)s est validé.")),
    "invalider": (services.contact_point_invalidate, _("%(value)s est invalidé.")),
    "annuler-validation": (
        services.contact_point_cancel_validation,
        _("Validation annulée : %(value)s est de nouveau à qualifier."),
    ),
}


def contact_block_context(request, dossier: Dossier) -> dict:
    show_invalid = bool(request.session.get(SHOW_INVALID_SESSION_KEY, False))
    can_reassign = request.user.has_perm("dossiers.reassign_dossier")
    # a11y (issue 16): a large file folds its contacts and means.
    folded = folded_block_context(
        request, contact_block(dossier=dossier, show_invalid=show_invalid)
    )
    # Each contact's article, written once per render (issue 15): contacts/rows.py.
    rows.decorate(request, dossier.pk, folded["contacts"], folded["unfold_query"])
    return {
        "dossier": dossier,
        **folded,
        "show_invalid": show_invalid,
        # The collaborators' query only for who may reassign (the form's only reader).
        "reassign_form": ReassignForm(initial={"assigned_to": dossier.assigned_to_id})
        if can_reassign
        else None,
        "can_reassign": can_reassign,
    }


def _file_url(dossier: Dossier) -> str:
    return reverse("dossiers:detail", args=[dossier.pk]) + "#contact-block"


def _block_response(request, dossier: Dossier):
    """After an action: the block in place (with the messages) for htmx, else the file."""
    if not request.htmx:
        return redirect(_file_url(dossier))
    response = render(request, BLOCK_PARTIAL, contact_block_context(request, dossier))
    response.write(render_to_string("contacts/_messages_oob.html", request=request))
    return response


def _point(dossier: Dossier, point_id: int) -> ContactPoint:
    return get_object_or_404(
        ContactPoint.objects.select_related("contact"), pk=point_id, dossier=dossier
    )


@require_POST
def show_invalid_view(request, pk: int):
    dossier = dossier_for_user(request, pk)
    request.session[SHOW_INVALID_SESSION_KEY] = request.POST.get("show_invalid") in {"1", "on"}
    return _block_response(request, dossier)


def contact_create_view(request, pk: int):
    dossier = dossier_for_user(request, pk, perm="contacts.add_contact")
    form = ContactForm(request.POST or None)
    point_forms = new_contact_point_forms(request.POST or None)
    # Every form is checked, so that all the errors show at once.
    valid = [f.is_valid() for f in [form, *(f for _p, f in point_forms)]]
    if request.method == "POST" and all(valid):
        points = [(f.kind, f.service_kwargs()) for _p, f in point_forms if f.has_changed()]
        try:
            contact = services.contact_create(
                dossier=dossier, user=request.user, **form.service_kwargs(), points=points
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Contact %(name)s ajouté.") % {"name": contact.full_name})
            return redirect(_file_url(dossier))
    return render(
        request,
        "contacts/contact_form.html",
        {"dossier": dossier, "form": form, "point_forms": point_forms, "contact": None},
    )


def contact_update_view(request, pk: int, contact_id: int):
    dossier = dossier_for_user(request, pk, perm="contacts.change_contact")
    contact = get_object_or_404(Contact, pk=contact_id, dossier=dossier)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(contact=contact, user=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Contact %(name)s enregistré.") % {"name": contact})
            return redirect(_file_url(dossier))
    return render(
        request,
        "contacts/contact_form.html",
        {
            "dossier": dossier,
            "form": form,
            # The form has written the typed values on the instance: show the saved name.
            "contact": Contact.objects.get(pk=contact.pk) if form.is_bound else contact,
            "points": contact.points.select_related("last_evidence__recorded_by"),
            "kinds": ContactPoint.Kind.choices,
        },
    )


def point_create_view(request, pk: int, contact_id: int, kind: str):
    dossier = dossier_for_user(request, pk, perm="contacts.add_contactpoint")
    contact = get_object_or_404(Contact, pk=contact_id, dossier=dossier)
    if kind not in POINT_FORMS:
        raise Http404
    form = POINT_FORMS[kind](request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            point = services.contact_point_create(
                contact=contact, user=request.user, kind=kind, **form.service_kwargs()
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request, _("%(value)s ajouté, à qualifier.") % {"value": point.display_value}
            )
            return redirect(_file_url(dossier))
    return render(
        request,
        "contacts/point_form.html",
        {
            "dossier": dossier,
            "contact": contact,
            "form": form,
            "kind_label": ContactPoint.Kind(kind).label,
            "point": None,
        },
    )


def point_update_view(request, pk: int, point_id: int):
    dossier = dossier_for_user(request, pk, perm="contacts.change_contactpoint")
    point = _point(dossier, point_id)
    form_class = POINT_FORMS[point.kind]
    form = form_class(request.POST or None, initial=form_class.initial_for(point))
    if request.method == "POST" and form.is_valid():
        try:
            point = services.contact_point_update(
                point=point, user=request.user, **form.service_kwargs()
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("%(value)s enregistré.") % {"value": point.display_value})
            return redirect(_file_url(dossier))
    return render(
        request,
        "contacts/point_form.html",
        {
            "dossier": dossier,
            "contact": point.contact,
            "form": form,
            "kind_label": point.get_kind_display(),
            "point": point,
        },
    )


@require_POST
def point_qualify_view(request, pk: int, point_id: int, action: str):
    dossier = dossier_for_user(request, pk, perm="contacts.change_contactpoint")
    point = _point(dossier, point_id)
    if action not in QUALIFY_ACTIONS:
        raise Http404
    service, done = QUALIFY_ACTIONS[action]
    try:
        service(point=point, user=request.user)
    except services.QualificationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done % {"value": point.display_value})
    return _block_response(request, dossier)


def point_default_view(request, pk: int, point_id: int):
    """GET: the confirmation (« Oui » / « Non ») for browsers without JavaScript;
    POST (« Oui »): the means becomes the default of its kind."""
    dossier = dossier_for_user(request, pk, perm="contacts.change_contactpoint")
    point = _point(dossier, point_id)
    if request.method == "POST":
        try:
            services.contact_point_set_default(point=point, user=request.user)
        except services.QualificationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("%(value)s est le moyen par défaut.") % {"value": point.display_value}
            )
        return _block_response(request, dossier)
    if point.status != ContactPoint.Status.VALID or point.is_default:
        messages.info(request, _("Ce moyen de contact ne peut pas devenir le moyen par défaut."))
        return redirect(_file_url(dossier))
    former = (
        ContactPoint.objects.filter(dossier=dossier, kind=point.kind, is_default=True)
        .exclude(pk=point.pk)
        .first()
    )
    return render(
        request,
        "contacts/default_confirm.html",
        {"dossier": dossier, "point": point, "former": former, "cancel_url": _file_url(dossier)},
    )


def _attach(form, exc: ValidationError) -> None:
    """Show a service's refusal on the form (fields it names, or the whole form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
