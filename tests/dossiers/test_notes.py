"""The bloc-notes: append a note, read everyone's notes, newest first, objective only."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dossiers.models import JournalEntry, Note
from tests import factories

pytestmark = pytest.mark.django_db


def note_url(dossier):
    return reverse("dossiers:note_create", args=[dossier.pk])


def detail_url(dossier, tab="notes"):
    return f"{reverse('dossiers:detail', args=[dossier.pk])}?onglet={tab}"


def test_note_without_javascript_is_saved_journaled_and_back_on_the_notes_tab(
    owner_client, dossier, owner
):
    response = owner_client.post(note_url(dossier), {"text": "Promesse de règlement au 15/12."})

    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(dossier)}#onglets"
    note = Note.objects.get(dossier=dossier)
    assert note.author == owner
    assert note.text == "Promesse de règlement au 15/12."
    entry = JournalEntry.objects.get(dossier=dossier, action=JournalEntry.Action.NOTE)
    assert entry.actor == owner
    assert "Promesse de règlement" in entry.message

    page = owner_client.get(response["Location"]).content.decode()
    assert "Note enregistrée." in page
    assert "Promesse de règlement au 15/12." in page
    assert "Agnès Martin · " in page


def test_every_agent_sees_notes_with_author_date_and_time_newest_first(
    client, dossier, owner, colleague
):
    now = timezone.now()
    factories.NoteFactory(
        dossier=dossier,
        author=owner,
        text="Ancienne note",
        created_at=now - datetime.timedelta(days=2),
    )
    factories.NoteFactory(dossier=dossier, author=owner, text="Nouvelle note", created_at=now)
    client.force_login(colleague)

    page = client.get(detail_url(dossier)).content.decode()

    assert page.index("Nouvelle note") < page.index("Ancienne note")
    local = timezone.localtime(now)
    assert f'Agnès Martin · <time datetime="{local.isoformat()}">{local:%d/%m/%Y %H:%M}' in page


def test_note_with_a_forbidden_term_is_refused_naming_the_term_and_kept_in_the_field(
    owner_client, dossier
):
    text = "Le débiteur est un menteur, il dit avoir payé."
    response = owner_client.post(note_url(dossier), {"text": text})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Le terme « menteur » n&#x27;est pas autorisé" in page
    assert "objectives" in page
    assert f">{text}</textarea>" in page
    assert not Note.objects.exists()
    assert not JournalEntry.objects.filter(action=JournalEntry.Action.NOTE).exists()


def test_empty_note_is_refused(owner_client, dossier):
    response = owner_client.post(note_url(dossier), {"text": "   "})

    assert response.status_code == 200
    assert "Écrivez la note avant de l&#x27;enregistrer." in response.content.decode()
    assert not Note.objects.exists()


def test_note_with_htmx_rerenders_the_list_and_the_tab_count_in_place(owner_client, dossier, owner):
    factories.NoteFactory(dossier=dossier, author=owner, text="Première note")

    response = owner_client.post(
        note_url(dossier), {"text": "Rappel prévu lundi."}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="notes-panel"')
    assert '<ol class="list-unstyled mb-0 app-notes" id="note-list"' in page
    assert page.index("Rappel prévu lundi.") < page.index("Première note")
    assert (
        '<span id="notes-count" class="badge text-bg-secondary" hx-swap-oob="true">2</span>' in page
    )
    # The field is emptied for the next note, and the saving is announced.
    assert "></textarea>" in page
    assert "Note enregistrée." in page
    assert "<html" not in page


def test_refused_note_with_htmx_shows_the_reason_in_place(owner_client, dossier):
    response = owner_client.post(
        note_url(dossier),
        {"text": "Il est malade depuis un mois."},
        headers={"HX-Request": "true"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Le terme « malade » n&#x27;est pas autorisé (santé)" in page
    assert 'aria-invalid="true"' in page
    assert not Note.objects.exists()


def test_notes_are_append_only_in_the_agent_ui(owner_client, dossier, owner):
    factories.NoteFactory(dossier=dossier, author=owner, text="Note existante")

    response = owner_client.get(reverse("dossiers:note_create", args=[dossier.pk]))
    assert response.status_code == 405

    page = owner_client.get(detail_url(dossier)).content.decode()
    panel = page[page.index('id="notes-panel"') : page.index("</ol>", page.index('id="note-list"'))]
    # One form only: the one that adds a note. Nothing edits or deletes one.
    assert panel.count("<form") == 1
    assert "Supprimer" not in panel and "Modifier" not in panel


def test_stranger_gets_404_and_anonymous_goes_to_login(client, dossier, stranger):
    response = client.post(note_url(dossier), {"text": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    client.force_login(stranger)
    assert client.post(note_url(dossier), {"text": "x"}).status_code == 404
    assert not Note.objects.exists()


def test_note_on_a_missing_file_is_404(owner_client):
    response = owner_client.post(reverse("dossiers:note_create", args=[999999]), {"text": "x"})
    assert response.status_code == 404


def test_note_post_query_count_does_not_grow_with_notes(
    owner_client, dossier, owner, django_assert_max_num_queries
):
    def post():
        with CaptureQueriesContext(connection) as queries:
            owner_client.post(
                note_url(dossier), {"text": "Rappel prévu lundi."}, headers={"HX-Request": "true"}
            )
        return len(queries)

    post()  # the first request after sign-in refreshes the session's expiry (a write)
    few = post()
    factories.NoteFactory.create_batch(30, dossier=dossier, author=owner)
    assert post() == few
    # 15: the bloc-notes is paginated (issue 16), its count is one query.
    with django_assert_max_num_queries(15):
        response = owner_client.post(
            note_url(dossier), {"text": "Rappel prévu mardi."}, headers={"HX-Request": "true"}
        )
    assert response.status_code == 200


def test_notes_tab_query_count_does_not_grow_with_notes(
    owner_client, dossier, owner, colleague, django_assert_max_num_queries
):
    factories.NoteFactory(dossier=dossier, author=owner)
    with CaptureQueriesContext(connection) as one_note:
        owner_client.get(detail_url(dossier))
    factories.NoteFactory.create_batch(15, dossier=dossier, author=owner)
    factories.NoteFactory.create_batch(15, dossier=dossier, author=colleague)

    # Other parts of the page may add a query or two; the notes must add none per row.
    with django_assert_max_num_queries(len(one_note)):
        response = owner_client.get(detail_url(dossier))
    # A page of notes (issue 16), the others one click away.
    html = response.content.decode()
    assert html.count("app-note-text") == 20
    assert "?onglet=notes&amp;notes=2#onglets" in html
