"""The importer protocol and the run loop shared by the four import commands.

A run streams the file row by row; each row is parsed and validated on its own
(``Importer.parse_row``), valid rows are gathered in batches, and each batch is
resolved against the database and written with bulk statements
(``Importer.write_batch``); ``Importer.finish`` does the end-of-file work (the
default rule, file totals, journal). Everything happens inside one transaction,
so that the run is atomic: when a row was rejected and ``skip_invalid`` is off,
or on a dry run, the transaction is rolled back and nothing is written, while
every error of the file has still been found and reported. Memory holds one
batch, the keys already seen (for duplicates) and small per-file counters.
"""

from __future__ import annotations

import csv
import sys
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from .reader import RowSource, SourceError, header_key, open_source


@dataclass(slots=True, frozen=True)
class RowError:
    """One problem with one cell: what a person needs to fix it."""

    line: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"ligne {self.line}" if self.line else "fichier"
        if self.column:
            where = f"{where}, colonne « {self.column} »"
        return f"{where} : {self.message}"


class HeaderError(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rows: int = 0
    seconds: float = 0.0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    file_format: str = "csv"

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def failed(self) -> bool:
        """Rows were rejected and, the run being atomic, nothing was written."""
        return bool(self.errors) and not self.written and not self.dry_run


class Importer:
    """Subclasses name their columns and implement parse_row, write_batch, finish.

    ``created`` / ``updated`` / ``unchanged`` count the rows (or the things they
    describe) as the subclass sees fit; ``error()`` records a problem and marks the
    line rejected.
    """

    #: French name of what a row describes, for the summary ("dossiers", "créances"…)
    label = "lignes"
    columns: tuple[str, ...] = ()
    required_columns: tuple[str, ...] = ()
    #: other spellings accepted for a column, as header_key() of them → canonical name
    aliases: dict[str, str] = {}
    batch_size = 2000

    def __init__(self, *, source_name: str = "") -> None:
        self.source_name = source_name
        self.errors: list[RowError] = []
        self.rejected_lines: set[int] = set()
        self.created = 0
        self.updated = 0
        self.unchanged = 0
        self._seen: set[int] = set()
        self._seen_digests = array("q")
        self._seen_lines = array("q")
        self._duplicates: list[tuple[int, int]] = []
        self._duplicate = 0
        #: the line being parsed (set by run_import before parse_row)
        self.line = 0

    # -- for subclasses ------------------------------------------------------------
    def error(self, line: int, column: str, value: Any, message: str) -> None:
        from .values import text

        self.errors.append(RowError(line, column, text(value), message))
        self.rejected_lines.add(line)

    def seen_before(self, *key: Any) -> bool:
        """True when the same key came on an earlier line (a duplicate in the file).

        Only a 64-bit hash of each key is kept so that memory stays small for files
        of millions of rows (a collision is about 1 in 10^7 for 10^6 rows squared
        over 2^64, i.e. negligible). Call it after ``error()``-free parsing of the
        row, with ``self.line`` set (run_import does): the first line of each key is
        kept in two compact arrays (16 bytes a key) so that a duplicate's message
        can name it (``duplicate_error``).
        """
        digest = hash(key)
        if digest in self._seen:
            self._duplicate = digest
            return True
        self._seen.add(digest)
        self._seen_digests.append(digest)
        self._seen_lines.append(self.line)
        return False

    def duplicate_error(self, line: int, column: str, value: Any, message: str) -> None:
        """``error()`` for the duplicate ``seen_before`` just found; « (déjà ligne N) »
        is added once the file has been read (``resolve_duplicates``)."""
        self.error(line, column, value, message)
        self._duplicates.append((len(self.errors) - 1, self._duplicate))

    def resolve_duplicates(self) -> None:
        """Name the first line of each duplicated key: one pass over the keys, only
        when the file had duplicates."""
        if not self._duplicates:
            return
        wanted = {digest for _, digest in self._duplicates}
        first: dict[int, int] = {}
        for digest, line in zip(self._seen_digests, self._seen_lines, strict=True):
            if digest in wanted and digest not in first:
                first[digest] = line
        for index, digest in self._duplicates:
            error = self.errors[index]
            if digest in first:
                message = error.message.rstrip(".") + f" : déjà ligne {first[digest]}."
                self.errors[index] = RowError(error.line, error.column, error.value, message)
        self._duplicates = []

    def parse_row(self, line: int, row: dict[str, Any]) -> Any | None:  # pragma: no cover
        raise NotImplementedError

    def write_batch(self, records: list[Any]) -> None:  # pragma: no cover
        raise NotImplementedError

    def finish(self) -> None:
        """End-of-file work, inside the transaction."""


def match_header(
    importer: Importer, header: list[str], ignore_unknown: bool
) -> list[tuple[int, str]]:
    """Which column of the file is which field: ``[(index, canonical name)]``."""
    known = {header_key(c): c for c in importer.columns}
    known.update(importer.aliases)
    mapping: list[tuple[int, str]] = []
    found: set[str] = set()
    errors: list[RowError] = []
    for index, name in enumerate(header):
        canonical = known.get(header_key(name))
        if canonical is None:
            if not ignore_unknown:
                errors.append(
                    RowError(
                        1,
                        name,
                        name,
                        f"colonne inconnue « {name} » (colonnes attendues : "
                        f"{', '.join(importer.columns)} ; --ignore-unknown pour l'ignorer).",
                    )
                )
            continue
        if canonical in found:
            errors.append(
                RowError(1, name, name, f"la colonne « {canonical} » apparaît deux fois.")
            )
            continue
        found.add(canonical)
        mapping.append((index, canonical))
    for column in importer.required_columns:
        if column not in found:
            errors.append(RowError(1, column, "", f"colonne obligatoire « {column} » absente."))
    if errors:
        raise HeaderError(errors)
    return mapping


def _progress_bar(source: RowSource, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(
        total=source.total,
        unit=source.unit if source.unit != "o" else "B",
        unit_scale=True,
        file=sys.stderr,
        desc="Import",
        leave=False,
    )


def run_import(
    importer: Importer,
    path: str | Path,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    ignore_unknown: bool = False,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: bool = False,
) -> ImportResult:
    """Read, validate and write a whole file; see the module docstring."""
    started = time.perf_counter()
    result = ImportResult(dry_run=dry_run)
    try:
        source = open_source(path, delimiter=delimiter, encoding=encoding)
    except SourceError as exc:
        result.errors = [RowError(0, "", str(path), str(exc))]
        return result
    result.encoding, result.delimiter, result.file_format = (
        source.encoding,
        source.delimiter,
        source.format,
    )
    with source:
        try:
            mapping = match_header(importer, source.header, ignore_unknown)
        except HeaderError as exc:
            result.errors = exc.errors
            result.seconds = time.perf_counter() - started
            return result
        width = len(source.header)
        bar = _progress_bar(source, progress)
        try:
            with transaction.atomic():
                batch: list[Any] = []
                rows = 0
                for line, values in source.rows():
                    rows += 1
                    if len(values) > width and any(text_cell(v) for v in values[width:]):
                        importer.error(
                            line,
                            "",
                            "",
                            f"{len(values)} valeurs pour {width} colonnes "
                            "(séparateur ou guillemets mal placés ?).",
                        )
                        continue
                    row = {
                        name: (values[index] if index < len(values) else "")
                        for index, name in mapping
                    }
                    importer.line = line
                    record = importer.parse_row(line, row)
                    if record is not None:
                        batch.append(record)
                    if len(batch) >= importer.batch_size:
                        importer.write_batch(batch)
                        batch = []
                        if bar is not None:
                            bar.update(source.progress() - bar.n)
                if batch:
                    importer.write_batch(batch)
                importer.finish()
                importer.resolve_duplicates()
                result.rows = rows
                keep = not dry_run and (skip_invalid or not importer.errors)
                if not keep:
                    transaction.set_rollback(True)
                result.written = keep
        except SourceError as exc:
            importer.errors.append(RowError(0, "", "", str(exc)))
            result.written = False
        finally:
            if bar is not None:
                bar.close()
    result.created = importer.created
    result.updated = importer.updated
    result.unchanged = importer.unchanged
    result.rejected = len(importer.rejected_lines)
    result.errors = sorted(importer.errors, key=lambda e: (e.line, e.column))
    result.seconds = time.perf_counter() - started
    return result


def text_cell(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def write_errors_csv(errors: list[RowError], path: str | Path) -> None:
    """The errors as a CSV that Excel opens in France: ``;`` and a UTF-8 BOM."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["ligne", "colonne", "valeur", "erreur"])
        for error in errors:
            writer.writerow([error.line or "", error.column, error.value, error.message])
