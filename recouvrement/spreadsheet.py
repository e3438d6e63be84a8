"""Cells for files that people open in a spreadsheet (CSV for Excel, XLSX).

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return before
one, or their full-width forms, which some spreadsheets read as the same) is
evaluated as a formula: ``=cmd|' /C calc'!A0`` runs a program, ``=HYPERLINK(…)``
leaks data (OWASP « CSV injection »). Such cells are written with a leading
apostrophe, which spreadsheets show as plain text. Every CSV or XLSX that the
application writes goes through ``cell_safe`` / ``csv_writer``.
"""

from __future__ import annotations

import csv
import re
from typing import Any

FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
# Numbers (a negative amount, a phone number in E.164) are not formulas: kept as they are.
_NUMBER = re.compile(r"[+-]?\d[\d \u00a0\u202f.,]*")


def cell_safe(value: Any) -> Any:
    if not isinstance(value, str) or not value or value[0] not in FORMULA_STARTS:
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


class _SafeWriter:
    def __init__(self, writer) -> None:
        self._writer = writer

    def writerow(self, row) -> Any:
        return self._writer.writerow([cell_safe(value) for value in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out, **kwargs) -> _SafeWriter:
    """``csv.writer`` whose every cell goes through ``cell_safe``."""
    return _SafeWriter(csv.writer(out, **kwargs))
