"""Findings 10 and 14 (issue 14): a full disk during an upload or a letter is a
clear message with nothing left behind; stored pieces are not world-readable; the
Permissions-Policy header is sent."""

from __future__ import annotations

import errno
import stat
from pathlib import Path

import pytest
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.models import Communication
from pieces.models import Piece
from tests.pieces import samples

pytestmark = pytest.mark.django_db


def stored_files() -> list[Path]:
    root = Path(default_storage.location)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def disk_fills_up(monkeypatch):
    """The disk fills up after the first chunk of a file has been written."""
    chunks = File.chunks

    def chunks_then_full(self, chunk_size=None):
        for n, chunk in enumerate(chunks(self, chunk_size=4)):
            if n == 1:
                raise OSError(errno.ENOSPC, "No space left on device")
            yield chunk

    monkeypatch.setattr(File, "chunks", chunks_then_full)


def test_a_full_disk_during_an_upload_is_a_clear_message_and_leaves_nothing(
    owner_client, dossier, disk_fills_up
):
    response = owner_client.post(
        reverse("pieces:upload", args=[dossier.pk]),
        {"document": SimpleUploadedFile("releve.pdf", samples.PDF), "description": ""},
    )
    assert response.status_code == 400
    assert "plus de place" in response.content.decode()
    assert not Piece.objects.exists()
    assert stored_files() == []


def test_a_full_disk_during_a_letter_is_a_clear_message_and_leaves_nothing(
    owner_client, dossier, postal, letter_template, disk_fills_up
):
    response = owner_client.post(
        reverse("communication:letter", args=[dossier.pk]),
        {"point": postal.pk, "template": letter_template.pk, "action": "generate"},
    )
    assert response.status_code == 200
    assert "plus de place" in response.content.decode()
    assert not Piece.objects.exists()
    assert not Communication.objects.exists()
    assert stored_files() == []


def test_stored_pieces_are_not_world_readable(owner_client, dossier):
    response = owner_client.post(
        reverse("pieces:upload", args=[dossier.pk]),
        {"document": SimpleUploadedFile("photo.png", samples.image("PNG")), "description": ""},
    )
    assert response.status_code == 302
    files = stored_files()
    assert len(files) == 2  # the picture and its thumbnail
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        assert stat.S_IMODE(path.parent.stat().st_mode) & 0o007 == 0


def test_the_permissions_policy_header_is_sent(owner_client, dossier):
    response = owner_client.get(reverse("dossiers:detail", args=[dossier.pk]))
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy


def test_a_full_temporary_folder_while_an_upload_streams_in_is_a_clear_message(
    owner_client, dossier, monkeypatch, settings
):
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # every upload goes to a temporary file

    def full(self, raw_data, start):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", full)
    response = owner_client.post(
        reverse("pieces:upload", args=[dossier.pk]),
        {"document": SimpleUploadedFile("releve.pdf", samples.PDF), "description": ""},
    )
    assert response.status_code == 507
    assert "plus de place" in response.content.decode()
    assert not Piece.objects.exists()
