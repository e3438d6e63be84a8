"""Finding 3 (issue 14): no cell of a CSV the application writes is a formula for
a spreadsheet (OWASP « CSV injection »)."""

from __future__ import annotations

import csv

import pytest

from recouvrement.spreadsheet import cell_safe
from tests import factories
from tests.imports.test_contacts import HEADER, row

pytestmark = pytest.mark.django_db

FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1+1)", "@SUM(1)", "-2+3", "\t=1+1", "\r=1+1", "＝1+1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_cell_safe_neutralises_what_a_spreadsheet_evaluates(formula):
    assert cell_safe(formula).startswith("'")


@pytest.mark.parametrize("value", ["-12,50", "+33612345678", "Durand", "", 42, "1 234,56"])
def test_cell_safe_leaves_numbers_and_text_alone(value):
    assert cell_safe(value) == value


def test_the_errors_file_holds_no_formula(csv_file, run_import, tmp_path):
    factories.DossierFactory(reference="D-1")
    rows = [HEADER]
    for n, formula in enumerate(FORMULAS):
        rows.append(row(contact=f"c{n}", tel=formula, nom=formula))
    errors = tmp_path / "erreurs.csv"
    run = run_import("import_contacts", csv_file(rows), "--errors", str(errors))
    assert not run.ok
    with open(errors, encoding="utf-8-sig", newline="") as handle:
        cells = [cell for line in csv.reader(handle, delimiter=";") for cell in line]
    assert any("calc" in cell for cell in cells)  # the value is kept, neutralised
    dangerous = [c for c in cells if c and (c[0] in "=+-@\t\r＝＋－＠")]
    assert dangerous == []


def test_an_unknown_column_named_as_a_formula_is_neutralised(csv_file, run_import, tmp_path):
    factories.DossierFactory(reference="D-1")
    errors = tmp_path / "erreurs.csv"
    run_import(
        "import_contacts", csv_file([HEADER + ["=1+1"], row() + ["x"]]), "--errors", str(errors)
    )
    text = errors.read_text(encoding="utf-8-sig")
    assert ";'=1+1;" in text
