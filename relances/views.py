"""Pages of the reminders: the worklist « À faire » and the file's scenario actions.
Thin: access, form, service, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvrement.access import can_view_dossiers, dossier_for_user, require_perm

from . import selectors, services
from .forms import PauseForm, ScenarioChangeForm
from .models import PlannedAction
from .sending import ActionUnavailable

MANAGE_PERMISSION = "relances.manage_scenariorun"
SEND_PERMISSION = "contacts.add_communication"
SORTS = {"date", "-date", "montant", "-montant"}


def worklist_view(request):
    if not can_view_dossiers(request.user):
        raise Http404
    sort = request.GET.get("tri") if request.GET.get("tri") in SORTS else "date"
    items = selectors.worklist(user=request.user, sort=sort)
    return render(
        request,
        "relances/worklist.html",
        {"items": items, "sort": sort, "nav": "a_faire", "today": timezone.localdate()},
    )


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("relances:worklist")


def _action_for(request, action_pk: int, perm: str) -> PlannedAction:
    if not can_view_dossiers(request.user):
        raise Http404
    action = get_object_or_404(PlannedAction.objects.select_related("step__scenario"), pk=action_pk)
    dossier_for_user(request, action.dossier_id, perm=perm)
    return action


@require_POST
def action_send_view(request, action_pk: int):
    action = _action_for(request, action_pk, SEND_PERMISSION)
    try:
        result = services.action_confirm_send(action=action, user=request.user)
    except ActionUnavailable as exc:
        messages.error(request, str(exc))
        return _back(request)
    if result.state == PlannedAction.State.SENT:
        messages.success(request, _("« %(label)s » envoyé.") % {"label": action.step.label})
    elif result.contact_search:
        messages.error(
            request,
            _("Pas de moyen par défaut utilisable : « Rechercher les coordonnées » du dossier."),
        )
    else:
        messages.error(
            request,
            _("L'envoi a échoué : %(error)s") % {"error": result.error or _("erreur inconnue")},
        )
    return _back(request)


@require_POST
def action_ignore_view(request, action_pk: int):
    action = _action_for(request, action_pk, MANAGE_PERMISSION)
    try:
        services.action_ignore(action=action, user=request.user)
    except ActionUnavailable as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("« %(label)s » ignoré.") % {"label": action.step.label})
    return _back(request)


@require_POST
def action_done_view(request, action_pk: int):
    action = _action_for(request, action_pk, MANAGE_PERMISSION)
    try:
        services.action_task_done(action=action, user=request.user)
    except ActionUnavailable as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("« %(label)s » fait.") % {"label": action.step.label})
    return _back(request)


def run_pause_view(request, pk: int):
    """« Suspendre » the file's scenario until a date, with a reason."""
    dossier = dossier_for_user(request, pk, perm=MANAGE_PERMISSION)
    form = PauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.run_pause(
                dossier=dossier,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Relances suspendues."))
            return redirect("dossiers:detail", pk=dossier.pk)
    return render(request, "relances/pause.html", {"dossier": dossier, "form": form})


@require_POST
def run_resume_view(request, pk: int):
    dossier = dossier_for_user(request, pk, perm=MANAGE_PERMISSION)
    try:
        services.run_resume(dossier=dossier, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Relances reprises."))
    return redirect("dossiers:detail", pk=dossier.pk)


def scenario_change_view(request, pk: int):
    """« Changer de scénario »: the old one's pending action is cancelled."""
    dossier = dossier_for_user(request, pk, perm=MANAGE_PERMISSION)
    require_perm(request.user, MANAGE_PERMISSION)
    form = ScenarioChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.scenario_change(
                dossier=dossier, scenario=form.cleaned_data["scenario"], user=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Scénario de relance changé."))
            return redirect("dossiers:detail", pk=dossier.pk)
    return render(request, "relances/scenario_change.html", {"dossier": dossier, "form": form})
