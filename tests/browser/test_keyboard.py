"""A day at the keyboard: the contact-block journey without the mouse (issue 16).

Tab to a star, Space, « Oui », the focus comes back on the new default; Escape in the
dialog and in the « … » menu; « Valider » a means; reassign; write a note; add a
piece. Only page.keyboard is used (the file chooser is the browser's own dialog,
opened by Space on the file field).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from contacts.models import ContactPoint
from dossiers.models import Dossier, Note
from pieces.models import Piece
from tests import factories
from tests.browser.conftest import sign_in
from tests.browser.test_contact_block import build_file
from tests.pieces import samples

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

ACTIVE = """() => { const e = document.activeElement;
  const row = e.closest('[data-point]');
  return { name: e.getAttribute('aria-label') || e.innerText.trim() || e.id, tag: e.tagName,
           id: e.id, row: row ? row.innerText : '', inRow: Boolean(row && row === e) }; }"""


# Written during the run, never committed (var/ is ignored); the one looked at is
# copied to docs/screenshots/ by hand.
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name: str) -> None:
    """What the agent sees at 1280×720, focus ring included (caret="initial": the
    default hides the caret with an inline style, which the CSP refuses)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), caret="initial")


def active(page) -> dict:
    return page.evaluate(ACTIVE)


def in_dialog(page) -> None:
    """Bootstrap moves the focus into the dialog once it has faded in."""
    page.wait_for_function("() => document.activeElement.closest('.modal.show') !== null")


