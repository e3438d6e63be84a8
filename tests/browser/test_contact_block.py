"""Journeys in the contact block, in Chromium: show and hide invalid means, change
the default (« Oui ») or keep it (« Non »), add a contact (and see a refused term),
validate / invalidate / cancel, reassign. Screenshots under docs/screenshots/."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts import services
from contacts.models import Contact, ContactPoint, Evidence
from dossiers.models import Dossier, JournalEntry
from dossiers.services import dossier_refresh_totals
from tests import factories
from tests.browser.conftest import SCREENSHOTS, sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]
EK = Evidence.Kind


def build_file(owner):
    """The file of the design sketch."""
    dossier = factories.DossierFactory(
        assigned_to=owner, reference="ACC-1001", name="Boulangerie Œuvre & Fils"
    )
    factories.ReceivableFactory(dossier=dossier, number="F2026-001")
    days = lambda n: timezone.now() - datetime.timedelta(days=n)  # noqa: E731
    perrin = services.contact_create(
        dossier=dossier,
        user=owner,
        civility="Mme",
        first_name="Agnès",
        last_name="Perrin",
        function="Directrice administrative et financière",
        observation="Joignable le matin ; préfère l'e-mail pour les relevés.",
        points=[
            ("phone", {"phone": "06 12 34 56 78"}),
            ("phone", {"phone": "01 42 68 53 00"}),
            ("email", {"email": "agnes.perrin@example.fr"}),
        ],
    )
    roux = services.contact_create(
        dossier=dossier,
        user=owner,
        civility="M.",
        first_name="Basile",
        last_name="Roux",
        function="Comptable",
        points=[
            (
                "postal",
                {
                    "address_line1": "12 rue de l'Échiquier",
                    "address_line2": "Bâtiment B",
                    "postcode": "75010",
                    "city": "Paris",
                },
            ),
            ("phone", {"phone": "06 98 76 54 32"}),
        ],
    )
    p = {point.display_value: point for point in ContactPoint.objects.all()}
    services.evidence_record(
        point=p["06 12 34 56 78"], kind=EK.CALL_COMPLETED, user=owner, occurred_at=days(8)
    )
    services.evidence_record(
        point=p["01 42 68 53 00"],
        kind=EK.CALL_INCOMING,
        source=Evidence.Source.IMPORT,
        source_detail="import téléphonie",
        occurred_at=days(16),
    )
    postal = next(v for k, v in p.items() if k.startswith("12 rue"))
    services.evidence_record(point=postal, kind=EK.RECEIPT_ACK, user=owner, occurred_at=days(23))
    services.evidence_record(
        point=p["06 98 76 54 32"], kind=EK.WRONG_NUMBER, user=owner, occurred_at=days(10)
    )
    dossier_refresh_totals(dossier_ids=[dossier.pk])
    return dossier, perrin, roux


def shot(page, name):
    """A screenshot under docs/screenshots/. caret="initial": Playwright's default
    hides the caret with an injected style, which our strict CSP (rightly) blocks."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")


def row(page, value):
    return page.locator("li.app-point", has_text=value)


@pytest.fixture
def file_page(page, owner, colleague):
    dossier, perrin, roux = build_file(owner)
    sign_in(page, "agnes")
    page.goto(f"/dossiers/{dossier.pk}/")
    page.dossier = dossier
    return page


def test_show_and_hide_invalid_means_survives_reload(file_page):
    page = file_page
    block = page.locator("#contact-block")
    expect(block.get_by_text("06 98 76 54 32")).to_have_count(0)
    expect(block.get_by_text("1 moyen invalide masqué")).to_be_visible()
    shot(page, "contact-bloc")

    page.get_by_label("Afficher contacts invalides").check()
    invalid = row(page, "06 98 76 54 32")
    expect(invalid).to_be_visible()
    expect(invalid).to_have_class(re.compile(r"\binvalide\b"))
    expect(invalid).to_contain_text("Invalide — faux numéro")
    assert (
        invalid.locator(".app-point-value").evaluate("e => getComputedStyle(e).textDecorationLine")
        == "line-through"
    )
    assert invalid.evaluate("e => getComputedStyle(e).color") == "rgb(176, 42, 55)"
    shot(page, "contact-invalides")

    page.reload()
    expect(page.get_by_label("Afficher contacts invalides")).to_be_checked()
    expect(row(page, "06 98 76 54 32")).to_be_visible()

    page.get_by_label("Afficher contacts invalides").uncheck()
    expect(row(page, "06 98 76 54 32")).to_have_count(0)
    page.reload()
    expect(page.get_by_label("Afficher contacts invalides")).not_to_be_checked()
    expect(row(page, "06 98 76 54 32")).to_have_count(0)
    assert page.js_errors == []


