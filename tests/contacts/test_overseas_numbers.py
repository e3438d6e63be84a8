"""Numbers of the French overseas departments are French numbers too."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contacts import services
from contacts.normalize import NormalizationError, normalize_phone
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed,e164,line",
    [
        ("0590 12 34 56", "+590590123456", "fixe"),  # Guadeloupe
        ("0690 12 34 56", "+590690123456", "mobile"),
        ("0694 20 12 34", "+594694201234", "mobile"),  # Guyane
        ("0262 12 34 56", "+262262123456", "fixe"),  # La Réunion
        ("0692 12 34 56", "+262692123456", "mobile"),
        ("06 12 34 56 78", "+33612345678", "mobile"),  # metropolitan first
        ("+590 590 12 34 56", "+590590123456", "fixe"),
    ],
)
def test_overseas_numbers_typed_nationally(typed, e164, line):
    assert normalize_phone(typed) == (e164, line)


def test_a_number_of_no_plan_is_still_refused():
    with pytest.raises(NormalizationError):
        normalize_phone("0590 12")


def test_agent_adds_a_guadeloupe_number_and_finds_the_file_by_it(owner_client, owner, dossier):
    contact = factories.ContactFactory(dossier=dossier)
    point = services.contact_point_create(
        contact=contact, user=owner, kind="phone", phone="0590 12 34 56"
    )
    assert point.phone.as_e164 == "+590590123456"
    assert point.display_value == "0590 12 34 56"
    page = owner_client.get(
        reverse("dossiers:list"), {"vue": "tous", "q": "0590123456"}, follow=True
    ).content.decode()
    assert dossier.reference in page
