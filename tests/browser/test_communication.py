"""Contacting the debtor in Chromium: from each means and from « Actions de communication »."""

from __future__ import annotations

import importlib
import json
import re

import pytest
from playwright.sync_api import expect

from contacts.models import Communication, ContactPoint
from dossiers.services import dossier_refresh_totals
from tests import factories
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture(autouse=True)
def _groups_and_templates(transactional_db):
    """A transactional test flushes what migrations wrote: groups and seeded templates.

    (Permissions come back by themselves: the flush re-emits post_migrate.)
    """
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    from recouvrement.groups import GROUPS

    for name, wanted in GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        for app_label, codenames in wanted.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )
    importlib.import_module("contacts.migrations.0004_seed_message_templates").seed(apps, None)


@pytest.fixture
def file_with_means(owner, settings, tmp_path):
    settings.SMS_BACKEND = "contacts.messaging.sms_backends.FileSmsBackend"
    settings.SMS_FILE_DIR = tmp_path / "sms"
    dossier = factories.DossierFactory(
        assigned_to=owner, reference="ACC-1001", name="Boulangerie Œuvre & Fils"
    )
    factories.ReceivableFactory(dossier=dossier, number="F2026-001")
    dossier_refresh_totals(dossier_ids=[dossier.pk])
    perrin = factories.ContactFactory(
        dossier=dossier,
        civility="Mme",
        first_name="Agnès",
        last_name="Perrin",
        function="Directrice administrative et financière",
    )
    roux = factories.ContactFactory(
        dossier=dossier, civility="M.", first_name="Basile", last_name="Roux", function="Comptable"
    )
    points = {
        "mobile": factories.ContactPointFactory(
            contact=perrin,
            kind="phone",
            phone="+33612345678",
            phone_type="mobile",
            status="valid",
            is_default=True,
        ),
        "landline": factories.ContactPointFactory(
            contact=perrin, kind="phone", phone="+33142685300", phone_type="fixe"
        ),
        "email": factories.ContactPointFactory(
            contact=perrin,
            kind="email",
            email="agnes.perrin@example.fr",
            status="valid",
            is_default=True,
        ),
        "postal": factories.ContactPointFactory(
            contact=roux,
            kind="postal",
            address_line1="12 rue de l'Échiquier",
            address_line2="Bâtiment B",
            postcode="75010",
            city="PARIS",
            status="valid",
            is_default=True,
        ),
        "postal2": factories.ContactPointFactory(
            contact=roux,
            kind="postal",
            address_line1="3 avenue Foch",
            postcode="69006",
            city="LYON",
        ),
    }
    return dossier, points


def open_file(page, dossier):
    sign_in(page, "agnes")
    page.goto(f"/dossiers/{dossier.pk}/")


def combo(page, label):
    """A select by its label (crispy adds an asterisk to required ones)."""
    return page.get_by_role("combobox", name=re.compile(rf"^{re.escape(label)}\*?$"))


def means_row(page, text):
    return page.locator(".app-point").filter(has_text=text)


def test_call_report_from_the_means(page, owner, file_with_means):
    dossier, points = file_with_means
    open_file(page, dossier)
    row = means_row(page, "01 42 68 53 00")
    expect(row.get_by_role("link", name="Appeler")).to_have_attribute("href", "tel:+33142685300")
    # No SMS to a landline.
    expect(row.get_by_role("link", name="Envoyer un SMS")).to_have_count(0)
    screenshot(page, "communication-fiche-icones")
    row.get_by_role("link", name="Compte rendu d'appel").click()
    expect(page.get_by_role("heading", name="Appeler")).to_be_visible()
    expect(page.get_by_role("link", name="Composer le 01 42 68 53 00")).to_have_attribute(
        "href", "tel:+33142685300"
    )
    expect(combo(page, "Numéro")).to_have_value(str(points["landline"].pk))
    page.get_by_label("abouti", exact=True).check()
    page.get_by_label("Compte rendu").fill("Promesse de règlement au 15/12.")
    screenshot(page, "communication-appel")
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    expect(page.get_by_text("Compte rendu d'appel enregistré.")).to_be_visible()
    expect(page.get_by_text("Promesse de règlement au 15/12.").first).to_be_visible()
    points["landline"].refresh_from_db()
    assert points["landline"].status == ContactPoint.Status.VALID
    assert page.js_errors == []


