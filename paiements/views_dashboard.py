"""« Tableau de bord » of the managers (group Responsable recouvrement)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.forms import CollaboratorChoiceField, active_collaborators
from recouvrement.access import can_view_dossiers, require_perm

from .charts import bar_chart
from .dashboard import dashboard

DASHBOARD_PERMISSION = "paiements.view_dashboard"


def _ticks(rows) -> list[str]:
    """« janv. 2026 » → « janv. », with the year under January and the first month."""
    ticks = []
    for index, row in enumerate(rows):
        month, year = row[0].rsplit(" ", 1)
        ticks.append(f"{month} {year[2:]}" if index == 0 or month == "janv." else month)
    return ticks


def dashboard_view(request):
    if not can_view_dossiers(request.user):
        raise Http404
    require_perm(request.user, DASHBOARD_PERMISSION)
    field = CollaboratorChoiceField(queryset=active_collaborators(), required=False)
    try:
        assigned_to = field.clean(request.GET.get("collaborateur") or None)
    except Exception:  # noqa: BLE001 - an unknown id is simply no filter
        assigned_to = None
    collaborators = list(active_collaborators())
    data = dashboard(today=timezone.localdate(), assigned_to=assigned_to)
    charts = {
        "buckets": bar_chart(
            [(label, [amount]) for label, amount, _n in data.buckets],
            [(_("Encours"), "app-bar-primary")],
            money=True,
        ),
        "collected": bar_chart(
            [(label, [amount]) for label, amount in data.collected],
            [(_("Encaissé"), "app-bar-success")],
            money=True,
            ticks=_ticks(data.collected),
        ),
        "promises": bar_chart(
            [(label, [kept, broken]) for label, kept, broken in data.promises],
            [(_("Tenues"), "app-bar-success"), (_("Non tenues"), "app-bar-danger")],
            ticks=_ticks(data.promises),
        ),
        "actions": bar_chart(
            [(label, [auto, manual]) for label, auto, manual in data.actions],
            [(_("Automatiques"), "app-bar-primary"), (_("Manuelles"), "app-bar-secondary")],
        ),
    }
    return render(
        request,
        "paiements/dashboard.html",
        {
            "data": data,
            "charts": charts,
            "collaborators": collaborators,
            "selected": assigned_to,
            "nav": "tableau",
        },
    )