def tab_to(page, name: str, *, within: str = "", limit: int = 120, back: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focused element has this accessible name
    (and, if given, sits in the means whose text contains ``within``)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = active(page)
        seen.append(now["name"])
        assert now["name"] != "Moyen par défaut", "the full star must not be a tab stop"
        if now["name"] == name and within in now["row"]:
            return now
    raise AssertionError(f"« {name} » never focused; tab stops: {seen}")


def test_contact_block_journey_at_the_keyboard(page, owner, colleague):
    dossier, _perrin, _roux = build_file(owner)
    page.set_viewport_size({"width": 1280, "height": 720})
    sign_in(page, "agnes")
    page.goto(f"/dossiers/{dossier.pk}/")

    # The skip link is the first tab stop and leads to the contacts.
    page.keyboard.press("Tab")
    assert active(page)["name"] == "Aller au contenu"

    # A star, Space, « Oui »: the focus comes back on the new default.
    tab_to(page, "Utiliser par défaut", within="01 42 68 53 00")
    shot(page, "fiche-client-focus")
    page.keyboard.press("Space")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("à la place de 06 12 34 56 78")
    in_dialog(page)
    tab_to(page, "Oui", limit=6)
    shot(page, "fiche-client-dialogue-oui")
    page.keyboard.press("Space")
    expect(dialog).to_be_hidden()
    page.wait_for_function(
        "() => document.activeElement.getAttribute('aria-label') === 'Moyen par défaut'"
    )
    shot(page, "fiche-client-focus-nouveau-defaut")
    assert "01 42 68 53 00" in active(page)["row"]
    assert ContactPoint.objects.get(kind="phone", is_default=True).display_value == (
        "01 42 68 53 00"
    )

    # Escape in the dialog: nothing changes, the focus is back on the star pressed.
    tab_to(page, "Utiliser par défaut", within="06 12 34 56 78")
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    in_dialog(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.wait_for_function(
        "() => document.activeElement.getAttribute('aria-label') === 'Utiliser par défaut'"
    )
    assert "06 12 34 56 78" in active(page)["row"]

    # The « … » menu opens with Enter and closes with Escape, focus on its button.
    tab_to(page, "Autres actions sur 06 12 34 56 78")
    page.keyboard.press("Enter")
    menu = page.locator("li.app-point", has_text="06 12 34 56 78").locator("details")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    assert active(page)["name"] == "Invalider 06 12 34 56 78"
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    assert active(page)["name"] == "Autres actions sur 06 12 34 56 78"

    # « Valider » a means: the focus stays on the means, now validated.
    tab_to(page, "Valider agnes.perrin@example.fr")
    page.keyboard.press("Enter")
    expect(page.get_by_text("agnes.perrin@example.fr est validé.")).to_be_visible()
    page.wait_for_function("() => document.activeElement.matches('li[data-point]')")
    assert "agnes.perrin@example.fr" in active(page)["row"]
    assert ContactPoint.objects.get(kind="email").status == "valid"
    page.keyboard.press("Tab")  # the next stop is inside the same means
    assert "agnes.perrin@example.fr" in active(page)["row"]

    # Reassign: the select « Collaborateur », then its « Valider ».
    page.keyboard.press("Shift+Tab")
    for _ in range(60):
        if page.evaluate("() => document.activeElement.id") == "id_assigned_to":
            break
        page.keyboard.press("Shift+Tab")
    select = page.get_by_label("Collaborateur")
    for _ in range(5):
        if select.input_value() == str(colleague.pk):
            break
        page.keyboard.press("ArrowDown")
    assert select.input_value() == str(colleague.pk)
    page.keyboard.press("Tab")
    assert active(page)["name"] == "Valider"
    page.keyboard.press("Enter")
    expect(page.get_by_text("Dossier réaffecté à Bruno Caron.")).to_be_visible()
    assert Dossier.objects.get(pk=dossier.pk).assigned_to == colleague

    # A note: type it, « Enregistrer la note », the focus is on what happened.
    tab_to(page, "id_note_text")
    page.keyboard.type("Rappel prévu lundi matin.")
    page.keyboard.press("Tab")
    assert active(page)["name"] == "Enregistrer la note"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.innerText.includes('Note enregistrée')")
    assert Note.objects.get(dossier=dossier).text == "Rappel prévu lundi matin."

    # A piece: the tab « Pièces », « Ajouter… », the file, « Ajouter la pièce ».
    # Tabs follow the ARIA pattern: one tab stop, the arrows move between the tabs.
    # From a fresh load of the file (F5): the note's focus restore, late on a busy
    # machine, would otherwise race the next key presses.
    page.reload(wait_until="load")
    tab_to(page, "Bloc-notes 1")
    page.keyboard.press("ArrowRight")
    assert active(page)["name"] == "Pièces 0"
    expect(page.locator("#pane-pieces")).to_have_class(re.compile(r"\bshow\b"))  # faded in
    expect(page.locator("#pane-pieces #piece-list")).to_be_attached()  # loaded on demand
    tab_to(page, "Ajouter…", limit=3)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/pieces/ajouter/"))
    page.wait_for_load_state("load")  # keys pressed while the page loads are lost
    tab_to(page, "id_document", limit=40)
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(
        files=[{"name": "releve.pdf", "mimeType": "application/pdf", "buffer": samples.PDF}]
    )
    tab_to(page, "Ajouter la pièce", limit=10)
    page.keyboard.press("Enter")
    expect(page.get_by_text("releve.pdf").first).to_be_visible()
    assert list(Piece.objects.values_list("original_name", flat=True)) == ["releve.pdf"]
    assert page.js_errors == []


def test_focus_lands_on_the_message_when_the_means_disappears(page, owner):
    """« Invalider » with invalid means hidden: the means leaves the block, the focus
    goes to the message saying so; Escape in the piece dialog returns to « Supprimer »."""
    from io import BytesIO

    from pieces.services import piece_upload

    dossier, _perrin, _roux = build_file(owner)
    piece_upload(dossier=dossier, file=BytesIO(samples.PDF), name="releve.pdf", user=owner)
    page.set_viewport_size({"width": 1280, "height": 720})
    sign_in(page, "agnes")
    page.goto(f"/dossiers/{dossier.pk}/")

    tab_to(page, "Invalider agnes.perrin@example.fr")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.closest('#messages') !== null")
    assert "agnes.perrin@example.fr est invalidé." in active(page)["name"]

    page.goto(f"/dossiers/{dossier.pk}/?onglet=pieces#onglets")
    tab_to(page, "Supprimer")
    page.keyboard.press("Enter")
    in_dialog(page)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.wait_for_function("() => document.activeElement.innerText.trim() === 'Supprimer'")
    assert Piece.objects.count() == 1
    assert page.js_errors == []


def test_shortcuts_and_their_help_panel(page, owner):
    """Alt+Shift shortcuts: search, note, next / previous file, back to the list; all
    listed in « Raccourcis clavier »."""
    first, _p, _r = build_file(owner)
    second = factories.DossierFactory(assigned_to=owner, reference="ACC-1002", name="Garage")
    page.set_viewport_size({"width": 1280, "height": 720})
    sign_in(page, "agnes")
    page.goto("/dossiers/?vue=mes&tri=reference")
    # The whole row opens the file, not only its reference.
    # (Playwright's click() refuses a covered cell: the link covering it is the point.)
    box = page.get_by_role("cell", name="Garage", exact=True).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(rf"/dossiers/{second.pk}/\?rang=2$"))
    page.goto("/dossiers/?vue=mes&tri=reference")
    page.keyboard.press("Alt+Shift+R")
    assert active(page)["name"] == "Rechercher un dossier"
    page.keyboard.press("Escape")

    page.goto(f"/dossiers/{first.pk}/?rang=1")
    page.keyboard.press("Alt+Shift+S")
    page.wait_for_url(re.compile(rf"/dossiers/{second.pk}/\?rang=2$"))
    page.keyboard.press("Alt+Shift+P")
    page.wait_for_url(re.compile(rf"/dossiers/{first.pk}/\?rang=1$"))
    page.keyboard.press("Alt+Shift+C")
    assert active(page)["id"] == "contact-block"
    page.keyboard.press("Alt+Shift+N")
    assert active(page)["id"] == "id_note_text"
    page.keyboard.type("N")  # typing in the note is never caught by a shortcut
    expect(page.get_by_label("Note", exact=True)).to_have_value("N")
    page.keyboard.press("Alt+Shift+L")
    page.wait_for_url(re.compile(r"/dossiers/\?vue=mes&tri=reference&page=1$"))

    tab_to(page, "Raccourcis clavier")
    page.keyboard.press("Enter")
    help_panel = page.get_by_role("dialog", name="Raccourcis clavier")
    expect(help_panel).to_be_visible()
    expect(help_panel).to_contain_text("Dossier suivant de la liste")
    in_dialog(page)
    page.keyboard.press("Escape")
    expect(help_panel).to_be_hidden()
    assert page.js_errors == []