def test_wrong_number_from_actions_de_communication(page, owner, file_with_means):
    dossier, points = file_with_means
    open_file(page, dossier)
    page.get_by_role("button", name="Actions de communication").click()
    expect(page.get_by_role("heading", name="Actions de communication", level=1)).to_be_visible()
    screenshot(page, "communication-actions")
    page.get_by_role("link", name="Appeler").click()
    # The file's default phone is preselected; another valid or pending one can be chosen.
    expect(combo(page, "Numéro")).to_have_value(str(points["mobile"].pk))
    combo(page, "Numéro").select_option(str(points["landline"].pk))
    page.get_by_label("faux numéro").check()
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    expect(page.get_by_text("Compte rendu d'appel enregistré.")).to_be_visible()
    points["landline"].refresh_from_db()
    assert points["landline"].status == ContactPoint.Status.INVALID
    # The invalid number has no contact icon any more.
    page.goto(f"/dossiers/{dossier.pk}/")
    expect(page.get_by_role("link", name="Appeler")).to_have_count(1)


def test_incoming_call(page, owner, file_with_means):
    dossier, points = file_with_means
    open_file(page, dossier)
    means_row(page, "01 42 68 53 00").get_by_role("link", name="Compte rendu d'appel").click()
    page.get_by_label("Appel entrant").check()
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    expect(page.get_by_text("Compte rendu d'appel enregistré.")).to_be_visible()
    points["landline"].refresh_from_db()
    assert points["landline"].last_evidence.kind == "appel_entrant"


def test_letter_from_the_means_appears_in_pieces(page, owner, file_with_means):
    dossier, points = file_with_means
    open_file(page, dossier)
    means_row(page, "3 avenue Foch").get_by_role("link", name="Envoyer un courrier").click()
    expect(combo(page, "Adresse")).to_have_value(str(points["postal2"].pk))
    combo(page, "Modèle").select_option(label="Mise en demeure")
    page.get_by_role("button", name="Prévisualiser").click()
    preview = page.get_by_label("Aperçu du courrier")
    expect(preview).to_contain_text("69006 LYON")
    expect(preview).to_contain_text("Mise en demeure de payer — dossier ACC-1001")
    expect(preview).to_contain_text("1\u00a0234,56\u00a0€")
    screenshot(page, "communication-courrier-apercu")
    page.get_by_role("button", name="Générer le courrier").click()
    expect(page.get_by_text("Courrier généré")).to_be_visible()
    pieces = page.locator("#pane-pieces")
    expect(pieces).to_contain_text(re.compile(r"courrier-mise-en-demeure-ACC-1001-\d{8}\.pdf"))
    screenshot(page, "communication-courrier-piece")


def test_letter_from_actions_uses_default_address(page, owner, file_with_means):
    dossier, points = file_with_means
    open_file(page, dossier)
    page.get_by_role("button", name="Actions de communication").click()
    page.get_by_role("link", name="Envoyer un courrier").click()
    expect(combo(page, "Adresse")).to_have_value(str(points["postal"].pk))
    page.get_by_role("button", name="Générer le courrier").click()
    expect(page.get_by_text("Choisissez un modèle de courrier.")).to_be_visible()
    combo(page, "Modèle").select_option(label="Relance amiable")
    page.get_by_role("button", name="Générer le courrier").click()
    expect(page.locator("#pane-pieces")).to_contain_text("courrier-relance-amiable-ACC-1001")


