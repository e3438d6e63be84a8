"""The accessibility audit: axe-core on every page an agent uses, at 1280×720.

Any WCAG 2.1 A/AA violation fails. To audit one more page (the worklist, the
dashboard…), add ONE line to ``AUDITED``: a name, a URL (``{dossier}``, ``{mobile}``…
are filled from the showcase file) and, if the page needs it, a state to put it in
(a key of ``STATES``).
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import NamedTuple

import pytest
from playwright.sync_api import expect

from contacts.models import ContactPoint
from pieces.services import piece_upload
from tests import factories
from tests.browser.axe import axe_violations, describe
from tests.browser.conftest import sign_in
from tests.browser.test_readme_screenshot import build_showcase_file
from tests.pieces import samples

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

AGENT_VIEWPORT = {"width": 1280, "height": 720}
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


class Audited(NamedTuple):
    name: str
    url: str
    state: str = ""


def _dialog_shown(page):
    """Bootstrap fades a dialog in: audit it once the animation is over."""
    expect(page.get_by_role("dialog")).to_be_visible()
    page.wait_for_function(
        """() => { const m = document.querySelector('.modal.show');
        return m && getComputedStyle(m).opacity === '1'
          && getComputedStyle(m.querySelector('.modal-dialog')).transform === 'none'; }"""
    )


def _show_invalid(page):
    page.get_by_label("Afficher contacts invalides").check()
    expect(page.locator("li.invalide").first).to_be_visible()


def _default_dialog(page):
    page.locator("li.app-point", has_text="01 42 68 53 00").get_by_role(
        "button", name="Utiliser par défaut"
    ).click()
    _dialog_shown(page)


def _more_menu(page):
    page.locator("li.app-point", has_text="06 12 34 56 78").locator("summary").click()
    expect(page.locator("details.app-more[open] .app-more-menu")).to_be_visible()


def _tab(name):
    def open_tab(page):
        page.get_by_role("tab", name=name).click()
        expect(page.get_by_role("tabpanel", name=name)).to_be_visible()
        # Bootstrap fades the pane in: audit it once it is opaque.
        page.wait_for_function(
            """() => { const p = document.querySelector('.tab-pane.active');
            return p && p.classList.contains('show') && getComputedStyle(p).opacity === '1'; }"""
        )
        # A tab not shown with the page is loaded on demand (issue 15): audit its content.
        page.wait_for_function(
            """() => { const p = document.querySelector('.tab-pane.active');
            return !p.hasAttribute('aria-busy') && !p.querySelector('[data-tab-placeholder]'); }"""
        )

    return open_tab


def _piece_dialog(page):
    _tab("Pièces")(page)
    page.get_by_role("button", name="Supprimer").first.click()
    _dialog_shown(page)


def _submit_empty(page):
    page.locator("main form[method=post] button[type=submit]").last.click()
    expect(page.locator(".is-invalid, .invalid-feedback, .alert-danger").first).to_be_visible()


def _note_refused(page):
    page.get_by_label("Note", exact=True).fill("   ")
    page.get_by_role("button", name="Enregistrer la note").click()
    expect(page.locator("#note-errors")).to_be_visible()


def _shortcuts_help(page):
    page.get_by_role("button", name="Raccourcis clavier").click()
    _dialog_shown(page)


STATES = {
    "shortcuts": _shortcuts_help,
    "note-error": _note_refused,
    "invalid": _show_invalid,
    "dialog": _default_dialog,
    "menu": _more_menu,
    "notes": _tab("Bloc-notes"),
    "pieces": _tab("Pièces"),
    "journal": _tab("Journal"),
    "piece-dialog": _piece_dialog,
    "errors": _submit_empty,
}

AUDITED = [
    Audited("Mes dossiers", "/dossiers/?vue=mes"),
    Audited("Tous les dossiers", "/dossiers/?vue=tous"),
    Audited("Top encours", "/dossiers/?vue=top"),
    Audited("Recherche", "/dossiers/?vue=tous&q=Boulangerie"),
    Audited("Filtres", "/dossiers/?vue=tous&statut=en_cours&tri=anciennete&q=ACC"),
    Audited("Liste vide", "/dossiers/?vue=tous&q=introuvable"),
    Audited("Fiche client", "/dossiers/{dossier}/"),
    Audited("Fiche, invalides affichés", "/dossiers/{dossier}/", "invalid"),
    Audited("Fiche, dialogue du moyen par défaut", "/dossiers/{dossier}/", "dialog"),
    Audited("Fiche, menu « … » ouvert", "/dossiers/{dossier}/", "menu"),
    Audited("Fiche, onglet Bloc-notes", "/dossiers/{dossier}/", "notes"),
    Audited("Fiche, onglet Pièces", "/dossiers/{dossier}/", "pieces"),
    Audited("Fiche, onglet Journal", "/dossiers/{dossier}/", "journal"),
    Audited("Fiche, note refusée", "/dossiers/{dossier}/", "note-error"),
    Audited("Raccourcis clavier", "/dossiers/{dossier}/", "shortcuts"),
    Audited("Fiche, tous les contacts", "/dossiers/{dossier}/?contacts=tous&rang=1"),
    Audited("Fiche, suppression d'une pièce", "/dossiers/{dossier}/", "piece-dialog"),
    Audited(
        "Confirmation du défaut (sans JS)",
        "/dossiers/{dossier}/contacts/moyens/{landline}/par-defaut/",
    ),
    Audited("Actions de communication", "/dossiers/{dossier}/communication/"),
    Audited("Compte rendu d'appel", "/dossiers/{dossier}/communication/appel/?moyen={mobile}"),
    Audited("SMS", "/dossiers/{dossier}/communication/sms/?moyen={mobile}"),
    Audited("E-mail", "/dossiers/{dossier}/communication/email/?moyen={email}"),
    Audited("Courrier", "/dossiers/{dossier}/communication/courrier/?moyen={postal}"),
    Audited("Ajouter un contact", "/dossiers/{dossier}/contacts/ajouter/"),
    Audited("Ajouter un contact, erreurs", "/dossiers/{dossier}/contacts/ajouter/", "errors"),
    Audited("Modifier le contact", "/dossiers/{dossier}/contacts/{contact}/modifier/"),
    Audited("Ajouter un téléphone", "/dossiers/{dossier}/contacts/{contact}/telephone/ajouter/"),
    Audited("Modifier un moyen", "/dossiers/{dossier}/contacts/moyens/{mobile}/modifier/"),
    Audited("Ajouter une pièce", "/dossiers/{dossier}/pieces/ajouter/"),
    Audited("Supprimer une pièce (sans JS)", "/pieces/{piece}/supprimer/"),
    Audited("Prochaine action", "/dossiers/{dossier}/prochaine-action/"),
    Audited("Statut", "/dossiers/{dossier}/statut/"),
    Audited("À faire", "/a-faire/"),
    Audited("Suspendre le scénario", "/dossiers/{dossier}/relances/suspendre/"),
    Audited("Changer de scénario", "/dossiers/{dossier}/relances/scenario/"),
    Audited("Enregistrer un paiement", "/dossiers/{dossier}/paiement/"),
    Audited("Promesse de paiement", "/dossiers/{dossier}/promesse/"),
    Audited("Litige", "/dossiers/{dossier}/litige/"),
    Audited("Action externe", "/dossiers/{dossier}/action-externe/"),
]


def _audit_file(owner, colleague) -> dict:
    dossier = build_showcase_file(owner, colleague)
    points = {p.display_value: p for p in ContactPoint.objects.filter(dossier=dossier)}
    mobile = points["06 12 34 56 78"]
    contact = mobile.contact
    # One means still to qualify: « Valider » / « Invalider » on the file.
    factories.ContactPointFactory(contact=contact, phone="+33734410024", value_key="+33734410024")
    piece = piece_upload(dossier=dossier, file=BytesIO(samples.PDF), name="releve.pdf", user=owner)
    piece_upload(
        dossier=dossier, file=BytesIO(samples.image("PNG")), name="devanture.png", user=owner
    )
    return {
        "dossier": dossier.pk,
        "contact": contact.pk,
        "mobile": mobile.pk,
        "landline": points["01 42 68 53 00"].pk,
        "email": points["agnes.perrin@example.fr"].pk,
        "postal": next(p.pk for p in points.values() if p.kind == "postal"),
        "piece": piece.uuid,
    }


def test_no_wcag_violation_on_any_page_an_agent_uses(page, owner, colleague):
    ids = _audit_file(owner, colleague)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(AGENT_VIEWPORT)
    failures = []

    page.goto("/connexion/")
    if violations := axe_violations(page):
        failures.append(f"== Connexion\n{describe(violations)}")
    sign_in(page, "agnes")

    for number, audited in enumerate(AUDITED, start=1):
        page.goto(audited.url.format(**ids))
        if audited.state:
            STATES[audited.state](page)
        # For a person to look at (var/ is ignored, never committed).
        page.screenshot(path=str(SHOTS / f"audit-{number:02d}.png"), caret="initial")
        if violations := axe_violations(page):
            failures.append(f"== {audited.name} ({audited.url})\n{describe(violations)}")
    assert not failures, "\n".join(failures)
    assert page.js_errors == []


def test_no_wcag_violation_on_the_managers_dashboard(page, manager, owner, colleague):
    _audit_file(owner, colleague)
    page.set_viewport_size(AGENT_VIEWPORT)
    sign_in(page, "claire")
    page.goto("/tableau-de-bord/")
    page.screenshot(path=str(SHOTS / "tableau-de-bord.png"), caret="initial")
    violations = axe_violations(page)
    assert not violations, describe(violations)
