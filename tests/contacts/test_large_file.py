"""A large file stays light (issue 16): contacts and means beyond a sensible number
are folded (« Afficher les N autres », a plain link), notes and journal paginated;
the page stays under 150 KB and its query count does not grow with the file."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts import folding
from contacts.models import ContactPoint
from dossiers import paging
from dossiers.services import journal_record
from tests import factories

pytestmark = pytest.mark.django_db

STATES = ["valid", "pending", "invalid", "pending"]
KINDS = ["phone", "email", "phone", "postal"]


def fill(dossier, *, contacts: int, means: int, notes: int = 0, entries: int = 0) -> None:
    """``contacts`` contacts sharing ``means`` means, of every kind and state."""
    people = [factories.ContactFactory(dossier=dossier) for _ in range(contacts)]
    for i in range(means):
        factories.ContactPointFactory(
            contact=people[i % contacts], kind=KINDS[(i // contacts) % 4], status=STATES[i % 4]
        )
    for i in range(notes):
        factories.NoteFactory(
            dossier=dossier, author=dossier.assigned_to, text=f"Note n° {i}. " * 8
        )
    for i in range(entries):
        journal_record(dossier=dossier, action="note_added", message=f"Événement n° {i}")


def detail(dossier, **query):
    from urllib.parse import urlencode

    url = reverse("dossiers:detail", args=[dossier.pk])
    return f"{url}?{urlencode(query)}" if query else url


def queries(client, url) -> tuple[int, bytes]:
    client.get(url)
    caches["fiche"].clear()  # the page read and rendered, not served from the cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content


def test_forty_contacts_and_150_means_make_a_light_page(owner_client, dossier, owner):
    fill(dossier, contacts=40, means=150, notes=60, entries=120)
    owner_client.post(
        reverse("contacts:show_invalid", args=[dossier.pk]), {"show_invalid": "1"}
    )  # the heaviest view: invalid means shown too
    _count, html = queries(owner_client, detail(dossier))
    assert len(html) < 150_000, len(html)
    text = html.decode()
    folded = 40 - folding.CONTACTS_SHOWN
    assert f"Afficher les {folded} autres contacts" in text
    assert text.count('class="border rounded px-2 py-1 mb-2 app-contact"') == folding.CONTACTS_SHOWN
    assert text.count("app-note-text") == paging.NOTES_PER_PAGE
    # Only the visible tab comes with the page (issue 15); the journal is a page too.
    assert text.count('class="border-start border-3 ps-2 mb-2"') == paging.NOTES_PER_PAGE
    assert '<span id="notes-count" class="badge text-bg-secondary">60</span>' in text
    _count, journal = queries(owner_client, detail(dossier, onglet="journal"))
    assert journal.decode().count('class="border-start border-3 ps-2 mb-2"') == (
        paging.JOURNAL_PER_PAGE
    )


def test_query_count_is_the_same_for_a_small_and_a_huge_file(owner_client, owner):
    small = factories.DossierFactory(assigned_to=owner, reference="S-1")
    fill(small, contacts=1, means=2, notes=1, entries=1)
    huge = factories.DossierFactory(assigned_to=owner, reference="H-1")
    fill(huge, contacts=300, means=900, notes=250, entries=400)
    small_count, _ = queries(owner_client, detail(small))
    huge_count, html = queries(owner_client, detail(huge))
    assert huge_count == small_count
    assert len(html) < 150_000, len(html)


def test_afficher_les_autres_shows_everything_without_javascript(owner_client, dossier):
    fill(dossier, contacts=12, means=12 * 8)
    html = owner_client.get(detail(dossier)).content.decode()
    assert "Afficher les 4 autres contacts" in html
    per_contact = 8 - folding.POINTS_SHOWN
    assert f"Afficher les {per_contact} autres moyens" in html
    assert 'href="?contacts=tous#contact-block"' in html
    everything = owner_client.get(detail(dossier, contacts="tous")).content.decode()
    assert "autres contacts" not in everything and "autres moyens" not in everything
    shown = ContactPoint.objects.filter(dossier=dossier).exclude(status="invalid")
    assert all(f'data-point="{pk}"' in everything for pk in shown.values_list("pk", flat=True))


def test_a_default_is_never_folded(owner_client, dossier, owner):
    fill(dossier, contacts=folding.CONTACTS_SHOWN + 2, means=0)
    last = dossier.contacts.order_by("-created_at", "-id").first()
    points = [
        factories.ContactPointFactory(contact=last, status="valid")
        for _ in range(folding.POINTS_SHOWN + 2)
    ]
    ContactPoint.objects.filter(pk=points[-1].pk).update(is_default=True)
    html = owner_client.get(detail(dossier)).content.decode()
    assert f'data-point="{points[-1].pk}"' in html  # its contact and itself both shown
    assert "Afficher l’autre contact" in html


def test_an_update_in_place_keeps_the_block_unfolded(owner_client, dossier):
    fill(dossier, contacts=folding.CONTACTS_SHOWN + 3, means=0)
    url = reverse("contacts:show_invalid", args=[dossier.pk])
    page = "http://testserver" + detail(dossier, contacts="tous")
    html = owner_client.post(
        url, {"show_invalid": "1"}, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=page
    ).content.decode()
    assert "autres contacts" not in html
    folded = owner_client.post(
        url,
        {"show_invalid": "1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver" + detail(dossier),
    ).content.decode()
    assert "Afficher les 3 autres contacts" in folded


def test_notes_and_journal_pages(owner_client, dossier, owner):
    fill(dossier, contacts=1, means=1, notes=45, entries=70)
    html = owner_client.get(detail(dossier, onglet="notes", notes=3)).content.decode()
    assert html.count("app-note-text") == 5
    assert 'href="?onglet=notes&amp;notes=2#onglets">Plus récents' in html
    assert "Page 3 sur 3" in html
    html = owner_client.get(detail(dossier, onglet="journal", journal=2)).content.decode()
    assert "Événement n° 0" in html and "Événement n° 69" not in html
    # A bad page number shows the nearest page, not an error.
    assert owner_client.get(detail(dossier, notes="abc", journal="999")).status_code == 200


def test_writing_a_note_shows_the_newest_page_and_the_total(owner_client, dossier):
    fill(dossier, contacts=1, means=1, notes=25)
    response = owner_client.post(
        reverse("dossiers:note_create", args=[dossier.pk]),
        {"text": "Rappel prévu lundi."},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.count("app-note-text") == paging.NOTES_PER_PAGE
    assert "Rappel prévu lundi." in html
    assert 'hx-swap-oob="true">26</span>' in html


def test_stranger_gets_404_on_an_unfolded_file(stranger_client, dossier):
    assert stranger_client.get(detail(dossier, contacts="tous")).status_code == 404


@pytest.mark.parametrize("count", [0, 1, 20, 21, 45])
def test_the_notes_pages_are_those_of_django_s_paginator(count, dossier, rf):
    """The bloc-notes' count and first page run prepared (dossiers/paging.py): every
    page, its count and its links are those of a Paginator over the queryset, and the
    queries are as many (an empty file reads no page)."""
    from django.core.paginator import Paginator

    from dossiers.selectors import dossier_notes

    fill(dossier, contacts=1, means=1, notes=count)
    expected_pages = Paginator(dossier_notes(dossier=dossier), paging.NOTES_PER_PAGE)
    for number in (None, "1", "2", "3", "abc", "99"):
        request = rf.get("/", {paging.NOTES_PARAM: number} if number else {})
        expected = expected_pages.get_page(number)
        with CaptureQueriesContext(connection) as plain:
            list(Paginator(dossier_notes(dossier=dossier), paging.NOTES_PER_PAGE).get_page(number))
        with CaptureQueriesContext(connection) as captured:
            context = paging.notes_context(request, dossier)
        page = context["notes_page"]
        assert [n.pk for n in context["notes"]] == [n.pk for n in expected.object_list]
        assert (page.number, page.paginator.count, page.paginator.num_pages) == (
            expected.number,
            expected.paginator.count,
            expected.paginator.num_pages,
        )
        assert (page.has_previous(), page.has_next()) == (
            expected.has_previous(),
            expected.has_next(),
        )
        assert len(captured) == len(plain)
