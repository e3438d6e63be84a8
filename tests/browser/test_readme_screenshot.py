"""The README's picture: a client file like the design sketch, as an agent sees it."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts import services as contact_services
from dossiers.services import dossier_refresh_totals
from tests import factories
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def build_showcase_file(owner, colleague):
    today = timezone.localdate()
    dossier = factories.DossierFactory(
        reference="ACC-1001",
        name="Boulangerie Œuvre & Fils",
        siren="732829320",
        assigned_to=owner,
        next_action="Relance téléphonique",
        next_action_date=today + datetime.timedelta(days=4),
    )
    for number, days, amount, balance in [
        ("F2026-001", 56, "1234.56", "1234.56"),
        ("F2026-002", 44, "980.00", "480.00"),
        ("F2026-007", 31, "754.56", "754.56"),
    ]:
        factories.ReceivableFactory(
            dossier=dossier,
            number=number,
            amount=Decimal(amount),
            balance=Decimal(balance),
            issue_date=today - datetime.timedelta(days=days + 30),
            due_date=today - datetime.timedelta(days=days),
        )
    dossier_refresh_totals(dossier_ids=[dossier.pk])
    perrin = factories.ContactFactory(
        dossier=dossier,
        civility="Mme",
        first_name="Agnès",
        last_name="Perrin",
        function="Directrice administrative et financière",
        observation="Joignable le matin ; préfère l'e-mail pour les relevés.",
    )
    mobile = factories.ContactPointFactory(
        contact=perrin, phone="+33612345678", value_key="+33612345678"
    )
    landline = factories.ContactPointFactory(
        contact=perrin, phone="+33142685300", value_key="+33142685300", phone_type="fixe"
    )
    factories.ContactPointFactory(
        contact=perrin,
        kind="email",
        email="agnes.perrin@example.fr",
        value_key="agnes.perrin@example.fr",
    )
    roux = factories.ContactFactory(
        dossier=dossier, civility="M.", first_name="Basile", last_name="Roux", function="Comptable"
    )
    address = factories.ContactPointFactory(
        contact=roux,
        kind="postal",
        address_line1="12 rue de l'Échiquier",
        address_line2="Bâtiment B",
        postcode="75010",
        city="PARIS",
        value_key="12 RUE DE L'ECHIQUIER|BATIMENT B||75010",
    )
    wrong = factories.ContactPointFactory(
        contact=roux, phone="+33698765432", value_key="+33698765432"
    )
    contact_services.evidence_record(point=mobile, kind="appel_abouti", user=owner)
    contact_services.evidence_record(
        point=landline, kind="appel_entrant", source="import", source_detail="import téléphonie"
    )
    contact_services.evidence_record(point=address, kind="accuse_reception", user=colleague)
    contact_services.evidence_record(point=wrong, kind="faux_numero", user=colleague)
    factories.NoteFactory(
        dossier=dossier,
        author=colleague,
        text="Le numéro mobile du comptable est erroné ; rappeler la DAF.",
    )
    factories.NoteFactory(
        dossier=dossier,
        author=owner,
        text="Promesse de règlement de 980 € au 15/12, confirmée par e-mail.",
    )
    return dossier


def test_readme_screenshot_of_a_client_file(page, owner, colleague):
    dossier = build_showcase_file(owner, colleague)
    sign_in(page, "agnes")
    page.goto(f"/dossiers/{dossier.pk}/")
    expect(page.get_by_role("heading", name="Boulangerie Œuvre & Fils")).to_be_visible()
    checkbox = page.get_by_label("Afficher contacts invalides")
    if checkbox.count() and not checkbox.is_checked():
        checkbox.check()
        expect(page.locator(".invalide").first).to_be_visible()
    expect(page.get_by_text("06 12 34 56 78", exact=True)).to_be_visible()
    assert page.js_errors == []
    screenshot(page, "fiche-client")
