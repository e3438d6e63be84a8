"""The « Pièces » tab of the client-file page (``fiche.views``)."""

from __future__ import annotations

from dossiers.models import Dossier

from .selectors import dossier_pieces


def pieces_panel(request, dossier: Dossier) -> dict:
    return {"pieces": list(dossier_pieces(dossier=dossier))}
