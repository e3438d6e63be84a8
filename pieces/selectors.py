"""Reads for the « Pièces » tab."""

from __future__ import annotations

from django.db.models import QuerySet

from dossiers.models import Dossier

from .models import Piece


def dossier_pieces(*, dossier: Dossier) -> QuerySet[Piece]:
    return Piece.objects.filter(dossier=dossier).select_related("uploaded_by")
