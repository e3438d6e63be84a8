"""The rectification trail: the journal keeps what a person's data was."""

from __future__ import annotations

import pytest

from contacts import services
from dossiers.models import JournalEntry
from tests import factories

pytestmark = pytest.mark.django_db


def test_identity_and_observation_changes_keep_the_old_values(dossier, owner):
    contact = services.contact_create(
        dossier=dossier,
        user=owner,
        civility="Mme",
        first_name="Jeanne",
        last_name="Martin",
        function="Gérante",
        observation="Joignable le matin.",
    )
    services.contact_update(
        contact=contact,
        user=owner,
        civility="Mme",
        first_name="Jeanne",
        last_name="Martin-Durand",
        function="Gérante",
        observation="Joignable l'après-midi.",
    )
    entry = JournalEntry.objects.get(action=JournalEntry.Action.CONTACT_UPDATED)
    assert entry.data["before"] == {
        "last_name": "Martin",
        "observation": "Joignable le matin.",
    }
    assert entry.data["after"] == {
        "last_name": "Martin-Durand",
        "observation": "Joignable l'après-midi.",
    }
    assert "Avant : nom « Martin » ; observation « Joignable le matin. »" in entry.message


def test_a_long_observation_is_cut_in_the_message_but_whole_in_the_data(dossier, owner):
    long_text = "Rappeler après 18 h. " * 40
    contact = factories.ContactFactory(dossier=dossier, observation=long_text.strip())
    services.contact_update(
        contact=contact,
        user=owner,
        last_name=contact.last_name,
        civility=contact.civility,
        first_name=contact.first_name,
        observation="Rappeler le matin.",
    )
    entry = JournalEntry.objects.get(action=JournalEntry.Action.CONTACT_UPDATED)
    assert entry.data["before"]["observation"] == long_text.strip()
    assert len(entry.message) < 400 and "…" in entry.message


def test_a_means_correction_keeps_its_former_value(dossier, owner):
    contact = factories.ContactFactory(dossier=dossier)
    point = services.contact_point_create(
        contact=contact, user=owner, kind="phone", phone="06 11 22 33 44"
    )
    services.contact_point_update(point=point, user=owner, phone="06 55 44 33 22")
    entry = JournalEntry.objects.filter(action=JournalEntry.Action.POINT_UPDATED).get()
    assert (entry.data["before"], entry.data["after"]) == ("06 11 22 33 44", "06 55 44 33 22")
    assert entry.data["contact"] == contact.pk
    assert "06 11 22 33 44" in entry.message
