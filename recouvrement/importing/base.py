"""The importer protocol and the run loop shared by the four import commands.

A run streams the file row by row; each row is parsed and validated on its own
(``Importer.parse_row``), valid rows are gathered in batches, and each batch is
resolved against the database and written with bulk statements
(``Importer.write_batch``); ``Importer.finish`` does the end-of-file work (the
default rule, file totals, journal). Everything happens inside one transaction,
so that the run is atomic: when a row was rejected and ``skip_invalid`` is off,
or on a dry run, the transaction is rolled back and nothing is written, while
every error of the file has still been found and reported. Memory holds a few
batches, the keys already seen (for duplicates) and small per-file counters.

From ``CHILD_FROM`` bytes, the reading and the validation run in a forked process
(``parse_in_child``) while this one writes: an import then keeps both processors
busy. ``parse_row`` must therefore never touch the database.
"""

from __future__ import annotations

import os
import re
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..spreadsheet import csv_writer
from .bulk import (
    analyze,  # noqa: F401 (PostgreSQL's statistics, re-exported)
    check_constraints,
    stages,
)
from .bulk import staging as bulk_staging
from .child import parse_in_child
from .counting import Counters, KeyLines  # noqa: F401 (Counters: re-exported for importers)
from .locking import import_lock
from .reader import RowSource, SourceError, header_key, open_source
from .values import text


