"""Bloc-notes and pieces, as an agent uses them in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from dossiers.models import JournalEntry, Note
from pieces.models import Piece
from tests import factories
from tests.browser.conftest import screenshot, sign_in
from tests.pieces import samples

# serialized_rollback: the groups and the forbidden terms come from migrations.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


@pytest.fixture(autouse=True)
def _migration_data(transactional_db):
    """Content types, permissions, groups and forbidden terms come from migrations,
    which a flush by an earlier transactional test removes. Put back what these
    journeys need, from the models themselves, whatever state an earlier test left
    the app registry in."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from dossiers.models import ForbiddenTerm
    from recouvrement.groups import GROUPS

    ContentType.objects.clear_cache()
    for model in apps.get_models():
        opts = model._meta
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        wanted = [(f"{action}_{opts.model_name}", action) for action in opts.default_permissions]
        for codename, action in wanted:
            Permission.objects.get_or_create(
                content_type=content_type,
                codename=codename,
                defaults={"name": f"Can {action} {opts.verbose_name_raw}"[:255]},
            )
        for codename, name in opts.permissions:
            Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": str(name)[:255]}
            )
    for name, grants in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codenames in grants.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )
    for term in ("menteur", "mauvaise foi"):
        ForbiddenTerm.objects.get_or_create(
            term=term, defaults={"category": ForbiddenTerm.Category.SUBJECTIVE}
        )


@pytest.fixture
def file_page(page, owner, colleague):
    dossier = factories.DossierFactory(
        assigned_to=owner, reference="ACC-1001", name="Boulangerie Œuvre & Fils"
    )
    factories.ReceivableFactory(dossier=dossier, number="F2026-001")
    factories.NoteFactory(
        dossier=dossier, author=colleague, text="Le numéro mobile du comptable est erroné."
    )
    # No animations: screenshots show the dialog as a person sees it once open.
    page.emulate_media(reduced_motion="reduce")
    sign_in(page, "agnes")
    page.goto(f"/dossiers/{dossier.pk}/")
    page.dossier = dossier
    return page


def test_agent_adds_a_note_in_place_and_a_subjective_one_is_refused(file_page):
    page = file_page
    url_before = page.url
    notes = page.get_by_role("list", name="Notes du dossier")

    page.get_by_label("Note", exact=True).fill(
        "Promesse de règlement de 980 € au 15/12, confirmée."
    )
    page.get_by_role("button", name="Enregistrer la note").click()

    first = notes.get_by_role("listitem").first
    expect(first).to_contain_text("Promesse de règlement de 980 € au 15/12, confirmée.")
    expect(first).to_contain_text("Agnès Martin ·")
    expect(notes.get_by_role("listitem").nth(1)).to_contain_text("Bruno Caron ·")
    expect(page.locator("#notes-count")).to_have_text("2")
    expect(page.get_by_role("status")).to_contain_text("Note enregistrée.")
    expect(page.get_by_label("Note", exact=True)).to_have_value("")
    assert page.url == url_before  # added in place, no reload
    screenshot(page, "notes-ajout")

    page.get_by_label("Note", exact=True).fill("Débiteur menteur et de mauvaise foi.")
    page.get_by_role("button", name="Enregistrer la note").click()
    expect(page.get_by_role("alert")).to_contain_text("Le terme « menteur » n'est pas autorisé")
    expect(page.get_by_label("Note", exact=True)).to_have_value(
        "Débiteur menteur et de mauvaise foi."
    )
    expect(page.locator("#notes-count")).to_have_text("2")
    screenshot(page, "notes-refus")

    assert Note.objects.filter(dossier=page.dossier).count() == 2
    assert JournalEntry.objects.filter(action=JournalEntry.Action.NOTE).count() == 1
    assert page.js_errors == []


