"""Files left in storage by a rolled-back transaction are found and removed."""

from __future__ import annotations

import os
import time
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction

from pieces.models import Piece
from pieces.services import piece_store_generated

pytestmark = pytest.mark.django_db


def age(path: str, hours: float) -> None:
    full = default_storage.path(path)
    then = time.time() - hours * 3600
    os.utime(full, (then, then))


def test_an_orphan_from_a_rolled_back_letter_is_found_then_deleted(dossier, owner):
    kept = piece_store_generated(
        dossier=dossier,
        name="courrier.pdf",
        content=b"%PDF-1.4 kept",
        content_type="application/pdf",
        origin="letter",
        user=owner,
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = piece_store_generated(
            dossier=dossier,
            name="perdu.pdf",
            content=b"%PDF-1.4 lost",
            content_type="application/pdf",
            origin="letter",
            user=owner,
        )
        orphan_path = lost.file.name
        raise RuntimeError("sending failed after the PDF was stored")
    assert not Piece.objects.filter(file=orphan_path).exists()
    assert default_storage.exists(orphan_path)
    fresh = default_storage.save("pieces/2026/11/en-cours", ContentFile(b"being written"))
    age(orphan_path, 48)
    age(kept.file.name, 48)

    out = StringIO()
    call_command("pieces_orphans", stdout=out)
    assert orphan_path in out.getvalue() and "1 fichier(s) orphelin(s) trouvé(s)" in out.getvalue()
    assert default_storage.exists(orphan_path)  # nothing removed without --delete

    call_command("pieces_orphans", "--delete", stdout=StringIO())
    assert not default_storage.exists(orphan_path)
    assert default_storage.exists(kept.file.name)  # referenced: kept
    assert default_storage.exists(fresh)  # too recent: maybe being written
