"""Sign in with a password, see my files, open one: the README's screenshot."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_agent_signs_in_sees_files_and_opens_one(page, owner, colleague):
    from dossiers.services import dossier_refresh_totals

    mine = factories.DossierFactory(
        assigned_to=owner, reference="ACC-1001", name="Boulangerie Œuvre & Fils"
    )
    factories.DossierFactory(assigned_to=colleague, reference="ACC-2002", name="Garage Dupont")
    factories.ReceivableFactory(dossier=mine, number="F2026-001")
    contact = factories.ContactFactory(
        dossier=mine, first_name="Agnès", last_name="Perrin", function="Comptable"
    )
    factories.ContactPointFactory(contact=contact, status="valid", is_default=True)
    dossier_refresh_totals(dossier_ids=[mine.pk])

    sign_in(page, "agnes")
    # Agents land on « À faire » (relances); « Mes dossiers » is in the navigation.
    expect(page.get_by_role("heading", name="À faire")).to_be_visible()
    page.get_by_role("link", name="Mes dossiers").click()
    expect(page.get_by_role("heading", name="Mes dossiers")).to_be_visible()
    expect(page.get_by_role("link", name="ACC-1001")).to_be_visible()
    expect(page.get_by_role("link", name="ACC-2002")).to_have_count(0)

    page.get_by_role("link", name="ACC-1001").click()
    expect(page.get_by_role("heading", name="Boulangerie Œuvre & Fils")).to_be_visible()
    expect(page.get_by_test_id("encours")).to_have_text("1\u00a0234,56\u00a0€")
    expect(page.get_by_text("Mme Agnès Perrin")).to_be_visible()
    assert page.js_errors == []
    screenshot(page, "liste-et-fiche")
