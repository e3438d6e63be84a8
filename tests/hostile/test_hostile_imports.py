"""Findings 8, 12, 13 (issue 14): a NUL byte, a huge header, a million columns, two
imports at once, a file mixing encodings: each a clear French error, nothing
half-written."""

from __future__ import annotations

import openpyxl
import pytest

from contacts.models import Contact, ContactPoint
from tests import factories
from tests.imports.test_contacts import HEADER, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier():
    return factories.DossierFactory(reference="D-1")


def test_a_nul_byte_in_a_cell_is_a_row_error_even_with_skip_invalid(csv_file, run_import, dossier):
    rows = [HEADER, row(contact="c1", tel="0612345678"), row(contact="c2", nom="Du\x00rand")]
    run = run_import("import_contacts", csv_file(rows), "--skip-invalid")
    assert run.ok, run.err
    assert "ligne 3, colonne « nom » : caractère de contrôle" in run.err
    assert "U+0000" in run.err
    assert ContactPoint.objects.count() == 1
    assert all("\x00" not in contact.last_name for contact in Contact.objects.all())


@pytest.mark.parametrize("char", ["\x1b", "\x0b", "\x7f"])
def test_other_control_characters_are_refused_too(csv_file, run_import, dossier, char):
    rows = [HEADER, row(contact="c1", nom=f"Durand{char}[31m")]
    run = run_import("import_contacts", csv_file(rows))
    assert not run.ok
    assert "caractère de contrôle" in run.err
    assert not Contact.objects.exists()


def test_a_carriage_return_in_a_cell_is_cleaned(csv_file, run_import, dossier):
    rows = [HEADER, row(contact="c1", canal="postal", adresse="1 rue\r\nde la Paix")]
    run = run_import("import_contacts", csv_file(rows))
    assert run.ok, run.err
    assert "\r" not in ContactPoint.objects.get().address_line1


def test_a_header_line_over_128_kib_is_a_file_error(tmp_path, run_import, dossier):
    path = tmp_path / "large.csv"
    path.write_text(";".join(HEADER) + "x" * 200_000 + "\r\n" + ";".join(row()) + "\r\n")
    run = run_import("import_contacts", path)
    assert not run.ok
    assert "en-tête" in run.err
    assert "Traceback" not in run.err


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_header_of_a_million_columns_is_one_error(tmp_path, run_import, dossier, fmt):
    columns = HEADER + [f"x{n}" for n in range(1_000_000 if fmt == "csv" else 16_000)]
    path = tmp_path / f"wide.{fmt}"
    if fmt == "csv":
        path.write_text(";".join(columns) + "\r\n")
    else:
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(columns)
        workbook.save(path)
    run = run_import("import_contacts", path)
    assert not run.ok
    assert "colonnes" in run.err
    assert len(run.err.splitlines()) < 5


@pytest.mark.django_db(transaction=True)
def test_a_second_import_while_one_runs_is_refused_plainly(csv_file, run_import, monkeypatch):
    """The first import is held in its first batch (on its own thread and database
    connection) while the second starts: the second is refused at once, with a
    sentence, and writes nothing; the first then finishes."""
    import threading

    from django.db import connection

    from contacts.importers import ContactImporter

    factories.DossierFactory(reference="D-1")
    path = csv_file([HEADER] + [row(contact=f"c{n}", tel=f"06123456{n:02d}") for n in range(5)])
    inside, release = threading.Event(), threading.Event()
    write = ContactImporter.write_batch

    def held(self, records):
        if threading.current_thread().name == "first-import":
            inside.set()
            release.wait(10)
        return write(self, records)

    monkeypatch.setattr(ContactImporter, "write_batch", held)
    results = {}

    def first():
        try:
            results["first"] = run_import("import_contacts", path)
        finally:
            connection.close()

    thread = threading.Thread(target=first, name="first-import")
    thread.start()
    try:
        assert inside.wait(10)
        second = run_import("import_contacts", path)
    finally:
        release.set()
        thread.join(30)
    assert not second.ok
    assert "Une importation est déjà en cours" in second.err
    assert "Traceback" not in second.err
    assert results["first"].ok, results["first"].err
    assert ContactPoint.objects.count() == 5


def test_a_file_mixing_utf8_and_windows_1252_lines_is_refused_naming_the_lines(
    tmp_path, run_import, dossier
):
    header = ";".join(HEADER).encode()
    utf8 = ";".join(row(contact="c1", prenom="Éric", tel="0612345678")).encode("utf-8")
    cp1252 = ";".join(row(contact="c2", prenom="Hélène", tel="0612345679")).encode("cp1252")
    path = tmp_path / "melange.csv"
    path.write_bytes(b"\r\n".join([header, utf8, cp1252]) + b"\r\n")
    run = run_import("import_contacts", path)
    assert not run.ok
    assert "mélange" in run.err
    assert "ligne 2" in run.err and "ligne 3" in run.err
    assert not Contact.objects.exists()


def test_a_windows_1252_file_is_still_read_as_such(tmp_path, run_import, dossier):
    lines = [";".join(HEADER), ";".join(row(contact="c2", prenom="Hélène", tel="0612345679"))]
    path = tmp_path / "excel.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    run = run_import("import_contacts", path)
    assert run.ok, run.err
    assert Contact.objects.get().first_name == "Hélène"


def test_an_import_in_another_process_on_its_own_in_memory_database_does_not_refuse_this_one(
    csv_file, run_import, dossier
):
    """Two test runs at once each have an in-memory database of the same name
    (« file:memorydb_default?mode=memory »): the lock was named after that name, so
    one run's import refused the other's. Here another process holds the lock its
    in-memory database of the same name would take; the import here still runs. A
    database file keeps one lock, whatever the name it is reached by."""
    import os
    import subprocess
    import sys

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the file lock is SQLite's")
    name = "file:memorydb_default?mode=memory&cache=shared"
    holder = subprocess.Popen(  # noqa: S603 (this interpreter, a fixed script)
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "from recouvrement.importing.locking import sqlite_lock_path\n"
            f"fd = os.open(sqlite_lock_path({name!r}), os.O_CREAT | os.O_RDWR, 0o600)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
            "print('held', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        run = run_import("import_contacts", csv_file([HEADER, row(contact="c1", tel="0612345678")]))
        assert run.ok, run.err
        assert ContactPoint.objects.count() == 1
    finally:
        holder.stdin.close()
        holder.wait(10)
        holder.stdout.close()


def test_a_database_file_has_one_lock_whatever_path_names_it(tmp_path, monkeypatch):
    from recouvrement.importing.locking import sqlite_lock_path

    (tmp_path / "db.sqlite3").touch()
    monkeypatch.chdir(tmp_path)
    assert sqlite_lock_path("db.sqlite3") == sqlite_lock_path(str(tmp_path / "db.sqlite3"))
    assert sqlite_lock_path("db.sqlite3") != sqlite_lock_path(str(tmp_path / "other.sqlite3"))
