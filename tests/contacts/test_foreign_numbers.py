"""Foreign numbers are shown internationally, French ones (overseas departments
included) nationally: ``+32 2 555 12 12`` shown as ``02 555 12 12`` would be
dialled from France as a French number."""

from __future__ import annotations

import phonenumbers
import pytest
from django.urls import reverse

from contacts import services
from contacts.normalize import phone_display
from dossiers.models import JournalEntry
from tests import factories

pytestmark = pytest.mark.django_db

BELGIAN = "+32 2 555 12 12"


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+3225551212", BELGIAN),
        ("+447911123456", "+44 7911 123456"),
        ("+41446681800", "+41 44 668 18 00"),
        ("+687123456", "+687 123456"),  # Nouvelle-Calédonie: its own country code
        ("+33612345678", "06 12 34 56 78"),
        ("+33142685300", "01 42 68 53 00"),
        ("+590590123456", "0590 12 34 56"),  # Guadeloupe
        ("+596696123456", "0696 12 34 56"),  # Martinique
        ("+594694201234", "0694 20 12 34"),  # Guyane
        ("+262692123456", "0692 12 34 56"),  # La Réunion
        ("+262269601234", "0269 60 12 34"),  # Mayotte
    ],
)
def test_one_display_for_every_number(e164, shown):
    assert phone_display(e164) == shown
    assert phone_display(phonenumbers.parse(e164)) == shown
    assert phone_display("") == ""


@pytest.fixture
def belgian(owner, dossier):
    contact = factories.ContactFactory(dossier=dossier, last_name="Janssens", first_name="Luc")
    return services.contact_point_create(contact=contact, user=owner, kind="phone", phone=BELGIAN)


def test_block_and_journal_show_a_foreign_number_internationally(owner_client, belgian, dossier):
    assert belgian.phone.as_e164 == "+3225551212"
    page = owner_client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert BELGIAN in page
    assert "02 555 12 12" not in page
    created = JournalEntry.objects.get(dossier=dossier, action="point_created")
    assert BELGIAN in created.message


def test_edit_form_offers_the_international_form_and_keeps_the_number(
    owner_client, belgian, dossier
):
    url = reverse("contacts:point_update", args=[dossier.pk, belgian.pk])
    form = owner_client.get(url).content.decode()
    assert f'value="{BELGIAN}"' in form
    owner_client.post(url, {"phone": BELGIAN})
    belgian.refresh_from_db()
    assert belgian.phone.as_e164 == "+3225551212"
    assert not JournalEntry.objects.filter(dossier=dossier, action="point_updated").exists()


def test_call_page_and_call_report_journal_show_it_internationally(
    owner_client, owner, belgian, dossier
):
    page = owner_client.get(
        reverse("communication:call", args=[dossier.pk]), {"moyen": belgian.pk}
    ).content.decode()
    assert f"Composer le {BELGIAN}" in page
    services.contact_point_validate(point=belgian, user=owner)
    validated = JournalEntry.objects.get(dossier=dossier, action="point_validated")
    assert validated.message.startswith(f"{BELGIAN} (Mme Luc Janssens)")
    default = JournalEntry.objects.get(dossier=dossier, action="default_changed")
    assert default.message.startswith(f"{BELGIAN} (Mme Luc Janssens) devient le moyen par défaut")
