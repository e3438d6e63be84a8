"""Streamed reading of CSV and XLSX files, as French tools export them."""

from __future__ import annotations

import codecs
import csv
import functools
import io
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

ENCODING_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    "win1252": "cp1252",
    "latin1": "latin-1",
    "latin-1": "latin-1",
    "iso-8859-1": "latin-1",
    "iso-8859-15": "iso-8859-15",
}
DELIMITER_ALIASES = {";": ";", ",": ",", "tab": "\t", "\\t": "\t", "\t": "\t", "|": "|"}
CHUNK = 1 << 20
#: a header line longer than this is not a header (a wrong separator, a binary file)
HEADER_LIMIT = 64 * 1024
#: more columns than this is not an import file (the widest import has about 20)
MAX_COLUMNS = 500


class SourceError(Exception):
    """The file cannot be read at all (message for people, through gettext)."""


def header_key(name: Any) -> str:
    """How a column name is compared: no accents, no case, spaces as underscores."""
    return _header_key("" if name is None else str(name))


@functools.lru_cache(maxsize=4096)
def _header_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).strip().lower()
    for char in " -.'’/":
        plain = plain.replace(char, "_")
    while "__" in plain:
        plain = plain.replace("__", "_")
    return plain.strip("_")


def normalize_encoding(name: str) -> str:
    try:
        return ENCODING_ALIASES[name.strip().lower()]
    except KeyError:
        try:
            return codecs.lookup(name).name
        except LookupError:
            raise SourceError(_("Encodage inconnu : « %(name)s ».") % {"name": name}) from None


def normalize_delimiter(value: str) -> str:
    try:
        return DELIMITER_ALIASES[value if value in ("\t",) else value.strip().lower()]
    except KeyError:
        raise SourceError(
            _("Séparateur non pris en charge : « %(value)s » (utilisez « ; », « , » ou « tab »).")
            % {"value": value}
        ) from None


def detect_encoding(path: Path) -> str:
    """UTF-8 with BOM, UTF-8, or else Windows-1252 (what Excel writes in France).

    The whole file is checked in chunks with an incremental decoder: a file whose
    first megabyte is plain ASCII may still hold a Windows-1252 « é » further down.
    """
    with open(path, "rb") as raw:
        head = raw.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        raw.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := raw.read(CHUNK):
                decoder.decode(chunk, final=False)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            _refuse_mixed_encodings(raw)
            return "cp1252"
    return "utf-8"