def test_change_default_with_oui_and_keep_it_with_non(file_page):
    page = file_page
    mobile, landline = row(page, "06 12 34 56 78"), row(page, "01 42 68 53 00")
    expect(mobile.get_by_role("button", name="Moyen par défaut")).to_be_visible()
    expect(landline.get_by_role("button", name="Utiliser par défaut")).to_be_visible()
    expect(row(page, "agnes.perrin@example.fr").locator(".app-star-btn")).to_have_count(0)

    # « Non »: nothing changes.
    landline.get_by_role("button", name="Utiliser par défaut").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Changer le moyen par défaut ?")
    expect(dialog).to_contain_text("01 42 68 53 00")
    expect(dialog).to_contain_text("à la place de 06 12 34 56 78")
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('#default-confirm')).opacity === '1'"
    )
    shot(page, "contact-confirmation-defaut")
    dialog.get_by_role("button", name="Non").click()
    expect(dialog).to_be_hidden()
    expect(mobile.get_by_role("button", name="Moyen par défaut")).to_be_visible()
    assert ContactPoint.objects.get(is_default=True, kind="phone").display_value == "06 12 34 56 78"

    # « Oui »: the landline takes the star, in place.
    landline.get_by_role("button", name="Utiliser par défaut").click()
    page.get_by_role("dialog").get_by_role("button", name="Oui").click()
    expect(
        row(page, "01 42 68 53 00").get_by_role("button", name="Moyen par défaut")
    ).to_be_visible()
    expect(
        row(page, "06 12 34 56 78").get_by_role("button", name="Utiliser par défaut")
    ).to_be_visible()
    expect(page.get_by_text("01 42 68 53 00 est le moyen par défaut.")).to_be_visible()
    assert ContactPoint.objects.get(is_default=True, kind="phone").display_value == "01 42 68 53 00"
    changed = JournalEntry.objects.filter(action="default_changed", message__contains="à la place")
    assert [entry.message for entry in changed] == [
        "01 42 68 53 00 (Mme Agnès Perrin) devient le moyen par défaut, à la place de "
        "06 12 34 56 78."
    ]
    expect(page.locator("#default-confirm")).to_be_hidden()
    expect(page.locator(".modal-backdrop")).to_have_count(0)
    shot(page, "contact-defaut-change")
    assert page.js_errors == []


def test_change_default_without_javascript(browser, live_server, owner, colleague):
    dossier, *_ = build_file(owner)
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        locale="fr-FR",
        viewport={"width": 1440, "height": 950},
    )
    page = context.new_page()
    sign_in(page, "agnes")
    page.goto(f"/dossiers/{dossier.pk}/")
    row(page, "01 42 68 53 00").get_by_role("button", name="Utiliser par défaut").click()
    expect(page.get_by_role("heading", name="Changer le moyen par défaut ?")).to_be_visible()
    expect(page.get_by_text("à la place de 06 12 34 56 78")).to_be_visible()
    shot(page, "contact-confirmation-sans-js")
    page.get_by_role("button", name="Non").click()
    expect(
        row(page, "06 12 34 56 78").get_by_role("button", name="Moyen par défaut")
    ).to_be_visible()
    row(page, "01 42 68 53 00").get_by_role("button", name="Utiliser par défaut").click()
    page.get_by_role("button", name="Oui").click()
    expect(
        row(page, "01 42 68 53 00").get_by_role("button", name="Moyen par défaut")
    ).to_be_visible()
    # The checkbox without JavaScript: tick, then « Appliquer ».
    page.get_by_label("Afficher contacts invalides").check()
    page.get_by_role("button", name="Appliquer").click()
    expect(row(page, "06 98 76 54 32")).to_be_visible()
    context.close()


