"""Files as French tools write them: encodings, BOM, delimiters, quoted newlines,
XLSX, headers without accents or case, French numbers and dates."""

from __future__ import annotations

import datetime
from decimal import Decimal

import openpyxl
import pytest

from dossiers.models import Dossier, Receivable
from recouvrement.importing.values import parse_amount, parse_date, parse_datetime
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")],
    ids=["utf8", "utf8-bom", "windows-1252"],
)
@pytest.mark.parametrize("delimiter", [";", ","])
def test_encodings_bom_and_delimiters_are_detected(
    tmp_path, run_import, encoding, prefix, delimiter
):
    body = delimiter.join(["Référence", "Nom"]) + "\r\n" + delimiter.join(["D-1", "Hélène Œuvré"])
    path = tmp_path / "f.csv"
    path.write_bytes(prefix + body.encode(encoding) + b"\r\n")
    run = run_import("import_dossiers", path)
    assert run.ok, run.err
    assert Dossier.objects.get(reference="D-1").name == "Hélène Œuvré"


def test_encoding_and_delimiter_can_be_forced(tmp_path, run_import):
    path = tmp_path / "f.csv"
    path.write_bytes("reference|nom\r\nD-1|Chloé\r\n".encode("cp1252"))
    run = run_import("import_dossiers", path, "--delimiter", "|", "--encoding", "windows-1252")
    assert run.ok, run.err
    assert Dossier.objects.get(reference="D-1").name == "Chloé"


def test_unknown_encoding_is_a_clear_error(csv_file, run_import):
    path = csv_file([["reference", "nom"], ["D-1", "A"]])
    run = run_import("import_dossiers", path, "--encoding", "klingon")
    assert not run.ok
    assert "Encodage inconnu" in run.err


def test_quoted_fields_with_newlines_keep_the_line_numbers(tmp_path, run_import):
    dossier = factories.DossierFactory(reference="D-1")
    path = tmp_path / "c.csv"
    path.write_text(
        "reference_dossier;contact;nom;observation;canal;email\r\n"
        'D-1;c1;Dupont;"Comptable,\r\nà joindre le matin";email;a@example.fr\r\n'
        "D-1;c2;Durand;;email;pas-un-email\r\n",
        encoding="utf-8",
    )
    run = run_import("import_contacts", path)
    assert not run.ok
    # The second record starts on physical line 4, after the quoted newline.
    assert "ligne 4, colonne « email »" in run.err
    run = run_import("import_contacts", path, "--skip-invalid")
    assert run.ok
    contact = dossier.contacts.get()
    # The line break is kept, as LF: a CR is a control character (issue 14, finding 9).
    assert contact.observation == "Comptable,\nà joindre le matin"


def test_xlsx_with_dates_and_numbers_as_cells(tmp_path, run_import):
    dossier = factories.DossierFactory(reference="D-1")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        ["Référence dossier", "Numéro", "Date d'émission", "Date d'échéance", "Montant", "Solde"]
    )
    sheet.append(
        ["D-1", 1001, datetime.datetime(2026, 1, 5), datetime.date(2026, 2, 5), 1234.56, 100]
    )
    sheet.append(["D-1", "F-2", "28/11/2026", "2026-12-28", "1 234,56", "0,5"])
    path = tmp_path / "creances.xlsx"
    workbook.save(path)
    run = run_import("import_creances", path)
    assert run.ok, run.err
    first, second = Receivable.objects.filter(dossier=dossier).order_by("number")
    assert (first.number, first.issue_date, first.amount, first.balance) == (
        "1001",
        datetime.date(2026, 1, 5),
        Decimal("1234.56"),
        Decimal("100.00"),
    )
    assert (second.issue_date, second.due_date, second.balance) == (
        datetime.date(2026, 11, 28),
        datetime.date(2026, 12, 28),
        Decimal("0.50"),
    )


def test_xlsx_errors_name_the_sheet_row(tmp_path, run_import):
    workbook = openpyxl.Workbook()
    workbook.active.append(["reference", "nom", "statut"])
    workbook.active.append(["D-1", "A", "perdu"])
    path = tmp_path / "d.xlsx"
    workbook.save(path)
    run = run_import("import_dossiers", path)
    assert not run.ok
    assert "ligne 2, colonne « statut »" in run.err


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1 234,56", "1234.56"),
        ("1\u202f234,56 €", "1234.56"),
        ("1234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("12", "12.00"),
        (1234.5, "1234.50"),
    ],
)
def test_french_and_iso_amounts(raw, expected):
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["abc", "12,345", "1,2,3", "1e309", "-1e400", "1e12"])
def test_bad_amounts_say_why(raw):
    with pytest.raises(ValueError, match="montant|décimales"):
        parse_amount(raw)


def test_dates_french_and_iso():
    assert parse_date("28/11/2026") == datetime.date(2026, 11, 28)
    assert parse_date("2026-11-28") == datetime.date(2026, 11, 28)
    with pytest.raises(ValueError, match="n'est pas une date qui existe"):
        parse_date("31/02/2026")
    with pytest.raises(ValueError, match="JJ/MM/AAAA"):
        parse_date("demain")
    moment = parse_datetime("28/11/2026 14:30")
    assert (moment.hour, moment.minute, str(moment.tzinfo)) == (14, 30, "Europe/Paris")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-01T10:00", "2024-03-01 10:00:00+01:00"),
        ("2024-03-01 10:15:30", "2024-03-01 10:15:30+01:00"),
        ("2024-07-01T08:00:00+00:00", "2024-07-01 08:00:00+00:00"),
        ("2024-07-01T08:00:00Z", "2024-07-01 08:00:00+00:00"),
        ("20240301T101500", "2024-03-01 10:15:00+01:00"),
        ("2024-03-01", "2024-03-01 00:00:00+01:00"),
        ("20240301", "2024-03-01 00:00:00+01:00"),
        ("01/03/2024 10h15", "2024-03-01 10:15:00+01:00"),
    ],
)
def test_event_moments_keep_their_time_and_offset(raw, expected):
    assert parse_datetime(raw).isoformat(" ") == expected


@pytest.mark.parametrize("raw", ["2024-03-01T25:00", "2024-03-01 plus tard", "32/01/2024"])
def test_impossible_moments_are_refused(raw):
    with pytest.raises(ValueError, match="date"):
        parse_datetime(raw)


def test_a_file_that_cannot_be_read_fails_even_with_skip_invalid(csv_file, run_import, tmp_path):
    """--skip-invalid skips bad rows; a file without its key column, or one that is
    not there, is not a file of bad rows: the command fails (exit status 1)."""
    run = run_import("import_dossiers", csv_file([["nom"], ["Alpha"]]), "--skip-invalid")
    assert not run.ok
    assert "colonne obligatoire « reference » absente" in run.err
    assert "le fichier n'a pas pu être lu jusqu'au bout, rien n'a été importé" in run.error
    run = run_import("import_dossiers", tmp_path / "absent.csv", "--skip-invalid")
    assert not run.ok
    assert "Fichier introuvable" in run.err
