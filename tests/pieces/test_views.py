"""The « Pièces » tab: list, download, delete; who may do what; queries per page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers.models import JournalEntry
from pieces.models import Piece
from pieces.services import piece_store_generated, piece_upload
from tests import factories
from tests.pieces import samples

pytestmark = pytest.mark.django_db


def add(dossier, user, name="Relevé d'août.pdf", content=samples.PDF, description=""):
    from io import BytesIO

    return piece_upload(
        dossier=dossier, file=BytesIO(content), name=name, user=user, description=description
    )


def drain(response) -> bytes:
    # Reading a streamed response to its end closes the stored file (the test
    # client's wrapper); response.close() would also close the test's database link.
    return b"".join(response.streaming_content)


def detail(client, dossier):
    return client.get(f"{reverse('dossiers:detail', args=[dossier.pk])}?onglet=pieces")


def test_tab_lists_name_description_size_date_author_and_actions(owner_client, dossier, owner):
    piece = add(dossier, owner, description="Relevé envoyé au client")

    page = detail(owner_client, dossier).content.decode()

    assert "Relevé d&#x27;août.pdf</div>" in page
    assert "Relevé envoyé au client" in page
    assert f"{len(samples.PDF)}\xa0octets" in page
    assert "Agnès Martin" in page
    assert reverse("pieces:download", args=[piece.uuid]) in page
    assert reverse("pieces:delete", args=[piece.uuid]) in page
    assert "Télécharger" in page and "Supprimer" in page and "Ajouter…" in page
    assert '<span id="pieces-count" class="badge text-bg-secondary">1</span>' in page


def test_signed_in_agent_downloads_the_exact_bytes_as_an_attachment(
    colleague_client, dossier, owner
):
    piece = add(dossier, owner)

    response = colleague_client.get(reverse("pieces:download", args=[piece.uuid]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    # RFC 6266: the original name, safely encoded, and never shown inline.
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Relev%C3%A9%20d%27ao%C3%BBt.pdf"
    )
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_ascii_name_with_quotes_cannot_break_the_header(owner_client, dossier, owner):
    piece = add(dossier, owner, name='a"; filename=evil.html; x=".pdf')

    response = owner_client.get(reverse("pieces:download", args=[piece.uuid]))
    drain(response)

    assert response["Content-Disposition"] == (
        'attachment; filename="a\\"; filename=evil.html; x=\\".pdf"'
    )


def test_piece_of_unknown_type_goes_out_as_bytes(owner_client, dossier, owner):
    piece = piece_store_generated(
        dossier=dossier,
        name="copie.eml",
        content=samples.EML,
        content_type="text/html",
        origin=Piece.Origin.EMAIL,
        user=None,
    )
    response = owner_client.get(reverse("pieces:download", args=[piece.uuid]))
    drain(response)
    assert response["Content-Type"] == "application/octet-stream"


def test_anonymous_is_sent_to_login_and_stranger_gets_404(client, dossier, owner, stranger):
    piece = add(dossier, owner)
    urls = [
        reverse("pieces:download", args=[piece.uuid]),
        reverse("pieces:delete", args=[piece.uuid]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    client.force_login(stranger)
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(urls[1]).status_code == 404
    assert Piece.objects.filter(pk=piece.pk).exists()


def test_unknown_piece_is_404(owner_client):
    url = reverse("pieces:download", args=["6f1c2b9e-0000-4000-8000-000000000000"])
    assert owner_client.get(url).status_code == 404


def test_piece_whose_file_vanished_is_404_not_500(owner_client, dossier, owner):
    piece = add(dossier, owner)
    default_storage.delete(piece.file.name)
    assert owner_client.get(reverse("pieces:download", args=[piece.uuid])).status_code == 404


def test_stored_files_are_not_under_the_static_tree_nor_public(owner, dossier, settings):
    piece = add(dossier, owner)
    static_root = Path(settings.STATIC_ROOT).resolve()
    stored = Path(default_storage.path(piece.file.name)).resolve()
    assert static_root not in stored.parents
    assert all(Path(d).resolve() not in stored.parents for d in settings.STATICFILES_DIRS)


def test_stored_file_has_no_public_url(client, owner_client, dossier, owner):
    piece = add(dossier, owner)
    for prefix in ("/", "/media/", "/static/"):
        assert owner_client.get(prefix + piece.file.name).status_code == 404


def test_delete_asks_for_confirmation_without_javascript(owner_client, dossier, owner):
    piece = add(dossier, owner)

    response = owner_client.get(reverse("pieces:delete", args=[piece.uuid]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Supprimer cette pièce ?" in page
    assert "Relevé d&#x27;août.pdf" in page
    assert Piece.objects.filter(pk=piece.pk).exists()


def test_delete_removes_row_and_files_after_commit_and_is_journaled(
    owner_client, dossier, owner, django_capture_on_commit_callbacks
):
    piece = add(dossier, owner, name="photo.png", content=samples.image("PNG"))
    names = [piece.file.name, piece.thumbnail.name]
    assert all(default_storage.exists(n) for n in names)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner_client.post(reverse("pieces:delete", args=[piece.uuid]))
    # Until the transaction commits, the files are still there.
    assert all(default_storage.exists(n) for n in names)
    for callback in callbacks:
        callback()

    assert response.status_code == 302
    assert response["Location"].endswith("?onglet=pieces#onglets")
    assert not Piece.objects.exists()
    assert not any(default_storage.exists(n) for n in names)
    entry = JournalEntry.objects.get(dossier=dossier, action=JournalEntry.Action.PIECE_DELETED)
    assert entry.actor == owner
    assert "photo.png" in entry.message
    page = owner_client.get(response["Location"]).content.decode()
    assert "Pièce « photo.png » supprimée." in page


def test_deleting_needs_the_delete_permission(client, dossier, owner):
    piece = add(dossier, owner)
    reader = factories.UserFactory(username="lecteur")
    reader.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_dossier", "view_piece", "add_piece"])
    )
    client.force_login(reader)

    assert client.get(reverse("pieces:delete", args=[piece.uuid])).status_code == 403
    assert client.post(reverse("pieces:delete", args=[piece.uuid])).status_code == 403
    assert Piece.objects.filter(pk=piece.pk).exists()
    page = detail(client, dossier).content.decode()
    assert "Télécharger" in page
    assert reverse("pieces:delete", args=[piece.uuid]) not in page


def test_deleting_twice_is_harmless(owner_client, dossier, owner):
    piece = add(dossier, owner)
    url = reverse("pieces:delete", args=[piece.uuid])
    owner_client.post(url)
    assert owner_client.post(url).status_code == 404
    assert JournalEntry.objects.filter(action=JournalEntry.Action.PIECE_DELETED).count() == 1


def test_pieces_tab_query_count_does_not_grow_with_pieces(
    owner_client, dossier, owner, colleague, django_assert_max_num_queries
):
    add(dossier, owner)
    with CaptureQueriesContext(connection) as one_piece:
        detail(owner_client, dossier)
    for i in range(10):
        add(dossier, owner if i % 2 else colleague, name=f"piece-{i}.pdf")
        add(dossier, colleague, name=f"photo-{i}.png", content=samples.image("PNG"))

    with django_assert_max_num_queries(len(one_piece)):
        response = detail(owner_client, dossier)
    assert response.content.decode().count("Télécharger") >= 21


def test_download_and_delete_pages_query_counts(
    owner_client, dossier, owner, django_assert_max_num_queries
):
    piece = add(dossier, owner, name="photo.png", content=samples.image("PNG"))
    # 9, plus the consultation trace's one INSERT (rgpd middleware).
    with django_assert_max_num_queries(10):
        response = owner_client.get(reverse("pieces:download", args=[piece.uuid]))
        drain(response)
    with django_assert_max_num_queries(9):
        owner_client.get(reverse("pieces:thumbnail", args=[piece.uuid]))
    with django_assert_max_num_queries(10):
        owner_client.get(reverse("pieces:delete", args=[piece.uuid]))
    with django_assert_max_num_queries(10):
        owner_client.get(reverse("pieces:upload", args=[dossier.pk]))
