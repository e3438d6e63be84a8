"""Pages of the paiements app on a file. Thin: access, form, service, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossiers.templatetags.recouvrement import format_euros
from recouvrement.access import dossier_for_user

from . import services
from .forms import (
    DisputeForm,
    DisputeResolveForm,
    ExternalActionForm,
    ExternalAnswerForm,
    PaymentForm,
    PromiseForm,
    default_date,
)
from .models import Dispute, ExternalAction, Payment, Promise


def _back(dossier):
    return redirect("dossiers:detail", pk=dossier.pk)


def _apply(form, error: ValidationError) -> None:
    """A service's refusal, shown on the form (by field when it names one)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _posted(request, model, name: str, dossier, **filters):
    """The object a POST names by its id, on this file; None (and a message) when it
    is not there any more (an old page, a second click)."""
    raw = request.POST.get(name, "")
    found = (
        model.objects.filter(pk=int(raw), dossier=dossier, **filters).first()
        if raw.isdigit() and len(raw) < 19
        else None
    )
    if found is None:
        messages.error(
            request, _("Cet élément n'existe plus sur le dossier ; la page a été mise à jour.")
        )
    return found


def _page(request, dossier, form, *, title: str, submit: str, template="paiements/form.html"):
    return render(
        request, template, {"dossier": dossier, "form": form, "title": title, "submit": submit}
    )


def payment_create_view(request, pk: int):
    """« Enregistrer un paiement »."""
    dossier = dossier_for_user(request, pk, perm="paiements.add_payment")
    if request.method == "POST":
        form = PaymentForm(request.POST, dossier=dossier)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = services.payment_record(
                    dossier=dossier,
                    date=data["date"],
                    amount=data["amount"],
                    mode=data["mode"],
                    reference=data["reference"],
                    invoice_number=data["invoice"].number if data["invoice"] else "",
                    user=request.user,
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                message = _("Paiement de %(amount)s enregistré.") % {
                    "amount": format_euros(payment.amount)
                }
                if payment.unallocated:
                    message += " " + _("Avoir sur le dossier : %(credit)s.") % {
                        "credit": format_euros(payment.unallocated)
                    }
                messages.success(request, message)
                return _back(dossier)
    else:
        form = PaymentForm(
            dossier=dossier, initial={"date": timezone.localdate(), "mode": Payment.Mode.TRANSFER}
        )
    return _page(
        request,
        dossier,
        form,
        title=_("Enregistrer un paiement"),
        submit=_("Enregistrer le paiement"),
    )


@require_POST
def payment_receipt_view(request, pk: int):
    """« Quittance »: produce the receipt of a payment, kept as a piece."""
    dossier = dossier_for_user(request, pk, perm="pieces.add_piece")
    payment = _posted(request, Payment, "payment", dossier)
    if payment is None:
        return _back(dossier)
    piece = services.payment_receipt(payment=payment, user=request.user)
    messages.success(
        request,
        _("Quittance enregistrée dans les pièces : %(name)s.") % {"name": piece.original_name},
    )
    return redirect(f"{reverse('dossiers:detail', args=[dossier.pk])}?onglet=pieces#onglets")


def promise_create_view(request, pk: int):
    """« Promesse de paiement »: prefilled with the outstanding a week from today, so
    that the usual promise takes two clicks."""
    dossier = dossier_for_user(request, pk, perm="paiements.add_promise")
    if request.method == "POST":
        form = PromiseForm(request.POST, dossier=dossier)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.promise_create(
                    dossier=dossier,
                    plan=data["plan"],
                    today=timezone.localdate(),
                    receivables=list(data["receivables"] or []),
                    comment=data["comment"],
                    user=request.user,
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, _("Promesse de paiement enregistrée."))
                return _back(dossier)
    else:
        form = PromiseForm(
            dossier=dossier,
            initial={
                "kind": PromiseForm.SINGLE,
                "amount": f"{dossier.outstanding:.2f}".replace(".", ","),
                "date": default_date(7),
                "count": 3,
            },
        )
    return _page(
        request,
        dossier,
        form,
        title=_("Promesse de paiement"),
        submit=_("Enregistrer la promesse"),
    )


@require_POST
def promise_cancel_view(request, pk: int):
    dossier = dossier_for_user(request, pk, perm="paiements.add_promise")
    promise = _posted(request, Promise, "promise", dossier, status=Promise.Status.RUNNING)
    if promise is None:
        return _back(dossier)
    services.promise_cancel(promise=promise, today=timezone.localdate(), user=request.user)
    messages.success(request, _("Promesse annulée."))
    return _back(dossier)


def dispute_create_view(request, pk: int):
    """« Litige »."""
    dossier = dossier_for_user(request, pk, perm="paiements.add_dispute")
    if request.method == "POST":
        form = DisputeForm(request.POST, dossier=dossier)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.dispute_open(
                    dossier=dossier,
                    receivables=list(data["receivables"]),
                    reason=data["reason"],
                    follow_up_date=data["follow_up_date"],
                    comment=data["comment"],
                    assigned_to=data["assigned_to"],
                    user=request.user,
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, _("Litige enregistré."))
                return _back(dossier)
    else:
        form = DisputeForm(dossier=dossier, initial={"follow_up_date": default_date(14)})
    return _page(request, dossier, form, title=_("Litige"), submit=_("Enregistrer le litige"))


@require_POST
def dispute_resolve_view(request, pk: int):
    dossier = dossier_for_user(request, pk, perm="paiements.change_dispute")
    form = DisputeResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez la décision du litige."))
        return _back(dossier)
    dispute = _posted(request, Dispute, "dispute", dossier)
    if dispute is None:
        return _back(dossier)
    try:
        services.dispute_resolve(
            dispute=dispute,
            accepted=form.cleaned_data["decision"] == Dispute.Status.ACCEPTED,
            resolution=form.cleaned_data["resolution"],
            user=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Litige résolu."))
    return _back(dossier)


def external_action_create_view(request, pk: int):
    """« Action externe »."""
    dossier = dossier_for_user(request, pk, perm="paiements.add_externalaction")
    if request.method == "POST":
        form = ExternalActionForm(request.POST, dossier=dossier)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.external_action_open(
                    dossier=dossier,
                    recipient=data["recipient"],
                    request=data["request"],
                    deadline=data["deadline"],
                    receivables=list(data["receivables"] or []),
                    user=request.user,
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, _("Action externe enregistrée."))
                return _back(dossier)
    else:
        form = ExternalActionForm(dossier=dossier, initial={"deadline": default_date(7)})
    return _page(
        request, dossier, form, title=_("Action externe"), submit=_("Enregistrer la demande")
    )


@require_POST
def external_action_answer_view(request, pk: int):
    dossier = dossier_for_user(request, pk, perm="paiements.change_externalaction")
    form = ExternalAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Écrivez la réponse."))
        return _back(dossier)
    action = _posted(request, ExternalAction, "action", dossier)
    if action is None:
        return _back(dossier)
    try:
        services.external_action_answer(
            action=action, answer=form.cleaned_data["answer"], user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Réponse enregistrée."))
    return _back(dossier)
