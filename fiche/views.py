"""The client-file page, composed from the apps' panels. Thin: access, panels, render.

A *panel* is a function ``(request, dossier) -> dict`` given by the app that owns
its data; the page's context is the union of the panels' dictionaries, and
``templates/dossiers/detail.html`` shows each panel's block. Adding a panel (the
reminders of ``relances``, the payments of ``paiements``…) is one line in
``PANELS``, plus its block in the template. A panel reads with a fixed number of
queries (the page has a query-count test).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contacts.views import contact_block_context
from dossiers import paging, services
from dossiers.forms import NoteForm
from dossiers.models import Dossier
from dossiers.panels import dossier_panel, journal_panel, notes_panel
from paiements.selectors import payments_panel
from pieces.panels import pieces_panel
from recouvrement.access import dossier_for_user
from relances.selectors import scenario_panel

PANELS = (
    dossier_panel,  # header: receivables, outstanding, overdue (dossiers)
    contact_block_context,  # contact block, reassignment (contacts)
    notes_panel,  # « Bloc-notes » tab (dossiers)
    pieces_panel,  # « Pièces » tab (pieces)
    journal_panel,  # « Historique » tab (dossiers)
    scenario_panel,  # the reminder scenario: last step, next one, pause (relances)
    payments_panel,  # payments, promise, disputes, external actions (paiements)
)
TABS = {"notes", "pieces", "journal"}


def dossier_detail_context(request, dossier: Dossier) -> dict:
    context: dict = {}
    for panel in PANELS:
        context.update(panel(request, dossier))
    return context


def dossier_detail_view(request, pk: int):
    dossier = dossier_for_user(request, pk, queryset=Dossier.objects.select_related("assigned_to"))
    context = dossier_detail_context(request, dossier)
    context["tab"] = request.GET.get("onglet") if request.GET.get("onglet") in TABS else "notes"
    return render(request, "dossiers/detail.html", context)


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
    context = dossier_detail_context(request, dossier)
    context.update({"note_form": form, "tab": "notes"})
    return render(request, "dossiers/detail.html", context)
