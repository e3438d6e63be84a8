"""Checks of a piece's whole content, beyond what its first bytes tell
(``validation.inspect_file`` calls them once the kind is known).

- Zip containers (DOCX, XLSX, ODT…): the uncompressed sizes the archive declares
  are checked before anything is decompressed (a 1 MB « document » that expands
  to gigabytes is a bomb for whoever opens it).
- PDF: a document that runs code when opened (JavaScript, launching a program) is
  refused, also when the names are hex-escaped (``/J#61vaScript``) or hidden in
  compressed object streams.
- Text: markup that a browser would run is looked for in the whole file, not only
  in its first kilobytes.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from typing import IO

from django.utils.translation import gettext as _

#: a zip whose members add up to more than this, uncompressed, is refused
ZIP_UNCOMPRESSED_LIMIT = 100 * 1024 * 1024
#: a member larger than ZIP_RATIO_FROM that expands more than this is a bomb
ZIP_RATIO_LIMIT = 200
ZIP_RATIO_FROM = 4 * 1024 * 1024
#: how much of a PDF's compressed streams is inflated, at most, to look into them
PDF_INFLATE_LIMIT = 64 * 1024 * 1024
CHUNK = 64 * 1024


def zip_bomb_reason(infos: list[zipfile.ZipInfo]) -> str | None:
    """Why these members are a decompression bomb, or None."""
    total = 0
    for info in infos:
        total += info.file_size
        packed = max(info.compress_size, 1)
        if info.file_size > ZIP_RATIO_FROM and info.file_size / packed > ZIP_RATIO_LIMIT:
            return _(
                "« %(name)s » se décompresse en %(size)d Mo pour %(packed)d Ko "
                "(bombe de décompression)"
            ) % {
                "name": info.filename,
                "size": info.file_size >> 20,
                "packed": max(packed >> 10, 1),
            }
    if total > ZIP_UNCOMPRESSED_LIMIT:
        return _("le contenu se décompresse en %(size)d Mo (plus de %(limit)d Mo)") % {
            "size": total >> 20,
            "limit": ZIP_UNCOMPRESSED_LIMIT >> 20,
        }
    return None


# Names that make a PDF act when opened or clicked (ISO 32000: actions).
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|RichMedia|XFA)(?![A-Za-z0-9])")
_PDF_HEX_NAME = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n")


def _unescape_names(data: bytes) -> bytes:
    return _PDF_HEX_NAME.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def pdf_is_active(stream: IO[bytes]) -> bool:
    """True if the PDF holds JavaScript or a launch action, in clear or in its
    deflated streams (object streams hide dictionaries there)."""
    stream.seek(0)
    data = stream.read()
    stream.seek(0)
    if _PDF_ACTIVE.search(_unescape_names(data)):
        return True
    budget = PDF_INFLATE_LIMIT
    view = memoryview(data)  # slices without copies
    for match in _PDF_STREAM.finditer(data):
        if budget <= 0:
            break
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(view[match.end() :], budget)
        except zlib.error:
            continue  # not deflated, or damaged: nothing to read in it
        budget -= len(inflated)
        if _PDF_ACTIVE.search(_unescape_names(inflated)):
            return True
    return False


def markup_anywhere(stream: IO[bytes], pattern: re.Pattern[bytes]) -> bool:
    """``pattern`` anywhere in the file, chunk by chunk (with an overlap, so that
    a tag cut by a chunk's end is still found)."""
    stream.seek(0)
    tail = b""
    try:
        while chunk := stream.read(CHUNK):
            window = tail + chunk
            if pattern.search(window):
                return True
            tail = window[-256:]
    finally:
        stream.seek(0)
    return False