def test_agent_uploads_downloads_and_deletes_a_piece(file_page, tmp_path):
    page = file_page
    content = samples.PDF

    page.get_by_role("tab", name="Pièces").click()
    page.get_by_role("button", name="Ajouter…").click()
    expect(page.get_by_role("heading", name="Ajouter une pièce")).to_be_visible()
    page.get_by_label("Document").set_input_files(
        files=[
            {"name": "Accusé de réception.pdf", "mimeType": "application/pdf", "buffer": content}
        ]
    )
    page.get_by_label("Description (facultative)").fill("AR signé le 05/11/2026")
    screenshot(page, "pieces-formulaire")
    page.get_by_role("button", name="Ajouter la pièce").click()

    expect(page.get_by_text("Pièce « Accusé de réception.pdf » ajoutée.")).to_be_visible()
    item = page.get_by_role("listitem", name="Accusé de réception.pdf")
    expect(item).to_be_visible()
    # The description appears under the document's name.
    name_box = item.get_by_text("Accusé de réception.pdf", exact=True).bounding_box()
    description_box = item.get_by_text("AR signé le 05/11/2026").bounding_box()
    assert description_box["y"] >= name_box["y"] + name_box["height"] - 1
    expect(item).to_contain_text("Agnès Martin")

    # An image too, for its thumbnail.
    page.get_by_role("button", name="Ajouter…").click()
    page.get_by_label("Document").set_input_files(
        files=[
            {
                "name": "devanture.jpg",
                "mimeType": "image/jpeg",
                "buffer": samples.image("JPEG", size=(640, 480), color=(40, 110, 200)),
            }
        ]
    )
    page.get_by_role("button", name="Ajouter la pièce").click()
    thumbnail = page.get_by_role("listitem", name="devanture.jpg").locator("img")
    expect(thumbnail).to_be_visible()
    natural_width = thumbnail.evaluate(
        "img => img.complete && img.naturalWidth ? img.naturalWidth"
        " : new Promise(done => img.addEventListener('load', () => done(img.naturalWidth)))"
    )
    assert 0 < natural_width <= 240
    expect(page.locator("#pieces-count")).to_have_text("2")
    screenshot(page, "pieces-liste")

    with page.expect_download() as download_info:
        item.get_by_role("button", name="Télécharger").click()
    download = download_info.value
    assert download.suggested_filename == "Accusé de réception.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert Path(saved).read_bytes() == content

    item.get_by_role("button", name="Supprimer").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("« Accusé de réception.pdf » sera supprimée du dossier.")
    screenshot(page, "pieces-suppression")
    dialog.get_by_role("button", name="Supprimer").click()

    expect(page.get_by_text("Pièce « Accusé de réception.pdf » supprimée.")).to_be_visible()
    expect(page.get_by_role("listitem", name="Accusé de réception.pdf")).to_have_count(0)
    expect(page.get_by_role("listitem", name="devanture.jpg")).to_be_visible()
    assert list(Piece.objects.values_list("original_name", flat=True)) == ["devanture.jpg"]
    assert JournalEntry.objects.filter(action=JournalEntry.Action.PIECE_DELETED).count() == 1
    assert page.js_errors == []


def test_disguised_web_page_is_refused_with_a_clear_message(file_page):
    page = file_page
    page.goto(f"/dossiers/{page.dossier.pk}/pieces/ajouter/")
    page.get_by_label("Document").set_input_files(
        files=[{"name": "facture.pdf", "mimeType": "application/pdf", "buffer": samples.HTML}]
    )
    page.get_by_role("button", name="Ajouter la pièce").click()

    expect(page.get_by_text("ne correspond pas à son extension « .pdf »")).to_be_visible()
    screenshot(page, "pieces-refus")
    assert not Piece.objects.exists()


def test_too_large_file_is_told_before_sending(file_page, settings):
    page = file_page
    settings.PIECE_MAX_UPLOAD_SIZE = 1024
    page.goto(f"/dossiers/{page.dossier.pk}/pieces/ajouter/")
    page.get_by_label("Document").set_input_files(
        files=[{"name": "gros.pdf", "mimeType": "application/pdf", "buffer": samples.PDF * 40}]
    )
    expect(page.get_by_text("Le fichier dépasse la taille maximale autorisée")).to_be_visible()
    page.get_by_role("button", name="Ajouter la pièce").click()
    expect(page.get_by_role("heading", name="Ajouter une pièce")).to_be_visible()
    assert not Piece.objects.exists()


def test_without_javascript_notes_and_deletion_still_work(browser, live_server, settings, owner):
    from io import BytesIO

    from pieces.services import piece_upload

    settings.ALLOWED_HOSTS = ["*"]
    dossier = factories.DossierFactory(assigned_to=owner, reference="ACC-3003", name="Garage")
    piece_upload(dossier=dossier, file=BytesIO(samples.PDF), name="releve.pdf", user=owner)
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", java_script_enabled=False
    )
    page = context.new_page()
    try:
        sign_in(page, "agnes")
        page.goto(f"/dossiers/{dossier.pk}/")
        page.get_by_label("Note", exact=True).fill("Rappel prévu lundi.")
        page.get_by_role("button", name="Enregistrer la note").click()
        expect(page.get_by_text("Note enregistrée.")).to_be_visible()
        assert page.url.endswith("?onglet=notes#onglets")
        expect(page.get_by_role("list", name="Notes du dossier")).to_contain_text(
            "Rappel prévu lundi."
        )

        page.goto(f"/dossiers/{dossier.pk}/?onglet=pieces")
        page.get_by_role("listitem", name="releve.pdf").get_by_role(
            "button", name="Supprimer"
        ).click()
        expect(page.get_by_role("heading", name="Supprimer cette pièce ?")).to_be_visible()
        screenshot(page, "pieces-suppression-sans-js")
        page.get_by_role("button", name="Supprimer").click()
        expect(page.get_by_text("Pièce « releve.pdf » supprimée.")).to_be_visible()
        assert not Piece.objects.exists()
    finally:
        context.close()
