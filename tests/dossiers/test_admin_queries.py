"""The admin change page of a file reads its inlines without a query per row (issue 15)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def _change_page_queries(client, dossier) -> int:
    url = reverse("admin:dossiers_dossier_change", args=[dossier.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _grow(dossier, start: int, n: int) -> None:
    for i in range(start, start + n):
        author = factories.agent(username=f"auteur{i}")
        factories.NoteFactory(dossier=dossier, author=author, text=f"Note {i}")
        factories.ReceivableFactory(dossier=dossier, number=f"F-{i}")
        contact = factories.ContactFactory(dossier=dossier)
        factories.ContactPointFactory(contact=contact, kind="email")


def test_the_change_page_query_count_does_not_grow_with_its_inlines(client, manager, dossier):
    manager.is_superuser = True
    manager.save()
    client.force_login(manager)
    _grow(dossier, 0, 2)
    _change_page_queries(client, dossier)  # the first request fills per-process caches
    small = _change_page_queries(client, dossier)
    _grow(dossier, 2, 8)  # each note by another author: a query per row would show here
    big = _change_page_queries(client, dossier)
    assert big == small
    html = client.get(reverse("admin:dossiers_dossier_change", args=[dossier.pk])).content
    assert b"auteur" in html  # the authors are shown (read with the notes)
