"""The admin goes through the services: file and normalised value set, the default
rule respected, everything journaled."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, ContactPoint
from dossiers.models import JournalEntry
from tests import factories

pytestmark = pytest.mark.django_db

EMPTY_POINT = {
    "phone": "",
    "email": "",
    "address_line1": "",
    "address_line2": "",
    "address_line3": "",
    "postcode": "",
    "city": "",
    "country": "FR",
}
NO_EVIDENCE = {
    "evidences-TOTAL_FORMS": "0",
    "evidences-INITIAL_FORMS": "0",
    "evidences-MIN_NUM_FORMS": "0",
    "evidences-MAX_NUM_FORMS": "1000",
}


@pytest.fixture
def contact(dossier):
    return factories.ContactFactory(dossier=dossier, last_name="Perrin")


def test_point_added_in_admin_gets_file_value_key_and_line_type(admin_client, contact):
    response = admin_client.post(
        reverse("admin:contacts_contactpoint_add"),
        {
            **EMPTY_POINT,
            **NO_EVIDENCE,
            "contact": contact.pk,
            "kind": "phone",
            "phone": "01 42 68 53 00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    point = ContactPoint.objects.get()
    assert point.dossier_id == contact.dossier_id
    assert point.value_key == "+33142685300" and point.phone_type == "fixe"
    assert point.status == "pending"
    assert JournalEntry.objects.filter(action="point_created", dossier=contact.dossier).exists()


def test_duplicate_in_admin_is_a_form_error(admin_client, contact):
    factories.ContactPointFactory(contact=contact, phone="+33612345678", value_key="+33612345678")
    response = admin_client.post(
        reverse("admin:contacts_contactpoint_add"),
        {
            **EMPTY_POINT,
            **NO_EVIDENCE,
            "contact": contact.pk,
            "kind": "phone",
            "phone": "06 12 34 56 78",
        },
    )
    assert response.status_code == 200
    assert "déjà enregistré pour ce contact" in response.content.decode()
    assert ContactPoint.objects.count() == 1


def test_changing_the_default_value_in_admin_moves_the_star(admin_client, contact):
    now = timezone.now()
    default = factories.ContactPointFactory(
        contact=contact, status="valid", is_default=True, validated_at=now
    )
    other = factories.ContactPointFactory(
        contact=contact, status="valid", validated_at=now - datetime.timedelta(days=1)
    )
    response = admin_client.post(
        reverse("admin:contacts_contactpoint_change", args=[default.pk]),
        {**EMPTY_POINT, **NO_EVIDENCE, "phone": "06 98 76 54 32"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    default.refresh_from_db()
    other.refresh_from_db()
    assert default.value_key == "+33698765432" and default.status == "pending"
    assert other.is_default and not default.is_default


def test_admin_actions_follow_the_default_rule(admin_client, contact):
    pending = factories.ContactPointFactory(contact=contact)
    url = reverse("admin:contacts_contactpoint_changelist")
    admin_client.post(url, {"action": "set_default_points", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert not pending.is_default
    admin_client.post(url, {"action": "validate_points", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.status == "valid" and pending.is_default


def test_deleting_the_default_in_admin_moves_the_star(admin_client, contact):
    now = timezone.now()
    default = factories.ContactPointFactory(
        contact=contact, status="valid", is_default=True, validated_at=now
    )
    other = factories.ContactPointFactory(contact=contact, status="valid", validated_at=now)
    admin_client.post(
        reverse("admin:contacts_contactpoint_delete", args=[default.pk]), {"post": "yes"}
    )
    other.refresh_from_db()
    assert not ContactPoint.objects.filter(pk=default.pk).exists() and other.is_default


def test_contact_added_in_admin_with_means_goes_through_services(admin_client, dossier):
    prefix = "points"
    response = admin_client.post(
        reverse("admin:contacts_contact_add"),
        {
            "dossier": dossier.pk,
            "civility": "M.",
            "first_name": "Basile",
            "last_name": "Roux",
            "function": "Comptable",
            "observation": "",
            "external_key": "",
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
            f"{prefix}-0-kind": "email",
            f"{prefix}-0-email": "Basile@Example.FR",
            f"{prefix}-0-country": "FR",
            f"{prefix}-1-kind": "postal",
            f"{prefix}-1-address_line1": "12 rue de la Paix",
            f"{prefix}-1-postcode": "75002",
            f"{prefix}-1-city": "Paris",
            f"{prefix}-1-country": "FR",
        },
    )
    assert response.status_code == 302, response.content.decode()[:4000]
    contact = Contact.objects.get(last_name="Roux")
    keys = sorted(contact.points.values_list("value_key", flat=True))
    assert keys == ["12 RUE DE LA PAIX|||75002", "basile@example.fr"]
    assert set(contact.points.values_list("dossier_id", flat=True)) == {dossier.pk}
    assert JournalEntry.objects.filter(action="contact_created").count() == 1


def test_subjective_observation_refused_in_admin(admin_client, dossier):
    response = admin_client.post(
        reverse("admin:contacts_contact_add"),
        {
            "dossier": dossier.pk,
            "last_name": "Roux",
            "observation": "Client alcoolique",
            "points-TOTAL_FORMS": "0",
            "points-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "« alcoolique » n&#x27;est pas autorisé (santé)" in response.content.decode()
    assert not Contact.objects.exists()


def test_admin_pages_render(admin_client, contact):
    point = factories.ContactPointFactory(contact=contact, status="valid", is_default=True)
    for url in [
        reverse("admin:contacts_contact_changelist"),
        reverse("admin:contacts_contact_change", args=[contact.pk]),
        reverse("admin:contacts_contactpoint_changelist"),
        reverse("admin:contacts_contactpoint_change", args=[point.pk]),
        reverse("admin:dossiers_dossier_change", args=[contact.dossier_id]),
    ]:
        assert admin_client.get(url).status_code == 200, url
