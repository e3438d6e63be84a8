"""« Exporter les données personnelles » on a contact: managers only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rgpd.models import ConsultationTrace
from tests import factories

from .conftest import open_export

pytestmark = pytest.mark.django_db

NAME = "Exporter les données personnelles"


def export_url(person_file, contact=None):
    contact = contact or person_file.person
    return reverse("rgpd:contact_export", args=[person_file.dossier.pk, contact.pk])


def test_a_manager_downloads_the_zip_and_it_is_traced(client, manager, person_file):
    client.force_login(manager)
    response = client.post(export_url(person_file))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="donnees-personnelles-mme-jeanne-martin-'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert open_export(response.content).document["person"] == "Mme Jeanne Martin"
    trace = ConsultationTrace.objects.get(action=ConsultationTrace.Action.PERSONAL_DATA_EXPORTED)
    assert (trace.user, trace.dossier_id, trace.contact_id) == (
        manager,
        person_file.dossier.pk,
        person_file.person.pk,
    )


def test_an_agent_gets_403_and_a_stranger_404(client, owner, stranger, person_file):
    client.force_login(owner)
    assert client.post(export_url(person_file)).status_code == 403
    client.force_login(stranger)
    assert client.post(export_url(person_file)).status_code == 404
    assert not ConsultationTrace.objects.filter(action="personal_data_exported").exists()


def test_a_contact_of_another_file_is_404(client, manager, person_file):
    elsewhere = factories.ContactFactory()
    client.force_login(manager)
    assert client.post(export_url(person_file, elsewhere)).status_code == 404


def test_get_is_not_an_export(client, manager, person_file):
    client.force_login(manager)
    assert client.get(export_url(person_file)).status_code == 405


def test_the_button_is_in_the_contact_block_for_managers_only(client, manager, owner, person_file):
    url = reverse("dossiers:detail", args=[person_file.dossier.pk])
    client.force_login(manager)
    html = client.get(url).content.decode()
    assert html.count(NAME) >= 2 * 2  # per contact: its title and its accessible name
    assert export_url(person_file) in html
    client.force_login(owner)
    assert NAME not in client.get(url).content.decode()


def test_the_export_reads_a_bounded_number_of_queries(
    client, manager, person_file, django_assert_max_num_queries
):
    client.force_login(manager)
    client.post(export_url(person_file))  # warm

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.post(export_url(person_file)).status_code == 200
        return len(captured)

    with django_assert_max_num_queries(30):
        client.post(export_url(person_file))
    before = count()
    # More notes, means and communications do not mean more queries.
    for i in range(15):
        factories.NoteFactory(dossier=person_file.dossier, author=manager, text=f"Note {i}")
        factories.ContactPointFactory(contact=person_file.person, kind="email")
    assert count() == before