def test_add_contact_with_observation_and_refused_term(file_page):
    page = file_page
    page.get_by_role("button", name="Ajouter un contact").click()
    expect(page.get_by_role("heading", name="Renseigner les données de contact")).to_be_visible()
    page.get_by_label("Civilité").select_option("M.")
    page.get_by_label("Prénom").fill("Claude")
    page.get_by_role("textbox", name=re.compile(r"^Nom")).fill("Lemoine")
    page.get_by_label("Fonction").fill("Gérant")
    page.get_by_label("Observation").fill("Gérant, mais franchement menteur.")
    page.get_by_label("Téléphone", exact=True).fill("+33 6 11 22 33 44")
    page.get_by_label("E-mail").fill("Claude.Lemoine@Example.fr")
    page.get_by_role("button", name="Enregistrer").click()
    expect(
        page.get_by_text("Le terme « menteur » n'est pas autorisé (jugement subjectif)")
    ).to_be_visible()
    expect(page.get_by_label("Téléphone", exact=True)).to_have_value("+33 6 11 22 33 44")
    shot(page, "contact-ajout-refus")
    assert not Contact.objects.filter(last_name="Lemoine").exists()

    page.get_by_label("Observation").fill("Gérant ; joignable après 14 h.")
    page.get_by_label("Téléphone", exact=True).fill("06 11")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("« 06 11 » n'est pas un numéro de téléphone valide.")).to_be_visible()
    page.get_by_label("Téléphone", exact=True).fill("+33 6 11 22 33 44")
    page.get_by_role("button", name="Enregistrer").click()

    card = page.locator("article.app-contact", has_text="M. Claude Lemoine")
    expect(card).to_contain_text("Gérant ; joignable après 14 h.")
    expect(card.locator("li.app-point", has_text="06 11 22 33 44")).to_contain_text("mobile")
    expect(card.locator("li.app-point", has_text="claude.lemoine@example.fr")).to_contain_text(
        "À qualifier"
    )
    shot(page, "contact-ajout")
    assert page.js_errors == []


def test_validate_invalidate_and_cancel(file_page):
    page = file_page
    email = lambda: row(page, "agnes.perrin@example.fr")  # noqa: E731
    validate = email().get_by_role("button", name="Valider agnes.perrin@example.fr", exact=True)
    expect(validate).to_have_text("Valider")  # the visible word stays
    validate.click()
    # First validated e-mail of the file: it becomes the default at once.
    expect(email().get_by_role("button", name="Moyen par défaut")).to_be_visible()
    expect(email()).to_contain_text("Validé — validation manuelle le")
    expect(email()).to_contain_text("Agnès Martin")

    email().get_by_title("Autres actions").click()
    email().get_by_role("button", name="Invalider").click()
    expect(email()).to_have_count(0)  # invalid: hidden until the box is ticked
    expect(page.get_by_text("agnes.perrin@example.fr est invalidé.")).to_be_visible()
    page.get_by_label("Afficher contacts invalides").check()
    expect(email()).to_have_class(re.compile(r"\binvalide\b"))
    expect(email().locator(".app-star-btn")).to_have_count(0)
    shot(page, "contact-etats")

    email().get_by_role("button", name="Annuler la validation").click()
    expect(email()).to_contain_text("À qualifier — validation annulée le")
    expect(email().get_by_role("button", name="Invalider")).to_be_visible()
    point = ContactPoint.objects.get(kind="email")
    assert point.status == "pending" and not point.is_default
    assert page.js_errors == []


def test_last_means_invalidated_flags_file_for_contact_check(page, owner):
    dossier = factories.DossierFactory(
        assigned_to=owner, reference="ACC-3003", name="Garage Lefèvre"
    )
    services.contact_create(
        dossier=dossier,
        user=owner,
        last_name="Lefèvre",
        points=[("phone", {"phone": "06 12 34 56 78"})],
    )
    sign_in(page, "agnes")
    page.goto(f"/dossiers/{dossier.pk}/")
    row(page, "06 12 34 56 78").get_by_role("button", name="Invalider").click()
    expect(row(page, "06 12 34 56 78")).to_have_count(0)
    page.reload()
    expect(page.locator(".app-status")).to_have_text("Vérification coordonnées")
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.CONTACT_CHECK


def test_reassign(file_page, colleague):
    page = file_page
    page.get_by_label("Collaborateur").select_option(label="Bruno Caron")
    # SPEC §9: the reassignment's « Valider » is the only button with that exact name.
    expect(page.get_by_role("button", name="Valider", exact=True)).to_have_count(1)
    page.get_by_role("button", name="Valider", exact=True).click()
    expect(page.get_by_text("Dossier réaffecté à Bruno Caron.")).to_be_visible()
    expect(page.get_by_label("Collaborateur")).to_have_value(str(colleague.pk))
    assert Dossier.objects.get(pk=page.dossier.pk).assigned_to == colleague
    assert JournalEntry.objects.filter(action="reassigned").exists()
