"""Reads for the « Pièces » tab."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from dossiers.models import Dossier
from recouvrement.prepared import prepared

from .models import Piece


def dossier_pieces(*, dossier: Dossier) -> QuerySet[Piece]:
    return Piece.objects.filter(dossier=dossier).select_related("uploaded_by")


# Compiled once per process (recouvrement.prepared, issue 15): the count on the tab's
# label is read on every render of the client file. No row for no piece (GROUP BY).
_pieces_count = prepared(
    lambda dossier_id: (
        Piece.objects.filter(dossier_id=dossier_id)
        .order_by()
        .values("dossier_id")
        .annotate(n=Count("*"))
        .values_list("n", flat=True)
    )
)


def dossier_pieces_count(*, dossier: Dossier) -> int:
    """How many pieces ``dossier_pieces`` holds."""
    return sum(_pieces_count(dossier_id=dossier.pk))
