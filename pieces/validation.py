"""Checks on untrusted files before they become pieces of a file.

A file is accepted for what its bytes are, not for what its name says: the content
is identified first (magic numbers, zip entries, Pillow for images, a text decoder
for plain text), then the name's extension must agree with it. Anything that is not
on the allow-list is refused with a French message that says why.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .content_checks import markup_anywhere, pdf_is_active

HEAD_SIZE = 8192
MAX_NAME_LENGTH = 255
THUMBNAIL_SIZE = (240, 240)
# Zip members read to identify an office document: tiny XML files, read bounded.
ZIP_MEMBER_READ_LIMIT = 256 * 1024


@dataclass(frozen=True)
class Kind:
    """One accepted type of document."""

    label: str
    content_type: str
    extensions: tuple[str, ...]
    image_format: str = ""  # Pillow's name for images


PDF = Kind("PDF", "application/pdf", ("pdf",))
PNG = Kind("PNG", "image/png", ("png",), "PNG")
JPEG = Kind("JPEG", "image/jpeg", ("jpg", "jpeg", "jpe", "jfif"), "JPEG")
GIF = Kind("GIF", "image/gif", ("gif",), "GIF")
WEBP = Kind("WebP", "image/webp", ("webp",), "WEBP")
DOCX = Kind(
    "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
)
XLSX = Kind("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",))
PPTX = Kind(
    "PowerPoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ("pptx",),
)
ODT = Kind("OpenDocument texte", "application/vnd.oasis.opendocument.text", ("odt",))
ODS = Kind("OpenDocument tableur", "application/vnd.oasis.opendocument.spreadsheet", ("ods",))
# Legacy Office files and Outlook messages share the OLE2 container.
DOC = Kind("Word 97-2003", "application/msword", ("doc",))
XLS = Kind("Excel 97-2003", "application/vnd.ms-excel", ("xls",))
MSG = Kind("message Outlook", "application/vnd.ms-outlook", ("msg",))
TEXT = Kind("texte", "text/plain", ("txt", "csv", "log", "text"))
EML = Kind("e-mail", "message/rfc822", ("eml",))

KINDS = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, ODT, ODS, DOC, XLS, MSG, TEXT, EML)
IMAGE_KINDS = (PNG, JPEG, GIF, WEBP)
OTHER_THAN_TEXT_EXTENSIONS = frozenset(
    extension for kind in KINDS if kind is not TEXT for extension in kind.extensions
)

# The only types a download is ever served as; anything else goes out as bytes.
SAFE_CONTENT_TYPES = frozenset(kind.content_type for kind in KINDS)
FALLBACK_CONTENT_TYPE = "application/octet-stream"

ACCEPTED_SUMMARY = "PDF, PNG, JPEG, GIF, WebP, Word, Excel, PowerPoint, OpenDocument, texte, e-mail"

# Extensions refused whatever the content: pages, scripts and programs.
SCRIPT_EXTENSIONS = frozenset(
    [
        "js",
        "mjs",
        "cjs",
        "vbs",
        "vbe",
        "wsf",
        "wsh",
        "ps1",
        "psm1",
        "sh",
        "bash",
        "zsh",
        "csh",
        "bat",
        "cmd",
        "com",
        "py",
        "pyc",
        "pl",
        "rb",
        "php",
        "phtml",
        "asp",
        "aspx",
        "jsp",
        "cgi",
        "lua",
        "jar",
        "class",
    ]
)
EXECUTABLE_EXTENSIONS = frozenset(
    ["exe", "dll", "scr", "msi", "msp", "cpl", "sys", "so", "dylib", "bin", "elf", "apk", "app"]
)
HTML_EXTENSIONS = frozenset(["html", "htm", "xhtml", "shtml", "mht", "mhtml", "hta", "xht"])
ARCHIVE_EXTENSIONS = frozenset(
    ["zip", "rar", "7z", "tar", "gz", "tgz", "bz2", "xz", "zst", "cab", "iso", "lz", "lzma"]
)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04",)
_EMPTY_ZIP_MAGIC = (b"PK\x05\x06", b"PK\x07\x08")
_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE, DOS
    b"\x7fELF",  # Linux, BSD
    b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal, Java class
    b"\x00asm",  # WebAssembly
)
# What browsers sniff as markup (WHATWG MIME sniffing), plus SVG and XML.
_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg|math|style|title|"
    rb"meta|link|base|form|img|frame|frameset|div|span|table|font|a|b|p|br|h1|!--|\?xml"
    rb"|\?php|%)[\s>/]",
    re.IGNORECASE,
)
# Anywhere in a text: these turn a text into something a browser would run.
_ACTIVE_CONTENT = re.compile(
    rb"<\s*(?:script|svg|html|iframe|object|embed|\?php)\b|javascript:", re.IGNORECASE
)
_EMAIL_HEADER = re.compile(
    rb"^(?:(?:Return-Path|Received|From|To|Subject|Date|Message-ID|MIME-Version|"
    rb"Delivered-To|Reply-To|Cc|X-[A-Za-z0-9-]+|Content-Type|DKIM-Signature|"
    rb"Authentication-Results|ARC-[A-Za-z-]+|Sender|In-Reply-To|References)"
    rb":[ \t]|From [^\r\n]+\r?\n)",
    re.IGNORECASE,
)
_ALLOWED_CONTROL = frozenset("\t\n\r\f")


@dataclass(frozen=True)
class CheckedFile:
    """What an accepted file is: its clean name, its type, its size."""

    name: str
    kind: Kind
    size: int

    @property
    def content_type(self) -> str:
        return self.kind.content_type

    @property
    def is_image(self) -> bool:
        return bool(self.kind.image_format)


def max_upload_size() -> int:
    return int(getattr(settings, "PIECE_MAX_UPLOAD_SIZE", 20 * 1024 * 1024))


def too_large_message() -> str:
    return _("Le fichier dépasse la taille maximale autorisée (%(max)s).") % {
        "max": filesizeformat(max_upload_size())
    }


def refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


# --- Names ------------------------------------------------------------------------


def clean_name(name: str) -> str:
    """The document's name as shown and offered at download, or a refusal.

    Names arrive from the browser: a path separator or a control character in one
    is never innocent, so it is refused rather than silently rewritten.
    """
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise refuse(_("Le fichier n'a pas de nom."), "name_empty")
    if "/" in name or "\\" in name:
        raise refuse(
            _("Le nom du fichier ne doit pas contenir de séparateur de chemin (/ ou \\)."),
            "name_path",
        )
    if any(unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} for c in name):
        raise refuse(
            _("Le nom du fichier contient des caractères de contrôle : renommez-le."),
            "name_control",
        )
    if name.strip(".") == "":
        raise refuse(_("Ce nom de fichier n'est pas valide."), "name_invalid")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        keep = MAX_NAME_LENGTH - len(extension) - 1
        if not dot or keep < 1:
            raise refuse(_("Le nom du fichier est trop long."), "name_too_long")
        name = f"{stem[:keep]}.{extension}"
    return name


def extension_of(name: str) -> str:
    suffix = PurePosixPath(name).suffix
    return suffix[1:].lower() if suffix else ""


# --- Content --------------------------------------------------------------------


def _read_head(stream: IO[bytes]) -> bytes:
    stream.seek(0)
    head = stream.read(HEAD_SIZE)
    stream.seek(0)
    return head


def _image_check(stream: IO[bytes], kind: Kind) -> None:
    """Open the image with Pillow, refuse decompression bombs, verify its structure."""
    try:
        with warnings.catch_warnings():
            # A picture bigger than Pillow's limit is a bomb, not a warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                if image.format != kind.image_format:
                    raise refuse(
                        _("Le contenu de cette image ne correspond pas à son format."),
                        "mismatch",
                    )
                width, height = image.size
                if width * height > Image.MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise refuse(
            _("Cette image est trop grande (nombre de pixels excessif) : elle est refusée."),
            "image_bomb",
        ) from exc
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise refuse(
            _("Cette image est endommagée ou illisible : elle ne peut pas être ajoutée."),
            "image_corrupt",
        ) from exc
    finally:
        stream.seek(0)


def _text_check(stream: IO[bytes]) -> str:
    """Decode the whole text incrementally: UTF-8, or else Windows-1252/Latin-1.

    Returns the encoding. Refuses NUL bytes and control characters (binary data).
    """
    binary = refuse(
        _("Ce type de fichier n'est pas accepté. Types acceptés : %(types)s.")
        % {"types": ACCEPTED_SUMMARY},
        "type",
    )
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        decoder = codecs.getincrementaldecoder(encoding)()
        stream.seek(0)
        try:
            while chunk := stream.read(64 * 1024):
                if b"\x00" in chunk:
                    raise binary
                text = decoder.decode(chunk)
                if any(
                    (unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROL) for c in text
                ):
                    raise binary
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            stream.seek(0)
        return encoding
    raise binary


def _refuse_markup(head: bytes, extension: str) -> None:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n\f")
    markup = bool(_MARKUP.match(stripped) or _ACTIVE_CONTENT.search(head))
    if markup and extension in OTHER_THAN_TEXT_EXTENSIONS:
        # The classic disguise: a web page named like a PDF or a picture.
        raise refuse(
            _(
                "Le contenu de ce fichier (page HTML ou code) ne correspond pas à son "
                "extension « .%(ext)s » : il est refusé."
            )
            % {"ext": extension},
            "mismatch",
        )
    if re.search(rb"<svg[\s>]", head, re.IGNORECASE):
        raise refuse(_("Les images SVG sont refusées (elles peuvent contenir du code)."), "svg")
    if markup:
        raise refuse(_("Les pages HTML et les fichiers contenant du code sont refusés."), "html")


def _identify(stream: IO[bytes], head: bytes, extension: str) -> Kind:
    """Which accepted kind the content is, or a refusal that says what it is."""
    if head.startswith(_EXECUTABLE_MAGIC):
        raise refuse(_("Les programmes exécutables sont refusés."), "executable")
    if head.startswith(b"#!"):
        raise refuse(_("Les scripts sont refusés."), "script")
    if head.startswith(b"%PDF-"):
        if pdf_is_active(stream):
            raise refuse(
                _(
                    "Ce PDF contient du code qui s'exécute à l'ouverture (JavaScript, "
                    "lancement d'un programme) : il est refusé. Imprimez-le en PDF pour "
                    "n'en garder que le contenu."
                ),
                "pdf_active",
            )
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    # Containers (zip, OLE2) are opened in their own module, which uses the kinds
    # defined here: imported when first needed.
    from .containers import ole_kind, zip_kind

    if head.startswith(_ZIP_MAGIC):
        return zip_kind(stream)
    if head.startswith(_EMPTY_ZIP_MAGIC):
        raise refuse(
            _("Les archives (zip, rar, 7z…) sont refusées : ajoutez les documents un par un."),
            "archive",
        )
    if head.startswith(_OLE_MAGIC):
        return ole_kind(stream)
    guess = filetype.guess(head)
    if guess is not None:
        module = type(guess).__module__
        if module.endswith("archive") and guess.extension in {"exe", "elf"}:
            raise refuse(_("Les programmes exécutables sont refusés."), "executable")
        if module.endswith("archive") and guess.extension not in {"pdf", "rtf", "ps"}:
            raise refuse(
                _("Les archives (zip, rar, 7z…) sont refusées : ajoutez les documents un par un."),
                "archive",
            )
        raise refuse(
            _("Ce type de fichier (%(type)s) n'est pas accepté. Types acceptés : %(types)s.")
            % {"type": guess.extension.upper(), "types": ACCEPTED_SUMMARY},
            "type",
        )
    if head.startswith(b"{\\rtf"):
        raise refuse(
            _("Ce type de fichier (RTF) n'est pas accepté. Types acceptés : %(types)s.")
            % {"types": ACCEPTED_SUMMARY},
            "type",
        )
    # Text of some kind: an e-mail, plain text, or markup we refuse.
    if extension in EML.extensions and _EMAIL_HEADER.match(head.lstrip(b"\xef\xbb\xbf")):
        # E-mails legitimately carry HTML bodies; they are only ever downloaded.
        _text_check(stream)
        return EML
    _refuse_markup(head, extension)
    _text_check(stream)
    if markup_anywhere(stream, _ACTIVE_CONTENT):
        raise refuse(_("Les pages HTML et les fichiers contenant du code sont refusés."), "html")
    return TEXT


def _refuse_by_extension(extension: str) -> None:
    if extension in HTML_EXTENSIONS:
        raise refuse(_("Les pages HTML et les fichiers contenant du code sont refusés."), "html")
    if extension == "svg" or extension == "svgz":
        raise refuse(_("Les images SVG sont refusées (elles peuvent contenir du code)."), "svg")
    if extension in SCRIPT_EXTENSIONS:
        raise refuse(_("Les scripts sont refusés."), "script")
    if extension in EXECUTABLE_EXTENSIONS:
        raise refuse(_("Les programmes exécutables sont refusés."), "executable")
    if extension in ARCHIVE_EXTENSIONS:
        raise refuse(
            _("Les archives (zip, rar, 7z…) sont refusées : ajoutez les documents un par un."),
            "archive",
        )


def inspect_file(*, name: str, stream: IO[bytes], size: int | None = None) -> CheckedFile:
    """Decide whether an untrusted file may become a piece. Raises ValidationError."""
    name = clean_name(name)
    if size is None:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        stream.seek(0)
    if size <= 0:
        raise refuse(_("Le fichier est vide."), "empty")
    if size > max_upload_size():
        raise refuse(too_large_message(), "too_large")
    extension = extension_of(name)
    head = _read_head(stream)
    if not head:
        raise refuse(_("Le fichier est vide."), "empty")
    kind = _identify(stream, head, extension)
    _refuse_by_extension(extension)
    if not extension:
        raise refuse(
            _("Le nom du fichier doit se terminer par son extension (« .%(ext)s »).")
            % {"ext": kind.extensions[0]},
            "extension_missing",
        )
    if extension not in kind.extensions:
        raise refuse(
            _("Le contenu de ce fichier (%(kind)s) ne correspond pas à son extension « .%(ext)s ».")
            % {"kind": kind.label, "ext": extension},
            "mismatch",
        )
    if kind.image_format:
        _image_check(stream, kind)
    return CheckedFile(name=name, kind=kind, size=size)


def thumbnail_make(stream: IO[bytes]) -> bytes | None:
    """A small PNG of an image already checked by inspect_file; None if it fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            stream.seek(0)
            with Image.open(stream) as image:
                if image.format == "JPEG":
                    # Decode a big photo at reduced scale: less memory, same thumbnail.
                    image.draft("RGB", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))
                image.seek(0)
                image = ImageOps.exif_transpose(image)
                image.thumbnail(THUMBNAIL_SIZE)
                if image.mode not in {"RGB", "RGBA", "L", "LA"}:
                    image = image.convert("RGBA")
                output = io.BytesIO()
                image.save(output, format="PNG", optimize=True)
                return output.getvalue()
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return None
    except Image.DecompressionBombWarning:
        return None
    finally:
        stream.seek(0)


def safe_content_type(content_type: str) -> str:
    """The type a stored piece is served as: one of ours, or plain bytes."""
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return base if base in SAFE_CONTENT_TYPES else FALLBACK_CONTENT_TYPE
