"""Documents the application produces itself (letters, e-mail copies) kept as pieces."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from dossiers.models import JournalEntry
from pieces.models import Piece
from pieces.services import piece_store_generated

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_generated_letter_is_stored_under_a_random_name_and_journaled(dossier, owner):
    piece = piece_store_generated(
        dossier=dossier,
        name="Relance ACC-1001.pdf",
        content=PDF,
        content_type="application/pdf",
        origin=Piece.Origin.LETTER,
        user=owner,
        description="Courrier de relance",
    )

    assert piece.original_name == "Relance ACC-1001.pdf"
    assert piece.size == len(PDF)
    assert piece.origin == "letter"
    assert "Relance" not in piece.file.name
    with default_storage.open(piece.file.name, "rb") as stored:
        assert stored.read() == PDF
    entry = JournalEntry.objects.get(dossier=dossier, action=JournalEntry.Action.PIECE_ADDED)
    assert entry.actor == owner
    assert "Relance ACC-1001.pdf" in entry.message
    assert entry.data["piece"] == str(piece.uuid)


def test_generated_piece_with_an_unknown_type_is_served_as_bytes(dossier, owner):
    piece = piece_store_generated(
        dossier=dossier,
        name="copie.html",
        content=b"<p>hello</p>",
        content_type="text/html; charset=utf-8",
        origin=Piece.Origin.EMAIL,
        user=owner,
    )
    assert piece.content_type == "application/octet-stream"


def test_generated_piece_name_with_a_path_is_refused(dossier, owner):
    with pytest.raises(ValidationError):
        piece_store_generated(
            dossier=dossier,
            name="../../etc/passwd",
            content=b"x",
            content_type="text/plain",
            origin=Piece.Origin.LETTER,
            user=owner,
        )
    assert not Piece.objects.exists()
