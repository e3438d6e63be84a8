"""Bulk import of files (``files``) and receivables (``receivables``); ``common``
holds the helpers every app's importers share (files by reference, the journal
written in bulk). The commands run them through ``recouvrement.importing``.
"""

from .common import (
    chunked,
    dossier_ids_by_reference,
    journal_insert,
    unknown_dossier_error,
    with_dossier_ids,
)
from .files import DossierImporter
from .receivables import ReceivableImporter

__all__ = [
    "DossierImporter",
    "ReceivableImporter",
    "chunked",
    "dossier_ids_by_reference",
    "journal_insert",
    "unknown_dossier_error",
    "with_dossier_ids",
]
