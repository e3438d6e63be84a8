"""A promise and a payment recorded from the file, and the managers' dashboard, in
Chromium. Screenshots go to var/screenshots/ (not committed)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dossiers.models import Dossier
from paiements.models import Instalment, Payment, Promise
from tests import factories
from tests.browser.conftest import sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def file_with_invoices(owner):
    dossier = factories.DossierFactory(
        assigned_to=owner, reference="ACC-2040", name="Menuiserie Lefèvre"
    )
    today = timezone.localdate()
    for number, balance, days in (("F-101", "480.00", 70), ("F-102", "720.00", 25)):
        factories.ReceivableFactory(
            dossier=dossier,
            number=number,
            amount=Decimal(balance),
            balance=Decimal(balance),
            issue_date=today - datetime.timedelta(days=days + 30),
            due_date=today - datetime.timedelta(days=days),
        )
    return dossier


def test_record_a_promise_then_a_payment_from_the_file(page, owner, file_with_invoices):
    dossier = file_with_invoices
    sign_in(page, owner.username)
    page.goto(f"/dossiers/{dossier.pk}/")
    # Two clicks: the button, then the prefilled form's submit.
    page.get_by_role("button", name="Promesse de paiement").click()
    expect(page.get_by_role("heading", name="Promesse de paiement")).to_be_visible()
    expect(page.get_by_label("Montant", exact=True)).to_have_value("1200,00")
    page.get_by_role("button", name="Enregistrer la promesse").click()
    expect(page.get_by_text("Promesse de paiement enregistrée.")).to_be_visible()
    promise = page.get_by_test_id("promesse")
    expect(promise).to_contain_text("Promesse en cours")
    expect(promise).to_contain_text("1\u00a0200,00\u00a0€")
    expect(promise).to_contain_text("À venir")
    expect(page.locator(".app-file-header .app-status")).to_have_text("Paiement")

    page.get_by_role("button", name="Enregistrer un paiement").click()
    page.get_by_role("textbox", name="Montant").fill("1 300,00")
    page.get_by_label("Mode").select_option(label="Chèque")
    page.get_by_label("Référence du paiement").fill("CHQ-5521")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    expect(page.get_by_text("Paiement de 1\u00a0300,00\u00a0€ enregistré.")).to_be_visible()
    expect(page.get_by_test_id("solde")).to_have_text("Soldé")
    expect(page.get_by_test_id("avoir")).to_contain_text("100,00")
    expect(page.get_by_test_id("encours")).to_have_text("0,00\u00a0€")
    row = page.get_by_test_id("paiement")
    expect(row).to_contain_text("F-101 : 480,00")
    expect(row).to_contain_text("F-102 : 720,00")
    # The promise is kept at once: the file is back « en cours ».
    expect(page.get_by_test_id("derniere-promesse")).to_contain_text("tenue")
    expect(page.locator(".app-file-header .app-status")).to_have_text("En cours")
    shot(page, "paiements-fiche")
    assert Payment.objects.get().reference == "CHQ-5521"
    assert Promise.objects.get().status == Promise.Status.KEPT
    assert Instalment.objects.get().state == Instalment.State.KEPT
    assert Dossier.objects.get(pk=dossier.pk).outstanding == 0
    assert page.js_errors == []


def test_instalment_plan_and_dispute_from_the_file(page, owner, file_with_invoices):
    dossier = file_with_invoices
    sign_in(page, owner.username)
    page.goto(f"/dossiers/{dossier.pk}/")
    page.get_by_role("button", name="Litige").click()
    page.get_by_label("F-102 — 720,00\u00a0€").check()
    page.get_by_label("Motif").select_option(label="Marchandise endommagée")
    page.get_by_role("button", name="Enregistrer le litige").click()
    expect(page.get_by_test_id("badge-litige")).to_have_count(1)
    page.get_by_role("button", name="Promesse de paiement").click()
    page.get_by_label("Échéancier régulier").check()
    page.get_by_label("Montant", exact=True).fill("480")
    page.get_by_label("Nombre d'échéances").fill("3")
    page.get_by_label("F-101 — 480,00\u00a0€").check()
    shot(page, "paiements-promesse-formulaire")
    page.get_by_role("button", name="Enregistrer la promesse").click()
    promise = page.get_by_test_id("promesse")
    expect(promise).to_contain_text("Échéancier en cours")
    expect(promise.get_by_text("À venir")).to_have_count(3)
    shot(page, "paiements-echeancier")
    assert page.js_errors == []


def test_dashboard_for_a_manager(page, manager, owner, file_with_invoices):
    from paiements.services import payment_record

    payment_record(
        dossier=file_with_invoices,
        date=timezone.localdate(),
        amount=Decimal("300"),
        mode="virement",
        user=owner,
    )
    sign_in(page, manager.username)
    page.get_by_role("link", name="Tableau de bord").click()
    expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Encours par ancienneté")).to_be_visible()
    expect(page.get_by_test_id("kpi-encours")).to_have_text("900,00\u00a0€")
    shot(page, "tableau-de-bord")
    assert page.js_errors == []
