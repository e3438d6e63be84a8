"""The ZIP of an access export: the PDF, the JSON and the copies of communications."""

from __future__ import annotations

import io
import json
import logging
import zipfile

from .builder import ExportContext, export_build, export_document
from .pdf import export_pdf

logger = logging.getLogger(__name__)

PDF_NAME = "donnees-personnelles.pdf"
JSON_NAME = "donnees-personnelles.json"


def _safe_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return cleaned.strip("._") or "piece"


def export_zip(ctx: ExportContext) -> bytes:
    copies: list[tuple[str, object]] = []
    for index, piece in enumerate(ctx.pieces, start=1):
        path = f"pieces/{index:03d}-{_safe_name(piece.original_name)}"
        ctx.piece_paths[piece.pk] = path
        copies.append((path, piece))
    sections = export_build(ctx)
    document = export_document(ctx, sections)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(PDF_NAME, export_pdf(ctx, sections))
        archive.writestr(JSON_NAME, json.dumps(document, ensure_ascii=False, indent=2))
        for path, piece in copies:
            try:
                with piece.file.open("rb") as stream:
                    archive.writestr(path, stream.read())
            except (FileNotFoundError, OSError):
                # Said in the archive rather than failing the whole answer.
                logger.warning("Piece %s missing from storage", piece.pk)
                archive.writestr(f"{path}.absent.txt", "Fichier introuvable dans le stockage.\n")
    return buffer.getvalue()
