"""Pages of the files: the list, reassignment, next action, status. Thin: access,
form, service, render. The client-file page itself is composed in ``fiche.views``."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recouvrement.access import can_view_dossiers, dossier_for_user

from . import navigation, paging, selectors, services
from .forms import NextActionForm, ReassignForm, StatusForm
from .panels import FOLLOW_UP_PERMISSION
from .rows import LIST_FIELDS, list_rows


def dossier_list_view(request):
    if not can_view_dossiers(request.user):
        from django.http import Http404

        raise Http404
    # Navigation between files (issue 16): dossiers/navigation.py.
    dossier_list = navigation.dossier_list_from_query(request.user, request.GET)
    view, form = dossier_list.view, dossier_list.form
    queryset = dossier_list.queryset.only(*LIST_FIELDS)  # what the rows show
    if (match := navigation.exact_match(dossier_list)) is not None:
        return redirect("dossiers:detail", pk=match)
    navigation.remember_list(request)
    page = top_share = None
    if view == "top":
        # The few files that make most of the money, and how much of it they make.
        dossiers = list(queryset[: navigation.TOP_SIZE])
        top_share = selectors.outstanding_share(dossiers=dossiers)
    else:
        # No COUNT of a million rows per page: see paging.list_page.
        page = paging.list_page(queryset, navigation.PAGE_SIZE, request.GET.get("page"))
        dossiers = page.object_list
    # The rows are written in Python (dossiers/rows.py): the template engine spent
    # most of the page's CPU on them.
    rows = list_rows(
        dossiers, first_rank=page.start_index() if page else 1, rank_param=navigation.RANK_PARAM
    )
    querystring = request.GET.copy()
    querystring.pop("page", None)
    context = {
        "page": page,
        "dossiers": dossiers,
        "rows": rows,
        "top_share": top_share,
        "form": form,
        "view": view,
        "nav": view,
        "querystring": querystring.urlencode(),
        "today": timezone.localdate(),
    }
    return render(request, "dossiers/list.html", context)


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
