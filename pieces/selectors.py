"""Reads for the « Pièces » tab."""

from __future__ import annotations

from django.db.models import QuerySet

from dossiers.models import Dossier
from recouvrement.prepared import file_count

from .models import Piece


def dossier_pieces(*, dossier: Dossier) -> QuerySet[Piece]:
    return Piece.objects.filter(dossier=dossier).select_related("uploaded_by")


# Compiled once per process (recouvrement.prepared, issue 15): the count on the tab's
# label is read on every render of the client file.
_pieces_count = file_count(Piece)


def dossier_pieces_count(*, dossier: Dossier) -> int:
    """How many pieces ``dossier_pieces`` holds."""
    return sum(_pieces_count(dossier_id=dossier.pk))
