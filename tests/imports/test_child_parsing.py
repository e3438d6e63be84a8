"""Large files are parsed in a forked process while this one writes
(``recouvrement.importing.base.parse_in_child``): same rows, same errors with the
same lines, same rollback as when parsed inline; a failure of the child reaches the
command."""

from __future__ import annotations

import multiprocessing

import pytest

from contacts.importers import ContactImporter
from contacts.models import ContactPoint
from dossiers.importers import ReceivableImporter
from dossiers.models import Dossier, Receivable
from recouvrement.importing import base, reader
from tests import factories

from .test_contacts import HEADER, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def parse_in(monkeypatch):
    """``parse_in("child")`` or ``parse_in("inline")``: where the next imports parse."""

    def choose(where: str) -> None:
        monkeypatch.setattr(base, "CHILD_FROM", 0 if where == "child" else 1 << 60)

    return choose


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(ContactImporter, "batch_size", 3)
    monkeypatch.setattr(ReceivableImporter, "batch_size", 3)


def contact_rows() -> list[list[str]]:
    rows = [HEADER]
    for n in range(12):
        default = "oui" if n == 4 else ""
        rows.append(row(contact=f"c{n}", tel=f"06123456{n:02d}", statut="valide", defaut=default))
    rows[3] = row(contact="c2", tel="06 12")  # invalid phone: found by the parser
    rows[8] = row(ref="D-404", contact="c7", tel="0611111111")  # unknown file: by the writer
    rows[11] = row(contact="c0", tel="0612345600", statut="valide")  # duplicate of line 2
    return rows


def test_the_child_finds_the_same_errors_on_the_same_lines(
    csv_file, run_import, parse_in, small_batches
):
    factories.DossierFactory(reference="D-1")
    path = csv_file(contact_rows())
    outputs = {}
    for where in ("inline", "child"):
        parse_in(where)
        run = run_import("import_contacts", path)
        assert not run.ok
        outputs[where] = run.err
        assert not ContactPoint.objects.exists()  # atomic: nothing written
    assert outputs["child"] == outputs["inline"]
    assert "ligne 4, colonne « telephone »" in outputs["child"]
    assert "ligne 9, colonne « reference_dossier » : dossier inconnu" in outputs["child"]
    assert "ligne 12, colonne « contact »" in outputs["child"]
    assert "déjà ligne 2" in outputs["child"]


def test_the_child_feeds_every_batch_to_the_writer(csv_file, run_import, parse_in, small_batches):
    factories.DossierFactory(reference="D-1")
    parse_in("child")
    run = run_import("import_contacts", csv_file(contact_rows()), "--skip-invalid")
    assert run.ok, run.err
    assert "9 créé(s)" in run.out and "3 ligne(s) rejetée(s)" in run.out
    assert "12 ligne(s) lue(s)" in run.out
    assert ContactPoint.objects.count() == 9
    # The default the file names, on line 6.
    assert ContactPoint.objects.get(is_default=True).phone == "+33612345604"


def test_receivables_parsed_in_a_child_refresh_the_totals(
    csv_file, run_import, parse_in, small_batches
):
    dossier = factories.DossierFactory(reference="D-1")
    header = ["reference_dossier", "numero", "date_emission", "date_echeance", "montant", "solde"]
    rows = [header] + [
        ["D-1", f"F{n}", "01/01/2026", f"{n + 1:02d}/02/2026", "100,00", "10,50"] for n in range(10)
    ]
    parse_in("child")
    run = run_import("import_creances", csv_file(rows))
    assert run.ok, run.err
    dossier.refresh_from_db()
    assert Receivable.objects.filter(dossier=dossier).count() == 10
    assert str(dossier.outstanding) == "105.00"
    assert dossier.oldest_due_date.isoformat() == "2026-02-01"


def test_unreadable_bytes_found_by_the_child_are_reported_and_nothing_is_written(
    tmp_path, run_import, parse_in
):
    factories.DossierFactory(reference="D-1")
    # Beyond the reader's first megabyte, so that the child meets them.
    lines = [";".join(HEADER)] + [
        ";".join(row(contact=f"c{n}", canal="email", email=f"p{n}@exemple.fr"))
        for n in range(20_000)
    ]
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    assert len(data) > reader.CHUNK
    path = tmp_path / "broken.csv"
    path.write_bytes(data + b"D-1;c9;Mme;Dur\xff\xfend;A;;telephone;0611111111;;;;;;\r\n")
    parse_in("child")
    run = run_import("import_contacts", path, "--encoding", "utf-8")
    assert not run.ok
    # The line is the one the decoder reached (it reads ahead), as when inline.
    assert "octets illisibles dans l'encodage utf-8" in run.err
    assert "Rien n'a été écrit." in run.out
    assert "0 ligne(s) lue(s)" not in run.out  # the rows read before the bad bytes
    assert not ContactPoint.objects.exists()
    assert not multiprocessing.active_children()


def test_an_unexpected_failure_of_the_child_reaches_the_command(
    csv_file, parse_in, small_batches, monkeypatch
):
    factories.DossierFactory(reference="D-1")

    def broken(self, line, values):
        raise RuntimeError(f"panne ligne {line}")

    monkeypatch.setattr(ContactImporter, "parse_row", broken)
    parse_in("child")
    from django.core.management import call_command

    with pytest.raises(RuntimeError, match="panne ligne 2"):
        call_command("import_contacts", str(csv_file(contact_rows())), "--no-progress")
    assert not ContactPoint.objects.exists()
    assert Dossier.objects.count() == 1
    assert not multiprocessing.active_children()


def test_a_child_killed_midway_is_a_clear_error_and_nothing_is_written(
    csv_file, run_import, parse_in, small_batches, monkeypatch
):
    factories.DossierFactory(reference="D-1")
    parse = ContactImporter.parse_row

    def dies_on_line_8(self, line, values):
        if line == 8:
            import os

            os._exit(9)  # as the kernel's out-of-memory killer would end it
        return parse(self, line, values)

    monkeypatch.setattr(ContactImporter, "parse_row", dies_on_line_8)
    parse_in("child")
    run = run_import("import_contacts", csv_file(contact_rows()), "--skip-invalid")
    assert not run.ok
    assert "La lecture du fichier s'est arrêtée en cours de route" in run.err
    assert "code 9" in run.err
    assert not ContactPoint.objects.exists()
    assert not multiprocessing.active_children()


def test_a_batch_crosses_the_pipe_as_it_was():
    """Records of one dataclass go as values (``child.pack``) and come back equal;
    anything else (mixed types, other objects) goes as it is."""
    import datetime
    import pickle
    from decimal import Decimal

    from dossiers.importers.receivables import ReceivableRow
    from recouvrement.importing import child

    rows = [
        ReceivableRow(2, "D-1", "F-1", datetime.date(2026, 1, 5), None, Decimal("10.50"), None),
        ReceivableRow(3, "D-1", "F-2", None, None, None, Decimal("0.00"), dossier_id=7),
    ]
    packed = child.pack(rows)
    assert isinstance(packed, tuple)
    assert child.unpack(pickle.loads(pickle.dumps(packed))) == rows  # noqa: S301 - our own bytes
    for other in ([], [{"a": 1}], [rows[0], {"a": 1}]):
        assert child.pack(other) is other
        assert child.unpack(other) is other
