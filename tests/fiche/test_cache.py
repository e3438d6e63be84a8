"""The client file's content, rendered once per version and then served from the
cache (fiche/caching.py): never stale, never another request's token."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from dossiers.models import Dossier, Receivable
from fiche import caching
from recouvrement import csrf
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ANY_TOKEN = re.compile(r'"[A-Za-z0-9]{64}"')  # in the forms and in htmx's headers


def url(dossier, **query):
    base = reverse("dossiers:detail", args=[dossier.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def page(client, dossier, **query) -> str:
    response = client.get(url(dossier, **query))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def contact(dossier):
    contact = factories.ContactFactory(dossier=dossier, last_name="Durand")
    factories.ContactPointFactory(contact=contact, kind="phone", phone="+33612345678")
    return contact


def test_a_second_view_is_served_from_the_cache_in_a_few_queries(owner_client, dossier, contact):
    owner_client.get(url(dossier))  # the session's first request refreshes its expiry
    caches_clear()
    with CaptureQueriesContext(connection) as rendered:
        first = page(owner_client, dossier)
    with CaptureQueriesContext(connection) as served:
        second = page(owner_client, dossier)
    # Session, user, rights (2), the file with its versions, the « À faire » count,
    # the consultation trace.
    assert len(served) <= 7 < len(rendered)
    assert ANY_TOKEN.sub("", first) == ANY_TOKEN.sub("", second)
    assert "Durand" in second


def caches_clear():
    from django.core.cache import caches

    caches[caching.CACHE_ALIAS].clear()


def test_the_cached_content_never_carries_a_token_each_request_gets_its_own(
    owner, dossier, contact
):
    """The forms' token is a placeholder in the cache, the request's own in the page:
    a second browser of the same agent, served from the cache, posts with its token."""
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(owner)
    second.force_login(owner)
    html_first = page(first, dossier)
    html_second = page(second, dossier)  # from the cache
    placeholder = csrf.placeholder()
    assert placeholder not in html_first and placeholder not in html_second
    tokens_second = set(TOKEN.findall(html_second))
    assert tokens_second and not tokens_second & set(TOKEN.findall(html_first))
    response = second.post(
        reverse("dossiers:note_create", args=[dossier.pk]),
        {"text": "Rappel lundi.", "csrfmiddlewaretoken": tokens_second.pop()},
    )
    assert response.status_code == 302
    assert "Rappel lundi." in page(second, dossier)


def test_what_a_service_writes_is_on_the_next_view(owner_client, dossier, contact):
    page(owner_client, dossier)
    owner_client.post(
        reverse("dossiers:note_create", args=[dossier.pk]), {"text": "Appelé ce jour"}
    )
    assert "Appelé ce jour" in page(owner_client, dossier)


def test_what_a_raw_statement_writes_is_on_the_next_view(owner_client, dossier, contact):
    """An import's set-based statement, the planner's claim: no service, no journal
    entry; the database's triggers move the version all the same."""
    factories.ReceivableFactory(dossier=dossier, number="F-ANCIEN")
    assert "F-ANCIEN" in page(owner_client, dossier)
    Receivable.objects.filter(dossier=dossier).update(number="F-NOUVEAU")
    Contact.objects.filter(pk=contact.pk).update(last_name="Dupont")
    html = page(owner_client, dossier)
    assert "F-NOUVEAU" in html and "F-ANCIEN" not in html
    assert "Dupont" in html


def test_the_file_s_own_row_is_in_the_key(owner_client, dossier):
    """The imports rewrite the files' rows (totals, status) without a trigger: the key
    holds a digest of the row the page has just read."""
    page(owner_client, dossier)
    Dossier.objects.filter(pk=dossier.pk).update(next_action="Relancer le comptable")
    assert "Relancer le comptable" in page(owner_client, dossier)


def test_each_user_gets_the_content_their_rights_give(client, owner_client, dossier):
    assert 'name="assigned_to"' in page(owner_client, dossier)  # may reassign: cached
    client.force_login(factories.reader())
    assert 'name="assigned_to"' not in page(client, dossier)


def test_a_right_taken_away_is_seen_at_once(owner_client, owner, dossier):
    assert "Enregistrer un paiement" in page(owner_client, dossier)
    for group in owner.groups.all():
        group.permissions.remove(Permission.objects.get(codename="add_payment"))
    owner.user_permissions.remove(Permission.objects.get(codename="add_payment"))
    assert "Enregistrer un paiement" not in page(owner_client, dossier)


def test_a_name_changed_elsewhere_is_on_every_file(owner_client, owner, dossier):
    """The agent's name on the file comes from the users' table: the global version."""
    page(owner_client, dossier)
    owner.first_name = "Agathe"
    owner.save()
    assert "Agathe" in page(owner_client, dossier)


def test_the_next_day_the_page_is_rendered_again(owner_client, dossier):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    Dossier.objects.filter(pk=dossier.pk).update(next_action="Rappeler", next_action_date=tomorrow)
    assert "Prochaine action en retard" not in page(owner_client, dossier)
    with time_machine.travel(
        datetime.datetime.combine(tomorrow + datetime.timedelta(days=1), datetime.time(10)),
        tick=False,
    ):
        owner_client.force_login(Dossier.objects.get(pk=dossier.pk).assigned_to)
        assert "Prochaine action en retard" in page(owner_client, dossier)