def _refuse_mixed_encodings(raw) -> None:
    """Not UTF-8 as a whole: but if some lines are UTF-8 with accents, the file was
    pasted together from two sources, and reading it all as Windows-1252 would
    store « Ã©ric » silently. Refused, naming a line of each."""
    raw.seek(0)
    utf8_line = cp1252_line = 0
    for number, line in enumerate(raw, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            cp1252_line = cp1252_line or number
        else:
            utf8_line = utf8_line or number
        if utf8_line and cp1252_line:
            raise SourceError(
                _(
                    "Le fichier mélange deux encodages : la ligne %(utf8)d est en UTF-8, la "
                    "ligne %(cp1252)d en Windows-1252. Enregistrez-le à nouveau d'un seul "
                    "tenant en UTF-8 (ou précisez --encoding si vous savez lequel est juste)."
                )
                % {"utf8": utf8_line, "cp1252": cp1252_line}
            )


def detect_delimiter(first_line: str) -> str:
    """The header line tells the separator: the most frequent of ; , and tab."""
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _CountingReader(io.RawIOBase):
    """A binary file that remembers how many bytes were read (for the progress bar)."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


class RowSource:
    """Rows of a file: ``header`` (list of str) then ``rows()`` yielding
    ``(line_number, values)``; ``progress()`` tells how far reading is (bytes or rows)."""

    format = "csv"
    encoding: str | None = None
    delimiter: str | None = None
    total: int | None = None
    unit = "o"

    def __init__(self) -> None:
        self.header: list[str] = []

    def rows(self) -> Iterator[tuple[int, list[Any]]]:  # pragma: no cover - protocol
        raise NotImplementedError

    def progress(self) -> int:  # pragma: no cover - protocol
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class CsvSource(RowSource):
    def __init__(self, path: Path, *, delimiter: str | None, encoding: str | None) -> None:
        super().__init__()
        self.encoding = normalize_encoding(encoding) if encoding else detect_encoding(path)
        if self.encoding == "utf-8":
            # Accept a BOM even when the encoding was given as plain UTF-8.
            self.encoding = "utf-8-sig"
        self.total = os.path.getsize(path)
        self._counter = _CountingReader(open(path, "rb", buffering=0))  # noqa: SIM115
        buffered = io.BufferedReader(self._counter, CHUNK)
        # newline="" lets the csv module handle newlines inside quoted fields.
        self._text = io.TextIOWrapper(buffered, encoding=self.encoding, newline="")
        try:
            first = self._text.readline(HEADER_LIMIT + 1)
        except UnicodeDecodeError as exc:
            self.close()
            raise SourceError(
                _("Le fichier n'est pas lisible dans l'encodage %(encoding)s : %(reason)s.")
                % {"encoding": self.encoding, "reason": exc.reason}
            ) from None
        if len(first) > HEADER_LIMIT:
            self.close()
            raise SourceError(
                _(
                    "La ligne d'en-tête dépasse %(limit)d Kio : ce n'est pas une ligne de noms "
                    "de colonnes (mauvais séparateur, ou pas un fichier d'import ?)."
                )
                % {"limit": HEADER_LIMIT // 1024}
            )
        self.delimiter = normalize_delimiter(delimiter) if delimiter else detect_delimiter(first)
        header_rows = list(csv.reader([first], delimiter=self.delimiter))
        self.header = [h.strip() for h in header_rows[0]] if header_rows else []
        if len(self.header) > MAX_COLUMNS:
            self.close()
            raise _too_many_columns(len(self.header))
        self._reader = csv.reader(self._text, delimiter=self.delimiter, strict=False)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        reader = self._reader
        line = 1  # the header
        try:
            for values in reader:
                start = line + 1
                line = reader.line_num + 1
                if not values or (not values[0].strip() and not any(v.strip() for v in values)):
                    continue
                yield start, values
        except UnicodeDecodeError as exc:
            raise SourceError(
                _(
                    "Ligne %(line)d : octets illisibles dans l'encodage %(encoding)s "
                    "(%(reason)s) ; précisez --encoding."
                )
                % {"line": line + 1, "encoding": self.encoding, "reason": exc.reason}
            ) from None
        except csv.Error as exc:
            raise SourceError(
                _("Ligne %(line)d : CSV mal formé (%(error)s).") % {"line": line + 1, "error": exc}
            ) from None

    def progress(self) -> int:
        return self._counter.count

    def close(self) -> None:
        self._text.close()


#: an XLSX member (the shared strings, that openpyxl holds in memory whole; a
#: sheet) larger than XLSX_RATIO_FROM that expands more than XLSX_RATIO_LIMIT
#: times is a bomb: 1.2 MB on disk took 842 MB and 34 s to open
XLSX_RATIO_LIMIT = 200
XLSX_RATIO_FROM = 4 << 20
#: the shared strings are loaded whole: bounded, whatever their ratio
XLSX_SHARED_STRINGS_LIMIT = 256 << 20


def _refuse_zip_bomb(path: Path) -> None:
    """The uncompressed sizes the workbook declares, checked before it is opened."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SourceError(_("Classeur XLSX illisible : %(error)s.") % {"error": exc}) from None
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        shared = info.filename.lower().endswith("sharedstrings.xml")
        if (info.file_size > XLSX_RATIO_FROM and ratio > XLSX_RATIO_LIMIT) or (
            shared and info.file_size > XLSX_SHARED_STRINGS_LIMIT
        ):
            raise SourceError(
                _(
                    "Classeur XLSX refusé : « %(name)s » se décompresse en %(size)d Mo pour "
                    "%(packed)d Ko (bombe de décompression ?). Enregistrez-le à nouveau "
                    "depuis le tableur, ou exportez-le en CSV."
                )
                % {
                    "name": info.filename,
                    "size": info.file_size >> 20,
                    "packed": max(info.compress_size >> 10, 1),
                }
            )


class XlsxSource(RowSource):
    format = "xlsx"
    unit = "lignes"

    def __init__(self, path: Path) -> None:
        super().__init__()
        import openpyxl  # imported here: only XLSX imports pay for it

        _refuse_zip_bomb(path)
        try:
            self._workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise SourceError(_("Classeur XLSX illisible : %(error)s.") % {"error": exc}) from None
        sheet = self._workbook.worksheets[0]
        self.total = sheet.max_row
        # One column more than allowed: enough to tell a header that is too wide,
        # without building rows of a million cells.
        self._rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        self._done = 0
        first = next(self._rows, None) or ()
        self.header = ["" if h is None else str(h).strip() for h in first]
        # Trailing empty header cells are formatting, not columns.
        while self.header and not self.header[-1]:
            self.header.pop()
        if len(self.header) > MAX_COLUMNS:
            self.close()
            raise _too_many_columns(len(self.header))

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        width = len(self.header)
        for number, values in enumerate(self._rows, start=2):
            self._done = number
            cells = ["" if v is None else v for v in values]
            if all(isinstance(v, str) and not v.strip() for v in cells):
                continue
            if len(cells) > width and all(
                isinstance(v, str) and not v.strip() for v in cells[width:]
            ):
                cells = cells[:width]
            yield number, cells

    def progress(self) -> int:
        return self._done

    def close(self) -> None:
        self._workbook.close()


def _too_many_columns(count: int) -> SourceError:
    return SourceError(
        _(
            "L'en-tête compte %(count)s colonnes ou plus, au plus %(limit)d sont acceptées : "
            "ce n'est pas un fichier d'import (mauvais séparateur ?)."
        )
        % {"count": f"{count:,}".replace(",", "\u202f"), "limit": MAX_COLUMNS}
    )


def open_source(
    path: str | Path, *, delimiter: str | None = None, encoding: str | None = None
) -> RowSource:
    path = Path(path)
    if not path.is_file():
        raise SourceError(_("Fichier introuvable : %(path)s.") % {"path": path})
    with open(path, "rb") as probe:
        magic = probe.read(4)
    if path.suffix.lower() in (".xlsx", ".xlsm") or magic == b"PK\x03\x04":
        return XlsxSource(path)
    return CsvSource(path, delimiter=delimiter, encoding=encoding)
