"""Moving between files (issue 16): back to the list the agent came from (its filters,
sort and page), the previous / next file of that list, and a search that names one
file by its reference, a phone or an e-mail opening that file directly.

The list last shown is remembered in the session (its query string), so that it
survives the pages in between (a call report, a form): no Back button needed. The
file's place in it travels as ``?rang=N`` and is checked against the list as it is
now (one query of three ids); a stale or missing rank is found again (one query).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse

from . import selectors
from .forms import DossierFilterForm
from .models import Dossier

LIST_SESSION_KEY = "dossier_list_query"
RANK_PARAM = "rang"
PAGE_SIZE = 50
TOP_SIZE = 20
# How far down a list a file is looked for when its rank is unknown.
LOCATE_LIMIT = 2000


@dataclass
class DossierList:
    view: str
    form: DossierFilterForm
    queryset: QuerySet[Dossier]


def dossier_list_from_query(user, query: QueryDict) -> DossierList:
    """The list a query string describes (« Mes dossiers », « Tous », « Top encours »,
    search, filters, sort), whoever asks: the list page and the file's neighbours."""
    view = query.get("vue", "mes")
    form = DossierFilterForm(query or None)
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
    return DossierList(view, form, selectors.dossier_list(user=user, params=params))


def exact_match(dossier_list: DossierList) -> int | None:
    """The one file a search names exactly: its reference, or the only file holding
    the phone or e-mail typed (those searches are exact already). None otherwise."""
    if not dossier_list.form.is_valid():
        return None
    text = dossier_list.form.cleaned_data["q"].strip()
    if not text:
        return None
    queryset = dossier_list.queryset
    if selectors.search_matcher(text) is not None:
        ids = list(queryset.values_list("pk", flat=True)[:2])
        return ids[0] if len(ids) == 1 else None
    return queryset.filter(reference__iexact=text).values_list("pk", flat=True).first()


def remember_list(request) -> None:
    query = request.GET.urlencode()
    if request.session.get(LIST_SESSION_KEY) != query:  # no session write on a reload
        request.session[LIST_SESSION_KEY] = query


def file_url(pk: int, rank: int | None) -> str:
    url = reverse("dossiers:detail", args=[pk])
    return f"{url}?{RANK_PARAM}={rank}" if rank else url


def _rank(request) -> int | None:
    try:
        rank = int(request.GET.get(RANK_PARAM, ""))
    except ValueError:
        return None
    return rank if 0 < rank <= LOCATE_LIMIT else None


def file_navigation(request, dossier: Dossier) -> dict:
    """« Retour à la liste », « Dossier précédent », « Dossier suivant » for the file
    page: at most one query (two when the rank has to be found again)."""
    saved = request.session.get(LIST_SESSION_KEY)
    if saved is None:
        return {"list_url": reverse("dossiers:list"), "previous_url": "", "next_url": ""}
    query = QueryDict(saved, mutable=True)
    dossier_list = dossier_list_from_query(request.user, query)
    ids_of = dossier_list.queryset.values_list("pk", flat=True)
    size = TOP_SIZE if dossier_list.view == "top" else LOCATE_LIMIT
    rank = _rank(request)
    window_start = max(rank - 2, 0) if rank else 0
    window = list(ids_of[window_start : min(rank + 1, size)]) if rank else []
    if dossier.pk not in window or window_start + window.index(dossier.pk) + 1 != rank:
        window_start, window = 0, list(ids_of[:size])
        if dossier.pk not in window:
            return {"list_url": _list_url(query), "previous_url": "", "next_url": ""}
    index = window.index(dossier.pk)
    rank = window_start + index + 1
    if dossier_list.view != "top":
        query["page"] = str((rank - 1) // PAGE_SIZE + 1)
    return {
        "list_url": _list_url(query),
        "previous_url": file_url(window[index - 1], rank - 1) if index > 0 else "",
        "next_url": file_url(window[index + 1], rank + 1) if index + 1 < len(window) else "",
        "rank": rank,
    }


def _list_url(query: QueryDict) -> str:
    encoded = query.urlencode()
    return reverse("dossiers:list") + (f"?{encoded}" if encoded else "")
