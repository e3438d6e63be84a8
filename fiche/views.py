"""The client-file page, composed from the apps' panels. Thin: access, panels, render.

A *panel* is a function ``(request, dossier) -> dict`` given by the app that owns
its data; the page's context is the union of the panels' dictionaries, and
``templates/dossiers/detail.html`` shows each panel's block. Adding a panel (the
reminders of ``relances``, the payments of ``paiements``…) is one line in
``PANELS``, plus its block in the template. A panel reads with a fixed number of
queries (the page has a query-count test).

The three tabs (« Bloc-notes », « Pièces », « Journal ») are ``TAB_PANELS``: only the
visible one is read and rendered (issue 15, most of the page's cost); the others are
loaded when shown (``dossier_tab_view``, htmx) or, without JavaScript, by their plain
link ``?onglet=…``. Their counts on the tab labels come from ``tab_counts``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from contacts.views import contact_block_context
from dossiers import paging, services
from dossiers.forms import NoteForm
from dossiers.models import Dossier
from dossiers.panels import dossier_panel, journal_panel, notes_panel
from paiements.selectors import payments_panel
from pieces.panels import pieces_panel
from pieces.selectors import dossier_pieces_count
from recouvrement import csrf
from recouvrement.access import dossier_for_user
from relances.selectors import scenario_panel

from . import caching

PANELS = (
    dossier_panel,  # header: receivables, outstanding, overdue (dossiers)
    contact_block_context,  # contact block, reassignment (contacts)
    scenario_panel,  # the reminder scenario: last step, next one, pause (relances)
    payments_panel,  # payments, promise, disputes, external actions (paiements)
)
TAB_PANELS = {
    "notes": notes_panel,  # « Bloc-notes » tab (dossiers)
    "pieces": pieces_panel,  # « Pièces » tab (pieces)
    "journal": journal_panel,  # « Historique » tab (dossiers)
}
DEFAULT_TAB = "notes"


def tab_counts(dossier: Dossier, context: dict) -> dict:
    """The counts on the tab labels, read only for the tabs that are not shown (the
    shown one already holds its list): one COUNT each, compiled once per process."""
    counts = {}
    if "notes_page" in context:
        counts["notes_count"] = context["notes_page"].paginator.count
    else:
        counts["notes_count"] = paging.notes_count(dossier)
    if "pieces" in context:
        counts["pieces_count"] = len(context["pieces"])
    else:
        counts["pieces_count"] = dossier_pieces_count(dossier=dossier)
    return counts


def panels_context(request, dossier: Dossier) -> dict:
    """The panels' context: none of them reads the tabs' tables (fiche.versioning)."""
    context: dict = {}
    for panel in PANELS:
        context.update(panel(request, dossier))
    return context


def tabs_context(request, dossier: Dossier, tab: str) -> dict:
    """The tabs' context: the visible tab's list and the labels' counts."""
    context: dict = {"tab": tab, **TAB_PANELS[tab](request, dossier)}
    context.update(tab_counts(dossier, context))
    return context


def dossier_detail_context(request, dossier: Dossier, tab: str = DEFAULT_TAB) -> dict:
    return {**panels_context(request, dossier), **tabs_context(request, dossier, tab)}


def requested_tab(request) -> str:
    tab = request.GET.get("onglet")
    return tab if tab in TAB_PANELS else DEFAULT_TAB


def dossier_detail_view(request, pk: int):
    """The page. Its content is rendered once per version of the file, the panels and
    the tabs each under their own, and served from the cache until something it shows
    changes (fiche/caching.py); the access check, the shell and the navigation run
    every time."""
    dossier = dossier_for_user(request, pk, read=caching.dossier_with_versions)
    tab = requested_tab(request)
    # htmx's requests, and a database whose triggers are another release's (its
    # versions would not move with what the parts show): rendered, never from the cache.
    if request.htmx or not caching.usable():
        return render(
            request, "dossiers/detail.html", dossier_detail_context(request, dossier, tab)
        )
    context = {
        "dossier": dossier,
        "tab": tab,
        "file_content": caching.CachedContent(
            request,
            dossier,
            tab,
            panels=lambda: panels_context(request, dossier),
            tabs=lambda: tabs_context(request, dossier, tab),
        ),
        # The forms' token: a placeholder in the content, the request's own put in after.
        "csrf_token": csrf.use_placeholder(request),
    }
    response = render(request, "dossiers/detail.html", context)
    csrf.fill(request, response)
    return response


@require_GET
def dossier_tab_view(request, pk: int, tab: str):
    """One tab's content, for the page that shows it on demand (htmx). Opened
    directly (no htmx), it sends to the page with that tab shown."""
    if tab not in TAB_PANELS:
        raise Http404
    dossier = dossier_for_user(request, pk)
    if not request.htmx:
        return redirect(f"{reverse('dossiers:detail', args=[dossier.pk])}?onglet={tab}#onglets")
    context = {"dossier": dossier, "tab": tab, **TAB_PANELS[tab](request, dossier)}
    return render(request, f"dossiers/detail.html#pane-{tab}", context)


@require_POST
def note_create_view(request, pk: int):
    """Append a note. With htmx, the bloc-notes is re-rendered in place; without
    JavaScript, a refused note brings the whole page back, which is why this form's
    view lives with the page."""
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
            **paging.notes_context(request, dossier, first=True),
            "note_form": NoteForm() if saved else form,
            "note_saved": saved,
            "notes_count_oob": True,
        }
        return render(request, "dossiers/_notes.html#notes-panel", context)
    if saved:
        messages.success(request, _("Note enregistrée."))
        return redirect(f"{reverse('dossiers:detail', args=[dossier.pk])}?onglet=notes#onglets")
    # Without JavaScript, the page comes back with the text kept and the reason shown.
    context = dossier_detail_context(request, dossier, "notes")
    context["note_form"] = form
    return render(request, "dossiers/detail.html", context)