@dataclass(slots=True, frozen=True)
class RowError:
    """One problem with one cell: what a person needs to fix it."""

    line: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        # Translators: where an import error is: a line of the file, or the whole file.
        where = _("ligne %(line)d") % {"line": self.line} if self.line else _("fichier")
        if self.column:
            where = _("%(where)s, colonne « %(column)s »") % {"where": where, "column": self.column}
        # Translators: where an import error is (« ligne 12, colonne « nom » »), then what.
        return _("%(where)s : %(message)s") % {"where": where, "message": self.message}


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
    #: the file could not be read through (unreadable, bad header, bad bytes…):
    #: nothing was written, whatever --skip-invalid says
    aborted: bool = False
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

    # Translators: what the rows of an import describe; starts its summary, capitalised.
    #: What a row describes, for the summary ("dossiers", "créances"…): lazy, since
    #: a class attribute is set before any language is active.
    label = gettext_lazy("lignes")
    columns: tuple[str, ...] = ()
    required_columns: tuple[str, ...] = ()
    #: other spellings accepted for a column, as header_key() of them → canonical name
    aliases: dict[str, str] = {}
    batch_size = 2000
    #: tables this import fills and then reads back, each with the columns its batch
    #: lookups filter on (PostgreSQL statistics, see analyze())
    analyze_tables: dict[str, tuple[str, ...]] = {}
    #: models whose new rows are staged while the file is read, on SQLite, each with
    #: the column tuples to index in its staged table (``bulk.Stage``); ``write_batch``
    #: then finds the rows it wrote itself through ``bulk.staged_objects`` only
    staged_models: dict = {}

    def __init__(self, *, source_name: str = "") -> None:
        self.source_name = source_name
        self.errors: list[RowError] = []
        self.rejected_lines: set[int] = set()
        self.created = 0
        self.updated = 0
        self.unchanged = 0
        self._seen = KeyLines()
        self._first_line = 0
        #: the line being parsed (set by run_import before parse_row)
        self.line = 0

    # -- for subclasses ------------------------------------------------------------
    def error(self, line: int, column: str, value: Any, message: str) -> None:

        self.errors.append(RowError(line, column, text(value), message))
        self.rejected_lines.add(line)

    def seen_before(self, *key: Any) -> bool:
        """True when the same key came on an earlier line (a duplicate in the file);
        ``duplicate_error`` then names that line. Call it with ``self.line`` set
        (run_import does) once the row has parsed without error.

        Only a 64-bit hash of each key is kept, with its first line, in a compact
        table (``KeyLines``: 16 to 32 bytes a key, against about 90 for a Python
        set of ints) so that memory stays small for files of millions of rows (a
        collision is about 1 in 10^7 for 10^6 rows squared over 2^64).
        """
        first = self._seen.first_line(hash(key), self.line)
        if first:
            self._first_line = first
            return True
        return False

    def duplicate_error(self, line: int, column: str, value: Any, message: str) -> None:
        """``error()`` for the duplicate ``seen_before`` just found, naming the line
        where the key first appeared."""
        self.error(
            line,
            column,
            value,
            # Translators: a duplicate key's error, then the line where the key first came.
            _("%(message)s : déjà ligne %(line)d.")
            % {"message": message.rstrip("."), "line": self._first_line},
        )

    def repeated(self, line: int, column: str, value: Any, message, *key: Any) -> bool:
        """``seen_before(*key)``, reported by ``duplicate_error`` when it is so.
        ``message``: a lazy string or a function that makes it, since it is only
        needed for the few rows that repeat a key (not translated on every row)."""
        if self.seen_before(*key):
            self.duplicate_error(
                line, column, value, message() if callable(message) else str(message)
            )
            return True
        return False

    def choice(
        self, line: int, row: dict[str, Any], column: str, values: dict[str, Any], message
    ) -> Any | None:
        """What a cell names among ``values`` (keyed by ``header_key``): None for an
        empty cell; an unknown value is an error (``message``, lazy or a function
        that makes it, as for ``repeated``) and gives None too."""

        raw = text(row.get(column))
        if not raw:
            return None
        found = values.get(header_key(raw))
        if found is None:
            self.error(line, column, raw, message() if callable(message) else str(message))
        return found

    def parse_row(self, line: int, row: dict[str, Any]) -> Any | None:  # pragma: no cover
        raise NotImplementedError

    def write_batch(self, records: list[Any]) -> None:  # pragma: no cover
        raise NotImplementedError

    def unstage(self, shifts: dict) -> None:
        """The staged rows are now in their tables (``staged_models``, SQLite), their
        keys moved by ``shifts[model]``: move the staged keys kept in memory too."""

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
                        _(
                            "colonne inconnue « %(name)s » (colonnes attendues : %(columns)s ; "
                            "--ignore-unknown pour l'ignorer)."
                        )
                        % {"name": name, "columns": ", ".join(importer.columns)},
                    )
                )
            continue
        if canonical in found:
            errors.append(
                RowError(
                    1,
                    name,
                    name,
                    _("la colonne « %(column)s » apparaît deux fois.") % {"column": canonical},
                )
            )
            continue
        found.add(canonical)
        mapping.append((index, canonical))
    for column in importer.required_columns:
        if column not in found:
            errors.append(
                RowError(
                    1,
                    column,
                    "",
                    _("colonne obligatoire « %(column)s » absente.") % {"column": column},
                )
            )
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


def parse_inline(importer: Importer, source: RowSource, mapping, counter: list[int]):
    """The valid rows of ``source`` as ``parse_row`` records, in batches of
    ``importer.batch_size``, each with the source position after it; ``counter[0]``
    counts the rows read."""
    width = len(source.header)
    size = importer.batch_size
    batch: list[Any] = []
    for line, values in source.rows():
        counter[0] += 1
        if len(values) > width and any(text_cell(v) for v in values[width:]):
            importer.error(
                line,
                "",
                "",
                _(
                    "%(values)d valeurs pour %(columns)d colonnes "
                    "(séparateur ou guillemets mal placés ?)."
                )
                % {"values": len(values), "columns": width},
            )
            continue
        try:
            joined = "\t".join(values)
        except TypeError:  # XLSX: numbers and dates among the texts
            joined = "\t".join(v for v in values if isinstance(v, str))
        if _CONTROL.search(joined) and control_errors(importer, line, values, mapping):
            continue
        if "\r" in joined:
            values = [
                v.replace("\r\n", "\n").replace("\r", "\n") if isinstance(v, str) else v
                for v in values
            ]
        if len(values) >= width:
            row = {name: values[index] for index, name in mapping}
        else:
            row = {name: (values[index] if index < len(values) else "") for index, name in mapping}
        importer.line = line
        record = importer.parse_row(line, row)
        if record is not None:
            batch.append(record)
            if len(batch) >= size:
                yield batch, source.progress()
                batch = []
    if batch:
        yield batch, source.progress()