def test_sms_with_live_count(page, owner, file_with_means, settings):
    dossier, points = file_with_means
    open_file(page, dossier)
    means_row(page, "06 12 34 56 78").get_by_role("link", name="Envoyer un SMS").click()
    text = page.get_by_label("Texte du SMS")
    text.fill("a" * 160)
    expect(page.get_by_test_id("sms-count")).to_contain_text("160 caractères · 1 SMS (GSM-7)")
    text.fill("a" * 161)
    expect(page.get_by_test_id("sms-count")).to_contain_text("2 SMS (GSM-7)")
    text.fill("Bonjour ç")
    expect(page.get_by_test_id("sms-count")).to_contain_text("1 SMS (UCS-2) · 61 restants")
    combo(page, "Modèle").select_option(label="SMS de relance")
    page.get_by_role("button", name="Utiliser le modèle").click()
    expect(page.get_by_label("Texte du SMS")).to_have_value(re.compile("ACC-1001"))
    expect(page.get_by_test_id("sms-count")).to_contain_text("1 SMS (GSM-7)")
    screenshot(page, "communication-sms")
    page.get_by_role("button", name="Envoyer le SMS").click()
    expect(page.get_by_text("SMS envoyé à 06 12 34 56 78.")).to_be_visible()
    outbox = (settings.SMS_FILE_DIR / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(outbox[0])["to"] == "+33612345678"
    assert page.js_errors == []


def test_sms_failure_keeps_the_text(page, owner, file_with_means, settings):
    dossier, points = file_with_means
    settings.SMS_BACKEND = "contacts.messaging.sms_backends.HttpSmsBackend"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/sms"
    open_file(page, dossier)
    page.get_by_role("button", name="Actions de communication").click()
    page.get_by_role("link", name="Envoyer un SMS").click()
    expect(combo(page, "Mobile")).to_have_value(str(points["mobile"].pk))
    page.get_by_label("Texte du SMS").fill("Merci de rappeler le service recouvrement.")
    page.get_by_role("button", name="Envoyer le SMS").click()
    expect(page.get_by_role("alert")).to_contain_text("Le SMS n'a pas été envoyé")
    expect(page.get_by_label("Texte du SMS")).to_have_value(
        "Merci de rappeler le service recouvrement."
    )
    screenshot(page, "communication-sms-echec")
    assert Communication.objects.get().status == "failed"


def test_email_from_the_means_with_copy_in_pieces(page, owner, file_with_means):
    dossier, points = file_with_means
    open_file(page, dossier)
    means_row(page, "agnes.perrin@example.fr").get_by_role("link", name="Envoyer un e-mail").click()
    combo(page, "Modèle").select_option(label="E-mail de relance")
    page.get_by_role("button", name="Utiliser le modèle").click()
    expect(page.get_by_label("Objet")).to_have_value(
        "Votre dossier ACC-1001 : règlement en attente"
    )
    expect(page.get_by_label("Message")).to_have_value(re.compile("Bonjour Mme Agnès Perrin"))
    screenshot(page, "communication-email")
    page.get_by_role("button", name="Envoyer l'e-mail").click()
    expect(page.get_by_text("E-mail envoyé à agnes.perrin@example.fr")).to_be_visible()
    expect(page.locator("#pane-pieces")).to_contain_text(".eml")


def test_email_from_actions_free_text(page, owner, file_with_means):
    from django.core import mail

    dossier, points = file_with_means
    open_file(page, dossier)
    page.get_by_role("button", name="Actions de communication").click()
    page.get_by_role("link", name="Envoyer un e-mail").click()
    expect(combo(page, "Adresse e-mail")).to_have_value(str(points["email"].pk))
    page.get_by_label("Objet").fill("Dossier {{ reference }}")
    page.get_by_label("Message").fill("Bonjour,\nmerci de nous rappeler.")
    page.get_by_role("button", name="Envoyer l'e-mail").click()
    expect(page.get_by_text("E-mail envoyé à agnes.perrin@example.fr")).to_be_visible()
    assert mail.outbox[-1].subject == "Dossier ACC-1001"
