"""import_paiements: allocation in bulk, idempotent on the payment's reference,
atomic, errors by line and column, and a number of queries that does not grow
with the rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers.models import Dossier, JournalEntry
from paiements.models import Payment
from tests import factories

from .helpers import receivable

pytestmark = pytest.mark.django_db
D = Decimal
HEADER = ["reference_dossier", "reference", "date", "montant", "mode", "numero"]
DUE = datetime.date(2026, 1, 31)


@pytest.fixture
def file_a():
    dossier = factories.DossierFactory(reference="D-1")
    receivable(dossier, "F1", "100.00", due=DUE)
    receivable(dossier, "F2", "200.00", due=DUE + datetime.timedelta(days=30))
    return dossier


def balances(dossier):
    return dict(dossier.receivables.values_list("number", "balance"))


def test_allocates_named_invoice_oldest_first_and_credit(csv_file, run_import, file_a):
    path = csv_file(
        [
            HEADER,
            ["D-1", "P1", "01/03/2026", "150,00", "virement", ""],
            ["D-1", "P2", "2026-03-02", "1 000", "Chèque", "F2"],
        ]
    )
    run = run_import("import_paiements", path)
    assert run.ok, run.err + run.error
    assert "2 créé(s)" in run.out
    assert balances(file_a) == {"F1": D("0.00"), "F2": D("0.00")}
    p1, p2 = Payment.objects.order_by("reference")
    assert sorted(p1.allocations.values_list("receivable__number", "amount")) == [
        ("F1", D("100.00")),
        ("F2", D("50.00")),
    ]
    assert list(p2.allocations.values_list("receivable__number", "amount")) == [("F2", D("150.00"))]
    assert p2.unallocated == D("850.00") and p2.mode == "cheque"
    file_a.refresh_from_db()
    assert file_a.outstanding == 0 and file_a.oldest_due_date is None
    entries = JournalEntry.objects.filter(dossier=file_a, action="payment")
    assert entries.count() == 2
    assert all(e.actor_kind == "import" for e in entries)


def test_a_file_imported_twice_creates_nothing_the_second_time(csv_file, run_import, file_a):
    path = csv_file([HEADER, ["D-1", "P1", "01/03/2026", "50", "virement", ""]])
    assert run_import("import_paiements", path).ok
    run = run_import("import_paiements", path)
    assert run.ok and "0 créé(s), 0 modifié(s), 1 inchangé(s)" in run.out
    assert Payment.objects.count() == 1
    assert balances(file_a)["F1"] == D("50.00")


def test_atomic_by_default_and_errors_name_line_and_column(csv_file, run_import, file_a, tmp_path):
    path = csv_file(
        [
            HEADER,
            ["D-1", "P1", "01/03/2026", "50", "virement", ""],
            ["D-1", "P2", "32/13/2026", "50", "virement", ""],
            ["D-1", "P3", "01/03/2026", "-5", "virement", ""],
            ["D-1", "P4", "01/03/2026", "5", "troc", ""],
            ["D-X", "P5", "01/03/2026", "5", "virement", ""],
            ["D-1", "P6", "01/03/2026", "5", "virement", "F9"],
            ["D-1", "P1", "01/03/2026", "50", "virement", ""],
        ]
    )
    errors = tmp_path / "errors.csv"
    run = run_import("import_paiements", path, "--errors", str(errors))
    assert not run.ok
    text = run.err + run.out + run.error
    for expected in (
        "ligne 3, colonne « date »",
        "ligne 4, colonne « montant »",
        "ligne 5, colonne « mode »",
        "ligne 6, colonne « reference_dossier »",
        "ligne 7, colonne « numero »",
        "ligne 8, colonne « reference »",
    ):
        assert expected in text, expected
    assert "déjà ligne 2" in text
    assert not Payment.objects.exists()
    assert balances(file_a)["F1"] == D("100.00")
    assert errors.read_text(encoding="utf-8-sig").count("\n") >= 7


def test_skip_invalid_writes_the_valid_rows(csv_file, run_import, file_a):
    path = csv_file(
        [
            HEADER,
            ["D-1", "P1", "01/03/2026", "50", "virement", ""],
            ["D-1", "P2", "01/03/2026", "abc", "virement", ""],
        ]
    )
    run = run_import("import_paiements", path, "--skip-invalid")
    assert run.ok
    assert list(Payment.objects.values_list("reference", flat=True)) == ["P1"]


def test_dry_run_writes_nothing(csv_file, run_import, file_a):
    path = csv_file([HEADER, ["D-1", "P1", "01/03/2026", "50", "virement", ""]])
    run = run_import("import_paiements", path, "--dry-run")
    assert run.ok
    assert not Payment.objects.exists()
    assert balances(file_a)["F1"] == D("100.00")


def _queries_for(csv_file, run_import, files: int) -> int:
    rows = [HEADER]
    for n in range(files):
        dossier = factories.DossierFactory(reference=f"Q{files}-{n}")
        receivable(dossier, f"Q{files}-{n}-F", "100.00", due=DUE)
        rows.append([dossier.reference, f"PQ{files}-{n}", "01/03/2026", "60", "virement", ""])
        rows.append([dossier.reference, f"PQ{files}-{n}b", "01/03/2026", "60", "carte", ""])
    path = csv_file(rows)
    with CaptureQueriesContext(connection) as queries:
        run = run_import("import_paiements", path)
    assert run.ok, run.err
    return len(queries)


def test_no_query_per_row(csv_file, run_import):
    small = _queries_for(csv_file, run_import, 3)
    large = _queries_for(csv_file, run_import, 40)
    assert large == small
    assert Payment.objects.filter(reference__startswith="PQ40").count() == 80
    dossier = Dossier.objects.get(reference="Q40-7")
    assert dossier.outstanding == 0
    assert Payment.objects.get(reference="PQ40-7b").unallocated == D("20.00")