# C0 controls but tab, newline and carriage return, DEL and C1 controls: nothing a
# person types; a NUL cannot even be stored by PostgreSQL. (CR is made LF.)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_errors(importer: Importer, line: int, values: list[Any], mapping) -> bool:
    """Records an error for each imported cell holding a control character; True if any."""
    found = False
    for index, name in mapping:
        value = values[index] if index < len(values) else ""
        match = _CONTROL.search(value) if isinstance(value, str) else None
        if match:
            found = True
            importer.error(
                line,
                name,
                value.translate(_VISIBLE_CONTROLS),
                _(
                    "caractère de contrôle U+%(code)04X interdit (le fichier est-il un "
                    "export texte ?)."
                )
                % {"code": ord(match.group())},
            )
    return found


# How a control character is shown in an error: its Unicode « control picture ».
_VISIBLE_CONTROLS = {c: 0x2400 + c for c in range(0x20)} | {0x7F: 0x2421}


#: Files from this size (bytes of CSV, rows of XLSX × 100) are parsed in a child process.
CHILD_FROM = 4 << 20


def _use_child(source: RowSource) -> bool:
    if not hasattr(os, "fork"):
        return False
    size = source.total if source.format == "csv" else source.total * 100
    return size >= CHILD_FROM


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
        result.aborted = True
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
            result.aborted = True
            result.seconds = time.perf_counter() - started
            return result
        bar = _progress_bar(source, progress)
        counter = [0]  # rows read
        try:
            # SQLite: the rows are staged while the file is read, outside any write
            # transaction; only the apply and the end-of-file work take the
            # database's one write lock (bulk.Stage). Elsewhere one transaction.
            staging = stages(importer.staged_models)
            with (
                import_lock(),
                bulk_staging(importer.staged_models) if staging else nullcontext() as stage,
                nullcontext() if staging else transaction.atomic(),
            ):
                batches = 0
                parsed = parse_in_child if _use_child(source) else parse_inline
                for batch, position in parsed(importer, source, mapping, counter):
                    importer.write_batch(batch)
                    batches += 1
                    # After 1, 2, 4, 8, 16 batches: then the statistics say the
                    # table is large, and the planner scales them to its size.
                    if batches <= 16 and batches & (batches - 1) == 0:
                        analyze(importer.analyze_tables, counter[0], columns_only=True)
                    if bar is not None:
                        bar.update(position - bar.n)
                if batches > 16 or batches & (batches - 1):
                    # And at the end, as PostgreSQL advises after a bulk load: the
                    # next import's lookups (and the end-of-file rules) are planned
                    # on the table as it now is.
                    analyze(importer.analyze_tables, counter[0])
                with transaction.atomic() if staging else nullcontext():
                    if stage is not None:
                        importer.unstage(stage.apply())
                    # The deferred foreign-key checks of the staged rows, before
                    # finish() locks anything (bulk.check_constraints).
                    check_constraints()
                    importer.finish()
                    result.rows = counter[0]
                    keep = not dry_run and (skip_invalid or not importer.errors)
                    if not keep:
                        transaction.set_rollback(True)
                    result.written = keep
        except SourceError as exc:
            importer.errors.append(RowError(0, "", "", str(exc)))
            result.rows = counter[0]
            result.aborted = True
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
    """The errors as a CSV that Excel opens in France: ``;`` and a UTF-8 BOM; the
    file's own values are copied in, so no cell may be a formula (``cell_safe``)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv_writer(out, delimiter=";")
        writer.writerow(["ligne", "colonne", "valeur", "erreur"])
        for error in errors:
            writer.writerow([error.line or "", error.column, error.value, error.message])
