"""« Ajouter… »: what is accepted, what is refused and what the agent is told."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from dossiers.models import JournalEntry
from pieces.models import Piece
from tests import factories
from tests.pieces import samples

pytestmark = pytest.mark.django_db


def upload_url(dossier):
    return reverse("pieces:upload", args=[dossier.pk])


def upload(client, dossier, name, content, description=""):
    return client.post(
        upload_url(dossier),
        {"document": SimpleUploadedFile(name, content), "description": description},
    )


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def media_root():
    from pathlib import Path

    return Path(default_storage.location)


ACCEPTED = [
    ("releve.pdf", samples.PDF, "application/pdf"),
    ("photo.png", samples.image("PNG"), "image/png"),
    ("photo.jpg", samples.image("JPEG"), "image/jpeg"),
    ("scan.JPEG", samples.image("JPEG"), "image/jpeg"),
    ("anim.gif", samples.image("GIF"), "image/gif"),
    ("photo.webp", samples.image("WEBP"), "image/webp"),
    (
        "courrier.docx",
        samples.docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "echeancier.xlsx",
        samples.xlsx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("note.odt", samples.odt(), "application/vnd.oasis.opendocument.text"),
    ("ancien.doc", samples.OLE_DOC, "application/msword"),
    ("ancien.xls", samples.OLE_XLS, "application/vnd.ms-excel"),
    ("message.msg", samples.OLE_MSG, "application/vnd.ms-outlook"),
    ("releve.txt", samples.TEXT_UTF8, "text/plain"),
    ("export.csv", samples.TEXT_LATIN1, "text/plain"),
    ("reponse.eml", samples.EML, "message/rfc822"),
]


@pytest.mark.parametrize(("name", "content", "content_type"), ACCEPTED)
def test_accepted_kinds_are_kept_with_their_type(
    owner_client, dossier, name, content, content_type
):
    response = upload(owner_client, dossier, name, content)

    assert response.status_code == 302, response.content.decode()[:2000]
    piece = Piece.objects.get(dossier=dossier)
    assert piece.original_name == name
    assert piece.content_type == content_type
    assert piece.size == len(content)
    with default_storage.open(piece.file.name, "rb") as stored:
        assert stored.read() == content


def test_upload_with_description_is_stored_under_a_random_name_and_journaled(
    owner_client, dossier, owner
):
    response = upload(
        owner_client,
        dossier,
        "Accusé de réception.pdf",
        samples.PDF,
        description="AR signé le 05/11/2026",
    )

    assert response.status_code == 302
    assert response["Location"].endswith("?onglet=pieces#onglets")
    piece = Piece.objects.get()
    assert piece.description == "AR signé le 05/11/2026"
    assert piece.uploaded_by == owner
    # The client's name never reaches the disk, nor the static tree.
    assert "Accus" not in piece.file.name
    assert piece.file.name.startswith("pieces/")
    entry = JournalEntry.objects.get(dossier=dossier, action=JournalEntry.Action.PIECE_ADDED)
    assert entry.actor == owner
    assert "Accusé de réception.pdf" in entry.message

    page = owner_client.get(response["Location"]).content.decode()
    name_at = page.index("Accusé de réception.pdf</div>")
    description_at = page.index("AR signé le 05/11/2026")
    assert name_at < description_at
    assert "Pièce « Accusé de réception.pdf » ajoutée." in page


def test_image_gets_a_thumbnail_served_as_png(owner_client, dossier):
    upload(owner_client, dossier, "photo.jpg", samples.image("JPEG", size=(1200, 900)))
    piece = Piece.objects.get()
    assert piece.thumbnail

    response = owner_client.get(reverse("pieces:thumbnail", args=[piece.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(body)) as thumbnail:
        assert max(thumbnail.size) <= 240

    pieces_tab = reverse("dossiers:detail", args=[dossier.pk]) + "?onglet=pieces"
    page = owner_client.get(pieces_tab).content.decode()
    assert reverse("pieces:thumbnail", args=[piece.uuid]) in page


REFUSED = [
    pytest.param("page.html", samples.HTML, "Les pages HTML et les fichiers contenant du code sont refusés.", id="html"),
    pytest.param("facture.pdf", samples.HTML, "Le contenu de ce fichier (page HTML ou code) ne correspond pas à son extension « .pdf » : il est refusé.", id="html-named-pdf"),
    pytest.param("notes.txt", samples.HTML, "Les pages HTML et les fichiers contenant du code sont refusés.", id="html-named-txt"),
    pytest.param("logo.svg", samples.SVG, "Les images SVG sont refusées (elles peuvent contenir du code).", id="svg"),
    pytest.param("logo.png", samples.SVG, "Le contenu de ce fichier (page HTML ou code) ne correspond pas à son extension « .png » : il est refusé.", id="svg-named-png"),
    pytest.param("setup.exe", samples.EXE, "Les programmes exécutables sont refusés.", id="exe"),
    pytest.param("facture.pdf", samples.EXE, "Les programmes exécutables sont refusés.", id="exe-named-pdf"),
    pytest.param("outil", samples.ELF, "Les programmes exécutables sont refusés.", id="elf"),
    pytest.param("lisezmoi.txt", samples.SHELL, "Les scripts sont refusés.", id="shell-script"),
    pytest.param("relance.js", samples.JS, "Les scripts sont refusés.", id="javascript"),
    pytest.param("pieces.zip", samples.plain_zip(), "Les archives (zip, rar, 7z…) sont refusées : ajoutez les documents un par un.", id="zip"),
    pytest.param("courrier.docx", samples.plain_zip(), "Les archives (zip, rar, 7z…) sont refusées : ajoutez les documents un par un.", id="zip-named-docx"),
    pytest.param("pieces.tar.gz", samples.GZIP, "Les archives (zip, rar, 7z…) sont refusées : ajoutez les documents un par un.", id="gzip"),
    pytest.param("pieces.7z", samples.SEVEN_ZIP, "Les archives (zip, rar, 7z…) sont refusées : ajoutez les documents un par un.", id="7z"),
    pytest.param("pieces.rar", samples.RAR, "Les archives (zip, rar, 7z…) sont refusées : ajoutez les documents un par un.", id="rar"),
    pytest.param("courrier.docx", samples.docm_named_docx(), "Les documents contenant des macros sont refusés.", id="macro"),
    pytest.param("ancien.doc", samples.OLE_DOC_WITH_MACROS, "Les documents contenant des macros sont refusés.", id="legacy-macro"),
    pytest.param("ancien.doc", samples.OLE_INSTALLER, "Ce type de fichier n'est pas accepté.", id="installer-named-doc"),
    pytest.param("tableau.xls", samples.OLE_DOC, "Le contenu de ce fichier (Word 97-2003) ne correspond pas à son extension « .xls ».", id="doc-named-xls"),
    pytest.param("vide.pdf", b"", "Le fichier est vide.", id="empty"),
    pytest.param("photo.pdf", samples.image("PNG"), "Le contenu de ce fichier (PNG) ne correspond pas à son extension « .pdf ».", id="png-named-pdf"),
    pytest.param("releve.png", samples.PDF, "Le contenu de ce fichier (PDF) ne correspond pas à son extension « .png ».", id="pdf-named-png"),
    pytest.param("photo.png", samples.image("JPEG"), "Le contenu de ce fichier (JPEG) ne correspond pas à son extension « .png ».", id="jpeg-named-png"),
    pytest.param("tableau.xlsx", samples.docx(), "Le contenu de ce fichier (Word) ne correspond pas à son extension « .xlsx ».", id="docx-named-xlsx"),
    pytest.param("releve", samples.PDF, "Le nom du fichier doit se terminer par son extension (« .pdf »).", id="no-extension"),
    pytest.param("bombe.png", samples.png_bomb(), "Cette image est trop grande (nombre de pixels excessif) : elle est refusée.", id="decompression-bomb"),
    pytest.param("casse.png", b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 10, "Cette image est endommagée ou illisible : elle ne peut pas être ajoutée.", id="corrupt-image"),
    pytest.param("donnees.txt", samples.BINARY, "Ce type de fichier n'est pas accepté.", id="binary-named-txt"),
    pytest.param("facture\u202efdp.exe", samples.PDF, "Le nom du fichier contient des caractères de contrôle : renommez-le.", id="bidi-override-name"),
    pytest.param("facture\x07.pdf", samples.PDF, "Le nom du fichier contient des caractères de contrôle : renommez-le.", id="control-char-name"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_refused_files_are_explained_and_nothing_is_kept(
    owner_client, dossier, name, content, message
):
    response = upload(owner_client, dossier, name, content, description="Essai")

    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert not Piece.objects.exists()
    assert not JournalEntry.objects.filter(action=JournalEntry.Action.PIECE_ADDED).exists()
    assert stored_files(media_root()) == []


def multipart(name: str, content: bytes, csrf: str | None = None) -> tuple[bytes, str]:
    boundary = "----recouvrement-test"
    disposition = f'form-data; name="document"; filename="{name}"'.encode()
    body = (
        f"--{boundary}\r\n".encode()
        + b"Content-Disposition: "
        + disposition
        + b"\r\nContent-Type: application/pdf\r\n\r\n"
        + content
        + f"\r\n--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="description"\r\n\r\n\r\n'
        + f"--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "name", ["../../etc/facture.pdf", "..\\..\\facture.pdf", "dir/facture.pdf"]
)
def test_names_with_path_separators_are_refused_not_silently_cut(owner_client, dossier, name):
    # Django's parser keeps only the last path component; we refuse and say why.
    body, content_type = multipart(name, samples.PDF)
    response = owner_client.generic("POST", upload_url(dossier), body, content_type=content_type)

    assert response.status_code == 400
    assert (
        escape("Le nom du fichier ne doit pas contenir de séparateur de chemin (/ ou \\).")
        in response.content.decode()
    )
    assert not Piece.objects.exists()


def test_too_large_file_is_refused_before_it_is_stored(owner_client, dossier, settings):
    settings.PIECE_MAX_UPLOAD_SIZE = 100 * 1024
    content = b"%PDF-1.4\n" + b"0" * (150 * 1024)

    response = upload(owner_client, dossier, "gros.pdf", content)

    assert response.status_code == 400
    assert "Le fichier dépasse la taille maximale autorisée (100,0\xa0Kio)." in (
        response.content.decode()
    )
    assert "Choisissez le document" not in response.content.decode()
    assert not Piece.objects.exists()
    assert stored_files(media_root()) == []


def test_file_at_the_limit_is_accepted(owner_client, dossier, settings):
    settings.PIECE_MAX_UPLOAD_SIZE = 100 * 1024
    content = b"%PDF-1.4\n" + b"0" * (100 * 1024 - 9)

    response = upload(owner_client, dossier, "juste.pdf", content)

    assert response.status_code == 302
    assert Piece.objects.get().size == 100 * 1024


def test_size_limit_handler_stops_keeping_bytes_past_the_limit():
    from django.core.files.uploadhandler import SkipFile

    from pieces.uploads import PieceSizeLimitUploadHandler

    handler = PieceSizeLimitUploadHandler(max_size=1000)
    handler.handle_raw_input(None, {}, 1500, b"x")
    handler.new_file("document", "a.pdf", "application/pdf", None)
    assert handler.receive_data_chunk(b"x" * 600, 0) == b"x" * 600
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"x" * 600, 600)
    assert handler.too_large


def test_size_limit_handler_refuses_an_announced_huge_body_before_reading_it():
    from django.core.files.uploadhandler import SkipFile

    from pieces.uploads import PieceSizeLimitUploadHandler

    handler = PieceSizeLimitUploadHandler(max_size=1000)
    handler.handle_raw_input(None, {}, 10_000_000, b"x")
    with pytest.raises(SkipFile):
        handler.new_file("document", "a.pdf", "application/pdf", None)
    assert handler.too_large


def test_description_too_long_is_refused(owner_client, dossier):
    response = upload(owner_client, dossier, "a.pdf", samples.PDF, description="x" * 501)
    assert response.status_code == 400
    assert not Piece.objects.exists()


def test_no_file_chosen_is_explained(owner_client, dossier):
    response = owner_client.post(upload_url(dossier), {"description": "sans fichier"})
    assert response.status_code == 400
    assert "Choisissez le document à ajouter." in response.content.decode()


def test_upload_form_page_has_its_fields(owner_client, dossier):
    response = owner_client.get(upload_url(dossier))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in page
    assert "Description (facultative)" in page
    assert 'data-max-size="20971520"' in page


def test_adding_needs_the_add_permission(client, dossier):
    from django.contrib.auth.models import Permission

    reader = factories.agent(username="lecteur")
    reader.groups.clear()
    reader.user_permissions.add(
        Permission.objects.get(codename="view_dossier"),
        Permission.objects.get(codename="view_piece"),
    )
    client.force_login(reader)

    assert client.get(upload_url(dossier)).status_code == 403
    assert upload(client, dossier, "a.pdf", samples.PDF).status_code == 403
    assert not Piece.objects.exists()
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "Ajouter…" not in page


def test_stranger_gets_404_and_anonymous_goes_to_login(client, dossier, stranger):
    response = upload(client, dossier, "a.pdf", samples.PDF)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    client.force_login(stranger)
    assert client.get(upload_url(dossier)).status_code == 404
    assert upload(client, dossier, "a.pdf", samples.PDF).status_code == 404
    assert not Piece.objects.exists()


def test_upload_without_csrf_token_is_refused_signed_in_or_not(owner, dossier):
    from django.test import Client

    anonymous = Client(enforce_csrf_checks=True)
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(owner)
    for csrf_client in (anonymous, signed_in):
        response = upload(csrf_client, dossier, "a.pdf", samples.PDF)
        assert response.status_code == 403
        assert b"CSRF" in response.content
    assert not Piece.objects.exists()
