"""import_creances: totals refreshed in bulk, errors, idempotence, no query per row."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers.models import JournalEntry, Receivable
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["reference_dossier", "numero", "date_emission", "date_echeance", "montant", "solde"]


def test_creates_receivables_and_refreshes_the_file_totals(csv_file, run_import):
    dossier = factories.DossierFactory(reference="D-1")
    path = csv_file(
        [
            HEADER,
            ["D-1", "F1", "01/01/2026", "31/01/2026", "1 000,00", "400,50"],
            ["D-1", "F2", "2026-02-01", "2026-03-01", "200", "200"],
        ]
    )
    run = run_import("import_creances", path)
    assert run.ok, run.err
    dossier.refresh_from_db()
    assert dossier.outstanding == Decimal("600.50")
    assert dossier.oldest_due_date == datetime.date(2026, 1, 31)
    entry = JournalEntry.objects.get(dossier=dossier)
    assert entry.action == "receivable_imported"
    assert "2 créance(s) ajoutée(s)" in entry.message
    # The data are written as JSON text in bulk and read back as a document.
    assert entry.data == {"import": path.name, "created": 2, "updated": 0}


def test_reimport_is_idempotent_and_update_keeps_empty_cells(csv_file, run_import):
    dossier = factories.DossierFactory(reference="D-1")
    path = csv_file([HEADER, ["D-1", "F1", "01/01/2026", "31/01/2026", "1000", "400"]])
    assert run_import("import_creances", path).ok
    run = run_import("import_creances", path)
    assert "0 créé(s), 0 modifié(s), 1 inchangé(s)" in run.out
    # A payment arrives: only the balance is given.
    run = run_import("import_creances", csv_file([HEADER, ["D-1", "F1", "", "", "", "150"]]))
    assert run.ok and "1 modifié(s)" in run.out
    receivable = Receivable.objects.get()
    assert (receivable.amount, receivable.balance) == (Decimal("1000.00"), Decimal("150.00"))
    dossier.refresh_from_db()
    assert dossier.outstanding == Decimal("150.00")


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            ["D-X", "F9", "01/01/2026", "01/02/2026", "10", "10"],
            "reference_dossier",
            "dossier inconnu",
        ),
        (["D-1", "F9", "31/02/2026", "01/03/2026", "10", "10"], "date_emission", "date qui existe"),
        (["D-1", "F9", "hier", "01/03/2026", "10", "10"], "date_emission", "n'est pas une date"),
        (["D-1", "F9", "01/01/2026", "01/02/2026", "dix", "10"], "montant", "n'est pas un montant"),
        (["D-1", "F9", "01/01/2026", "01/02/2026", "10", "-1"], "solde", "négatif"),
        (["D-1", "F9", "01/01/2026", "01/02/2026", "10", "20"], "solde", "dépasse le montant"),
        (["D-1", "F9", "01/03/2026", "01/02/2026", "10", "10"], "date_echeance", "précède"),
        (
            ["D-1", "F9", "", "01/02/2026", "10", "10"],
            "date_emission",
            "obligatoire pour une nouvelle",
        ),
        (["D-1", "F1", "01/01/2026", "01/02/2026", "10", "10"], "numero", "en double"),
    ],
)
def test_errors(csv_file, run_import, row, column, message):
    factories.DossierFactory(reference="D-1")
    path = csv_file([HEADER, ["D-1", "F1", "01/01/2026", "01/02/2026", "10", "5"], row])
    run = run_import("import_creances", path)
    assert not run.ok
    assert f"ligne 3, colonne « {column} »" in run.err
    assert message in run.err
    assert not Receivable.objects.exists()


def test_balance_above_amount_after_merge_with_the_database(csv_file, run_import):
    factories.ReceivableFactory(
        dossier=factories.DossierFactory(reference="D-1"),
        number="F1",
        amount=Decimal("100"),
        balance=Decimal("50"),
    )
    run = run_import("import_creances", csv_file([HEADER, ["D-1", "F1", "", "", "", "150"]]))
    assert not run.ok
    assert "dépasse le montant" in run.err


def test_queries_do_not_grow_with_the_rows(csv_file, run_import):
    dossiers = [factories.DossierFactory(reference=f"D-{i}") for i in range(30)]
    small = csv_file(
        [HEADER]
        + [[d.reference, "F1", "01/01/2026", "01/02/2026", "10", "5"] for d in dossiers[:3]]
    )
    big = csv_file(
        [HEADER]
        + [
            [d.reference, f"F{n}", "01/01/2026", "01/02/2026", "10", "5"]
            for d in dossiers
            for n in range(2, 8)
        ]
    )
    with CaptureQueriesContext(connection) as few:
        assert run_import("import_creances", small).ok
    with CaptureQueriesContext(connection) as many:
        assert run_import("import_creances", big).ok
    assert Receivable.objects.count() == 3 + 180
    assert len(many) <= len(few) + 2


def test_totals_are_right_when_a_files_receivables_come_scattered(
    csv_file, run_import, monkeypatch
):
    """Totals are written batch by batch, for the files the next batch does not
    mention: a file that comes back later is recomputed again, still right."""
    from dossiers.importers import ReceivableImporter

    monkeypatch.setattr(ReceivableImporter, "batch_size", 2)
    first = factories.DossierFactory(reference="D-1")
    second = factories.DossierFactory(reference="D-2")
    rows = [HEADER]
    for n in range(7):
        reference = "D-1" if n % 3 == 0 else "D-2"
        rows.append([reference, f"F{n}", "01/01/2026", f"{n + 1:02d}/03/2026", "50", f"{n + 1}"])
    run = run_import("import_creances", csv_file(rows))
    assert run.ok, run.err
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.outstanding == Decimal(1 + 4 + 7)
    assert first.oldest_due_date == datetime.date(2026, 3, 1)
    assert second.outstanding == Decimal(2 + 3 + 5 + 6)
    assert second.oldest_due_date == datetime.date(2026, 3, 2)
    assert JournalEntry.objects.filter(dossier=first).count() == 1
