"""Pages of the files: the list and the client file. Thin: access, form, service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contacts.views import contact_block_context
from pieces.selectors import dossier_pieces
from recouvrement.access import can_view_dossiers, dossier_for_user

from . import selectors, services
from .forms import DossierFilterForm, NextActionForm, NoteForm, ReassignForm, StatusForm
from .models import Dossier

FOLLOW_UP_PERMISSION = "dossiers.follow_up_dossier"
PAGE_SIZE = 50
TOP_SIZE = 20
TABS = {"notes", "pieces", "journal"}


def dossier_list_view(request):
    if not can_view_dossiers(request.user):
        from django.http import Http404

        raise Http404
    view = request.GET.get("vue", "mes")
    form = DossierFilterForm(request.GET or None)
    params = selectors.DossierListParams(mine=view == "mes")
    if form.is_valid():
        data = form.cleaned_data
        params.query = data["q"]
        params.status = data["statut"]
        params.sort = data["tri"] or "encours"
        if data["collaborateur"]:
            params.assigned_to = data["collaborateur"].pk
            params.mine = False
    if view == "top":
        params.mine = False
        params.sort = "encours"
    queryset = selectors.dossier_list(user=request.user, params=params)
    page = top_share = None
    if view == "top":
        # The few files that make most of the money, and how much of it they make.
        dossiers = list(queryset[:TOP_SIZE])
        top_share = selectors.outstanding_share(dossiers=dossiers)
    else:
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        dossiers = page.object_list
    querystring = request.GET.copy()
    querystring.pop("page", None)
    context = {
        "page": page,
        "dossiers": dossiers,
        "top_share": top_share,
        "form": form,
        "view": view,
        "nav": view,
        "querystring": querystring.urlencode(),
        "today": timezone.localdate(),
    }
    return render(request, "dossiers/list.html", context)


def dossier_detail_context(request, dossier: Dossier) -> dict:
    receivables = list(dossier.receivables.order_by("due_date", "number"))
    today = timezone.localdate()
    notes = list(selectors.dossier_notes(dossier=dossier))
    pieces = list(dossier_pieces(dossier=dossier))
    # --- paiements panel (issue 13): the integrator moves this to the composition layer.
    from paiements.selectors import dossier_panel

    paiements = dossier_panel(dossier=dossier, receivables=receivables, user=request.user)
    # --- end paiements panel
    return {
        "paiements": paiements,
        **contact_block_context(request, dossier),
        "receivables": receivables,
        "overdue_count": sum(1 for r in receivables if r.balance > 0 and r.due_date < today),
        "today": today,
        "notes": notes,
        "pieces": pieces,
        "journal": list(selectors.dossier_journal(dossier=dossier)),
        "can_follow_up": request.user.has_perm(FOLLOW_UP_PERMISSION),
    }


def dossier_detail_view(request, pk: int):
    dossier = dossier_for_user(request, pk, queryset=Dossier.objects.select_related("assigned_to"))
    context = dossier_detail_context(request, dossier)
    context["tab"] = request.GET.get("onglet") if request.GET.get("onglet") in TABS else "notes"
    return render(request, "dossiers/detail.html", context)


@require_POST
def dossier_reassign_view(request, pk: int):
    dossier = dossier_for_user(request, pk, perm="dossiers.reassign_dossier")
    form = ReassignForm(request.POST)
    if form.is_valid():
        services.dossier_reassign(
            dossier=dossier, assignee=form.cleaned_data["assigned_to"], user=request.user
        )
        messages.success(
            request,
            _("Dossier réaffecté à %(name)s.")
            % {"name": services.user_label(form.cleaned_data["assigned_to"])},
        )
    else:
        for error in form.errors.get("assigned_to", []):
            messages.error(request, error)
    return redirect("dossiers:detail", pk=dossier.pk)


@require_POST
def note_create_view(request, pk: int):
    """Append a note. With htmx, the bloc-notes is re-rendered in place."""
    dossier = dossier_for_user(request, pk, perm="dossiers.add_note")
    form = NoteForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            services.note_create(dossier=dossier, text=form.cleaned_data["text"], user=request.user)
            saved = True
        except ValidationError as error:
            form.add_error("text", error)
    if request.htmx:
        context = {
            "dossier": dossier,
            "notes": list(selectors.dossier_notes(dossier=dossier)),
            "note_form": NoteForm() if saved else form,
            "note_saved": saved,
            "notes_count_oob": True,
        }
        return render(request, "dossiers/_notes.html#notes-panel", context)
    if saved:
        messages.success(request, _("Note enregistrée."))
        return redirect(f"{reverse('dossiers:detail', args=[dossier.pk])}?onglet=notes#onglets")
    # Without JavaScript, the page comes back with the text kept and the reason shown.
    context = dossier_detail_context(request, dossier)
    context.update({"note_form": form, "tab": "notes"})
    return render(request, "dossiers/detail.html", context)


def dossier_next_action_view(request, pk: int):
    """« Planifier la prochaine action »: what to do next on the file, and when."""
    dossier = dossier_for_user(request, pk, perm=FOLLOW_UP_PERMISSION)
    if request.method == "POST":
        form = NextActionForm(request.POST)
        if form.is_valid():
            services.dossier_plan_next_action(
                dossier=dossier,
                label=form.cleaned_data["next_action"],
                date=form.cleaned_data["next_action_date"],
                user=request.user,
            )
            messages.success(request, _("Prochaine action enregistrée."))
            return redirect("dossiers:detail", pk=dossier.pk)
    else:
        form = NextActionForm(
            initial={
                "next_action": dossier.next_action,
                "next_action_date": dossier.next_action_date,
            }
        )
    return render(request, "dossiers/next_action.html", {"dossier": dossier, "form": form})


def dossier_status_view(request, pk: int):
    """« Changer le statut » of the file, with an optional reason for the journal."""
    dossier = dossier_for_user(request, pk, perm=FOLLOW_UP_PERMISSION)
    if request.method == "POST":
        form = StatusForm(request.POST)
        if form.is_valid():
            services.dossier_set_status(
                dossier=dossier,
                status=form.cleaned_data["status"],
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Statut du dossier enregistré."))
            return redirect("dossiers:detail", pk=dossier.pk)
    else:
        form = StatusForm(initial={"status": dossier.status})
    return render(request, "dossiers/status.html", {"dossier": dossier, "form": form})
