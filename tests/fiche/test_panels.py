"""The client-file page is the union of the apps' panels (fiche.views.PANELS)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fiche import views
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_app_panel_is_on_the_page(owner_client, dossier):
    factories.ContactFactory(dossier=dossier, last_name="Perrin")
    factories.NoteFactory(dossier=dossier)
    response = owner_client.get(reverse("dossiers:detail", args=[dossier.pk]))
    context = response.context
    assert [c.last_name for c in context["contacts"]] == ["Perrin"]  # contacts
    assert len(context["notes"]) == 1  # dossiers: the visible tab, « Bloc-notes »
    assert context["notes_count"] == 1 and context["pieces_count"] == 0  # the tabs' counts
    assert "receivables" in context and "reassign_form" in context
    # The other tabs' panels are read when they are shown (issue 15).
    assert "pieces" not in context and "journal" not in context
    pieces = owner_client.get(reverse("dossiers:detail", args=[dossier.pk]) + "?onglet=pieces")
    assert pieces.context["pieces"] == [] and "notes" not in pieces.context


def test_a_panel_is_one_line(owner_client, dossier, monkeypatch):
    def reminders_panel(request, panel_dossier):
        return {"reminders": [f"Relance de {panel_dossier.reference}"]}

    monkeypatch.setattr(views, "PANELS", (*views.PANELS, reminders_panel))
    response = owner_client.get(reverse("dossiers:detail", args=[dossier.pk]))
    assert response.context["reminders"] == ["Relance de ACC-1001"]


def test_stranger_gets_404(stranger_client, dossier):
    assert stranger_client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 404


def test_the_page_keeps_its_query_budget(owner_client, dossier, django_assert_max_num_queries):
    factories.ContactPointFactory(contact=factories.ContactFactory(dossier=dossier))
    with django_assert_max_num_queries(25):
        assert owner_client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 200


def test_the_collaborators_are_read_only_for_who_may_reassign(client, dossier):
    """A reader without « reassign_dossier » gets no reassignment form, and the page
    does not read the collaborators' list it would fill (issue 15)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(factories.reader())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dossiers:detail", args=[dossier.pk]))
    assert response.status_code == 200
    assert 'name="assigned_to"' not in response.content.decode()
    assert response.context["reassign_form"] is None
    assert not [
        q for q in queries.captured_queries if "DISTINCT" in q["sql"] and "auth_user" in q["sql"]
    ]
