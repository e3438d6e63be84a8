"""« Planifier la prochaine action » and « Changer le statut »: journaled, checked, guarded."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from dossiers.models import Dossier, JournalEntry
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_actions_card_offers_both(owner_client, dossier):
    html = owner_client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "Planifier la prochaine action" in html
    assert "Changer le statut" in html


def test_plan_next_action_shows_in_header_and_journal(owner_client, owner, dossier):
    url = reverse("dossiers:next_action", args=[dossier.pk])
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(
        url, {"next_action": "Relance téléphonique", "next_action_date": "2026-12-02"}, follow=True
    )
    assert response.status_code == 200
    dossier.refresh_from_db()
    assert dossier.next_action == "Relance téléphonique"
    assert dossier.next_action_date == datetime.date(2026, 12, 2)
    html = response.content.decode()
    assert "Relance téléphonique" in html and "02/12/2026" in html
    entry = JournalEntry.objects.get(dossier=dossier, action="next_action")
    assert entry.actor == owner and "02/12/2026" in entry.message


def test_french_date_is_accepted_and_a_bad_one_explained(owner_client, dossier):
    url = reverse("dossiers:next_action", args=[dossier.pk])
    owner_client.post(url, {"next_action": "Mise en demeure", "next_action_date": "15/12/2026"})
    dossier.refresh_from_db()
    assert dossier.next_action_date == datetime.date(2026, 12, 15)
    response = owner_client.post(url, {"next_action": "Relance", "next_action_date": "31/02/2026"})
    assert response.status_code == 200
    assert "Saisissez une date valide" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.next_action == "Mise en demeure"


def test_a_date_without_an_action_is_refused(owner_client, dossier):
    response = owner_client.post(
        reverse("dossiers:next_action", args=[dossier.pk]),
        {"next_action": "", "next_action_date": "2026-12-01"},
    )
    assert "Dites quelle action est prévue" in response.content.decode()


def test_change_status_with_reason_is_journaled(owner_client, dossier):
    url = reverse("dossiers:status", args=[dossier.pk])
    assert owner_client.get(url).status_code == 200
    owner_client.post(url, {"status": "paiement", "reason": "Échéancier en 3 fois accepté."})
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.PAYMENT
    entry = JournalEntry.objects.get(dossier=dossier, action="status_changed")
    assert "En cours → Paiement" in entry.message and "Échéancier" in entry.message


def test_contact_check_status_is_left_to_the_application(owner_client, dossier):
    response = owner_client.post(
        reverse("dossiers:status", args=[dossier.pk]), {"status": "verification_coordonnees"}
    )
    assert response.status_code == 200
    assert "Choisissez un statut dans la liste" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.IN_PROGRESS


def test_access(client, dossier, stranger, django_assert_max_num_queries):
    urls = [
        reverse("dossiers:next_action", args=[dossier.pk]),
        reverse("dossiers:status", args=[dossier.pk]),
    ]
    for url in urls:
        assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(stranger)
    for url in urls:
        assert client.get(url).status_code == 404
    # A reader without the follow-up permission may see the file but not change it.
    from django.contrib.auth.models import Permission

    reader = factories.UserFactory(username="lecteur")
    reader.user_permissions.add(Permission.objects.get(codename="view_dossier"))
    client.force_login(reader)
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.post(url, {"status": "cloture", "next_action": "x"}).status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.IN_PROGRESS


def test_pages_query_budget(owner_client, dossier, django_assert_max_num_queries):
    for url in (
        reverse("dossiers:next_action", args=[dossier.pk]),
        reverse("dossiers:status", args=[dossier.pk]),
    ):
        # 8 + 1: the « À faire » count in the navigation (relances).
        with django_assert_max_num_queries(9):
            assert owner_client.get(url).status_code == 200
