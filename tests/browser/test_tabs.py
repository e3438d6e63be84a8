"""The client file's tabs (issue 15): only the visible one comes with the page, the
others load when shown, by mouse or keyboard, and are plain links without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dossiers.services import journal_record
from tests import factories
from tests.browser.conftest import sign_in
from tests.browser.test_contact_block import build_file

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

FOCUSED_NAME = "() => document.activeElement.innerText.trim()"


def the_file(owner):
    dossier, _perrin, _roux = build_file(owner)
    factories.NoteFactory(dossier=dossier, author=owner, text="Rappeler mardi matin.")
    journal_record(
        dossier=dossier, action="status_changed", message="Statut changé : litige.", actor=owner
    )
    return dossier


def test_a_tab_is_loaded_when_clicked(page, owner):
    dossier = the_file(owner)
    sign_in(page, "agnes")
    page.goto(f"/dossiers/{dossier.pk}/")
    journal = page.locator("#pane-journal")
    expect(journal).not_to_contain_text("Statut changé : litige.")  # not in the page
    page.get_by_role("tab", name="Journal").click()
    expect(journal).to_contain_text("Statut changé : litige.")
    expect(page.get_by_role("tab", name="Journal")).to_have_attribute("aria-selected", "true")
    # Back and forth: the loaded tab is kept, the first one was never lost.
    page.get_by_role("tab", name=re.compile("^Bloc-notes")).click()
    expect(page.locator("#pane-notes")).to_contain_text("Rappeler mardi matin.")
    page.get_by_role("tab", name="Journal").click()
    expect(journal).to_contain_text("Statut changé : litige.")
    assert page.js_errors == []


def test_a_tab_is_loaded_from_the_keyboard_and_the_focus_stays_on_the_tabs(page, owner):
    dossier = the_file(owner)
    sign_in(page, "agnes")
    page.goto(f"/dossiers/{dossier.pk}/")
    page.get_by_role("tab", name=re.compile("^Bloc-notes")).focus()
    page.keyboard.press("ArrowRight")  # « Pièces »
    page.keyboard.press("ArrowRight")  # « Journal »
    expect(page.locator("#pane-journal")).to_contain_text("Statut changé : litige.")
    expect(page.locator("#pane-pieces")).to_contain_text("Ajouter…")
    assert page.evaluate(FOCUSED_NAME) == "Journal"  # the load did not take the focus
    page.keyboard.press("Tab")  # into the panel, as the ARIA tabs pattern says
    assert page.evaluate("() => document.activeElement.id") == "pane-journal"
    assert page.js_errors == []


def test_without_javascript_a_tab_is_a_plain_link(browser, live_server, settings, owner):
    from tests.browser.conftest import PASSWORD

    settings.ALLOWED_HOSTS = ["*"]
    dossier = the_file(owner)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/connexion/")
    page.get_by_label("Nom d’utilisateur").fill("agnes")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"/dossiers/{dossier.pk}/")
    page.get_by_role("tab", name="Journal").click()
    page.wait_for_url(re.compile(r"\?onglet=journal#onglets$"))
    expect(page.locator("#pane-journal")).to_contain_text("Statut changé : litige.")
    context.close()


def test_the_note_shortcut_loads_the_bloc_notes_first(page, owner):
    dossier = the_file(owner)
    sign_in(page, "agnes")
    page.goto(f"/dossiers/{dossier.pk}/?onglet=journal#onglets")
    expect(page.locator("#pane-journal")).to_contain_text("Statut changé : litige.")
    page.keyboard.press("Alt+Shift+KeyN")
    page.wait_for_function("() => document.activeElement.id === 'id_note_text'")
    expect(page.locator("#pane-notes")).to_contain_text("Rappeler mardi matin.")
    assert page.js_errors == []
