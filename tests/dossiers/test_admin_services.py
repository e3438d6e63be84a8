"""The admin writes through the services: a reassignment, a status, a next action
or a star changed in the admin is journaled and follows the rules, as in the agent UI."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from contacts.models import ContactPoint
from dossiers.models import Dossier, JournalEntry
from tests import factories
from tests.security.htmlforms import page_forms

pytestmark = pytest.mark.django_db


def change_form_values(client, dossier) -> dict:
    """What the admin's change form of the file submits as it is."""
    url = reverse("admin:dossiers_dossier_change", args=[dossier.pk])
    forms = [f for f in page_forms(client.get(url).content.decode(), url) if f.method == "post"]
    form = next(f for f in forms if any(field.name == "reference" for field in f.fields))
    values = form.values()
    values.pop("_addanother", None), values.pop("_continue", None)
    return values


def post_change(client, dossier, **changes):
    url = reverse("admin:dossiers_dossier_change", args=[dossier.pk])
    response = client.post(url, {**change_form_values(client, dossier), **changes})
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier.refresh_from_db()
    return response


def test_status_changed_in_admin_is_journaled_by_the_service(admin_client, dossier):
    post_change(admin_client, dossier, status=Dossier.Status.LITIGATION)
    assert dossier.status == Dossier.Status.LITIGATION
    entry = JournalEntry.objects.get(dossier=dossier, action="status_changed")
    assert entry.message == "Statut : En cours → Judiciaire. Depuis l'administration."
    assert entry.actor.username == "admin" and entry.data == {"status": "judiciaire"}


def test_reassignment_in_admin_is_journaled_from_and_to(admin_client, dossier, owner, colleague):
    post_change(admin_client, dossier, assigned_to=colleague.pk)
    assert dossier.assigned_to == colleague
    entry = JournalEntry.objects.get(dossier=dossier, action="reassigned")
    assert entry.message == "Dossier réaffecté de Agnès Martin à Bruno Caron."
    assert entry.data == {"from": owner.pk, "to": colleague.pk}
    assert not JournalEntry.objects.filter(dossier=dossier, action="dossier_updated").exists()


def test_next_action_and_plain_fields_in_admin_are_journaled(admin_client, dossier):
    post_change(
        admin_client,
        dossier,
        name="Boulangerie Œuvre & Filles",
        next_action="Relancer le comptable",
        next_action_date="15/12/2026",
    )
    assert dossier.name == "Boulangerie Œuvre & Filles"
    assert dossier.next_action_date == datetime.date(2026, 12, 15)
    actions = dict(JournalEntry.objects.filter(dossier=dossier).values_list("action", "message"))
    assert actions["next_action"] == "Prochaine action : Relancer le comptable le 15/12/2026."
    assert actions["dossier_updated"].startswith("Dossier modifié depuis l'administration (")
    assert "status_changed" not in actions and "reassigned" not in actions


def test_unchanged_save_in_admin_writes_no_journal(admin_client, dossier):
    post_change(admin_client, dossier)
    assert not JournalEntry.objects.filter(dossier=dossier).exists()


def test_dossier_created_in_admin_is_journaled(admin_client, dossier):
    values = change_form_values(admin_client, dossier)
    values.update(reference="ACC-2002", name="Nouveau client")
    for key in [k for k in values if k.endswith("-INITIAL_FORMS")]:
        values[key] = "0"
    response = admin_client.post(reverse("admin:dossiers_dossier_add"), values)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Dossier.objects.get(reference="ACC-2002")
    assert JournalEntry.objects.filter(dossier=created, action="dossier_created").exists()


def test_default_set_in_admin_is_journaled_and_takes_the_star_from_the_former(
    admin_client, dossier
):
    contact = factories.ContactFactory(dossier=dossier, last_name="Perrin")
    former = factories.ContactPointFactory(contact=contact, status="valid", is_default=True)
    other = factories.ContactPointFactory(contact=contact, status="valid")
    pending = factories.ContactPointFactory(contact=contact)
    url = reverse("admin:contacts_contactpoint_changelist")
    admin_client.post(url, {"action": "set_default_points", "_selected_action": [pending.pk]})
    assert not ContactPoint.objects.get(pk=pending.pk).is_default  # only a validated one
    admin_client.post(url, {"action": "set_default_points", "_selected_action": [other.pk]})
    former.refresh_from_db(), other.refresh_from_db()
    assert (former.is_default, other.is_default) == (False, True)
    entry = JournalEntry.objects.get(dossier=dossier, action="default_changed")
    assert entry.actor.username == "admin"
    assert f"à la place de {former.display_value}" in entry.message