def test_the_invalid_means_choice_and_the_tab_are_in_the_key(owner_client, dossier, contact):
    factories.ContactPointFactory(
        contact=contact, kind="email", email="perdu@example.org", status="invalid"
    )
    assert "perdu@example.org" not in page(owner_client, dossier)
    owner_client.post(reverse("contacts:show_invalid", args=[dossier.pk]), {"show_invalid": "1"})
    assert "perdu@example.org" in page(owner_client, dossier)
    # The default tab's content is cached; the journal's page is another entry.
    active_journal = 'class="nav-link active" id="tab-journal"'
    assert active_journal not in page(owner_client, dossier)
    assert active_journal in page(owner_client, dossier, onglet="journal")
    assert active_journal not in page(owner_client, dossier)


def test_a_refused_note_s_page_is_not_cached(owner_client, dossier):
    """Without JavaScript a refused note brings the page back with the text and the
    reason: that page is the request's own, never served to the next view."""
    page(owner_client, dossier)
    response = owner_client.post(
        reverse("dossiers:note_create", args=[dossier.pk]), {"text": "x" * 100_000}
    )
    assert response.status_code == 200
    refused = response.content.decode()
    assert "xxxxxxxxxx" in refused
    assert "xxxxxxxxxx" not in page(owner_client, dossier)


def test_a_note_has_only_the_tabs_rendered_again(owner_client, owner, dossier, contact):
    """A note writes the tabs' tables only (the note, its journal entry): the next view
    serves the panels as they were and renders the tabs, which show it; the page is the
    one a render from scratch gives."""
    from dossiers import services

    owner_client.get(url(dossier))  # the session's first request refreshes its expiry
    caches_clear()
    with CaptureQueriesContext(connection) as rendered:
        page(owner_client, dossier)
    with CaptureQueriesContext(connection) as served:
        page(owner_client, dossier)
    services.note_create(
        dossier=Dossier.objects.get(pk=dossier.pk), text="Rappel jeudi", user=owner
    )
    with CaptureQueriesContext(connection) as after_note:
        html = page(owner_client, dossier)
    assert "Rappel jeudi" in html and "Durand" in html
    assert len(served) < len(after_note) < len(rendered)
    # Only the tabs' reads ran again: the notes' page, the pieces' count.
    again = {q["sql"] for q in after_note.captured_queries} - {
        q["sql"] for q in served.captured_queries
    }
    assert all("contacts_" not in sql and "paiements_" not in sql for sql in again)
    caches_clear()
    assert ANY_TOKEN.sub("", page(owner_client, dossier)) == ANY_TOKEN.sub("", html)


def test_a_star_change_has_the_panels_rendered_again(owner_client, owner, dossier, contact):
    from contacts import services
    from contacts.models import ContactPoint

    other = factories.ContactPointFactory(
        contact=contact, kind="phone", phone="+33698765432", status=ContactPoint.Status.VALID
    )
    before = page(owner_client, dossier)
    services.contact_point_set_default(point=ContactPoint.objects.get(pk=other.pk), user=owner)
    html = page(owner_client, dossier)
    assert ANY_TOKEN.sub("", html) != ANY_TOKEN.sub("", before)
    caches_clear()
    assert ANY_TOKEN.sub("", page(owner_client, dossier)) == ANY_TOKEN.sub("", html)


def test_each_tab_has_its_own_entry_the_panels_one(owner_client, dossier, contact):
    owner_client.get(url(dossier))  # the session's first request refreshes its expiry
    caches_clear()
    with CaptureQueriesContext(connection) as rendered:
        page(owner_client, dossier)
    # Another tab: its own part rendered, the panels' served (one entry for every tab).
    with CaptureQueriesContext(connection) as other_tab:
        html = page(owner_client, dossier, onglet="journal")
    assert len(other_tab) < len(rendered)
    assert not any("contacts_" in q["sql"] for q in other_tab.captured_queries)
    assert 'id="pane-journal"' in html and "data-tab-placeholder" in html
    with CaptureQueriesContext(connection) as served:
        again = page(owner_client, dossier, onglet="journal")
    assert len(served) <= 7
    assert ANY_TOKEN.sub("", again) == ANY_TOKEN.sub("", html)


def test_under_another_release_s_triggers_the_page_is_rendered_never_stale(
    owner_client, owner, dossier, contact, monkeypatch
):
    """Code whose triggers differ from the database's (its ``migrate`` not run yet: here
    the previous release's, under which a note moved the panels' version and not the
    tabs'): the cache is off, each page rendered, the new note shown at once; after the
    migrate (the triggers made again), it serves again."""
    from dossiers import services
    from fiche import versioning

    monkeypatch.setattr(caching, "_triggers_checked", {})
    monkeypatch.setattr(caching, "RECHECK_SECONDS", 0.0)
    with monkeypatch.context() as old_release:
        old_release.setattr(versioning, "tab_tables", set)
        versioning.install(connection)
    try:
        assert not versioning.is_current(connection)
        page(owner_client, dossier)
        page(owner_client, dossier)
        services.note_create(
            dossier=Dossier.objects.get(pk=dossier.pk), text="Vu en agence", user=owner
        )
        with CaptureQueriesContext(connection) as rendered:
            assert "Vu en agence" in page(owner_client, dossier)
        assert len(rendered) > 7
    finally:
        versioning.install(connection)
    assert versioning.is_current(connection)
    page(owner_client, dossier)
    with CaptureQueriesContext(connection) as served:
        assert "Vu en agence" in page(owner_client, dossier)
    assert len(served) <= 7
