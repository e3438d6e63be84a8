"""import_dossiers: creation, idempotence, updates that keep what the file leaves
empty, every error kind, atomicity, --skip-invalid, --dry-run, --errors."""

from __future__ import annotations

import csv

import pytest

from dossiers.models import Dossier, JournalEntry
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["reference", "nom", "type", "siren", "charge", "statut"]
SIREN_OK = "732829320"  # valid Luhn key


def test_creates_files_and_journals_them(csv_file, run_import, owner):
    path = csv_file(
        [
            HEADER,
            ["D-1", "Boulangerie Martin", "professionnel", SIREN_OK, "agnes", "en_cours"],
            ["D-2", "Jeanne Petit", "particulier", "", "", ""],
        ]
    )
    run = run_import("import_dossiers", path)
    assert run.ok, run.err
    assert "2 créé(s), 0 modifié(s), 0 inchangé(s), 0 ligne(s) rejetée(s)" in run.out
    assert "lignes/s" in run.out
    d1 = Dossier.objects.get(reference="D-1")
    assert (d1.name, d1.kind, d1.siren, d1.assigned_to, d1.status) == (
        "Boulangerie Martin",
        "professionnel",
        SIREN_OK,
        owner,
        "en_cours",
    )
    entry = JournalEntry.objects.get(dossier=d1)
    assert entry.actor_kind == "import"
    assert "Dossier créé par import" in entry.message


def test_same_file_twice_changes_nothing_and_says_so(csv_file, run_import, owner):
    path = csv_file([HEADER, ["D-1", "Martin", "professionnel", SIREN_OK, "agnes", "paiement"]])
    assert run_import("import_dossiers", path).ok
    journal = JournalEntry.objects.count()
    run = run_import("import_dossiers", path)
    assert run.ok
    assert "0 créé(s), 0 modifié(s), 1 inchangé(s)" in run.out
    assert "déjà été importé" in run.out
    assert JournalEntry.objects.count() == journal


def test_update_changes_only_what_the_file_says(csv_file, run_import, owner, colleague):
    dossier = factories.DossierFactory(
        reference="D-1", name="Ancien nom", status=Dossier.Status.PAYMENT, assigned_to=owner
    )
    # Empty statut keeps what agents set in the application.
    path = csv_file([HEADER, ["D-1", "Nouveau nom", "", "", "bruno", ""]])
    run = run_import("import_dossiers", path)
    assert run.ok, run.err
    assert "1 modifié(s)" in run.out
    dossier.refresh_from_db()
    assert dossier.name == "Nouveau nom"
    assert dossier.status == Dossier.Status.PAYMENT
    assert dossier.assigned_to == colleague
    entry = JournalEntry.objects.get(dossier=dossier)
    assert "nom « Ancien nom » → « Nouveau nom »" in entry.message
    assert "collaborateur agnes → bruno" in entry.message


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["D-9", "X", "", "", "inconnu", ""], "charge", "collaborateur inconnu"),
        (["D-9", "X", "professionnel", "732829321", "", ""], "siren", "clé de contrôle (Luhn)"),
        (["D-9", "X", "professionnel", "12345", "", ""], "siren", "exactement 9 chiffres"),
        (["D-9", "X", "particulier", SIREN_OK, "", ""], "siren", "que pour un professionnel"),
        (["D-9", "X", "", "", "", "en_vacances"], "statut", "statut inconnu"),
        (["D-9", "X", "entreprise", "", "", ""], "type", "type inconnu"),
        (["D-9", "", "", "", "", ""], "nom", "nom est obligatoire pour créer"),
        (["", "X", "", "", "", ""], "reference", "référence du dossier est obligatoire"),
    ],
)
def test_each_error_names_line_column_value_and_reason(
    csv_file, run_import, owner, row, column, message
):
    path = csv_file([HEADER, ["D-1", "Valide", "", "", "", ""], row])
    run = run_import("import_dossiers", path)
    assert not run.ok
    assert f"ligne 3, colonne « {column} »" in run.err
    assert message in run.err
    assert "rien n'a été importé" in run.error
    # Atomic: the valid row was not written either.
    assert not Dossier.objects.exists()


def test_duplicate_reference_in_the_file(csv_file, run_import):
    path = csv_file([HEADER, ["D-1", "A", "", "", "", ""], ["D-1", "B", "", "", "", ""]])
    run = run_import("import_dossiers", path)
    assert not run.ok
    assert "ligne 3, colonne « reference » : référence en double" in run.err
    # The message names the line where the reference first appeared.
    assert "déjà ligne 2." in run.err


def test_every_error_of_the_file_is_reported_and_written_to_errors_csv(
    csv_file, run_import, tmp_path
):
    path = csv_file(
        [
            HEADER,
            ["D-1", "A", "", "", "nobody", "zzz"],
            ["D-2", "B", "", "", "", ""],
            ["D-3", "C", "professionnel", "111", "", ""],
        ]
    )
    errors = tmp_path / "erreurs.csv"
    run = run_import("import_dossiers", path, "--errors", str(errors))
    assert not run.ok
    assert "3 erreur(s) sur 2 ligne(s)" in run.error
    with open(errors, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0] == ["ligne", "colonne", "valeur", "erreur"]
    assert [r[:3] for r in rows[1:]] == [
        ["2", "charge", "nobody"],
        ["2", "statut", "zzz"],
        ["4", "siren", "111"],
    ]
    assert all(r[3] for r in rows[1:])
    assert not Dossier.objects.exists()


def test_skip_invalid_writes_the_valid_rows(csv_file, run_import):
    path = csv_file([HEADER, ["D-1", "A", "", "", "", ""], ["D-2", "B", "", "", "nobody", ""]])
    run = run_import("import_dossiers", path, "--skip-invalid")
    assert run.ok
    assert "1 créé(s)" in run.out and "1 ligne(s) rejetée(s)" in run.out
    assert "ligne 3" in run.err
    assert list(Dossier.objects.values_list("reference", flat=True)) == ["D-1"]


def test_dry_run_reports_and_writes_nothing(csv_file, run_import):
    factories.DossierFactory(reference="D-1", name="A")
    path = csv_file([HEADER, ["D-1", "A2", "", "", "", ""], ["D-2", "B", "", "", "", ""]])
    run = run_import("import_dossiers", path, "--dry-run")
    assert run.ok
    assert "1 créé(s), 1 modifié(s)" in run.out
    assert "rien n'a été écrit" in run.out
    assert list(Dossier.objects.values_list("reference", "name")) == [("D-1", "A")]
    assert not JournalEntry.objects.exists()


def test_dry_run_with_errors_exits_non_zero(csv_file, run_import):
    path = csv_file([HEADER, ["D-1", "", "", "", "", ""]])
    run = run_import("import_dossiers", path, "--dry-run")
    assert not run.ok
    assert "l'import serait refusé" in run.error


def test_unknown_column_is_refused_unless_ignored(csv_file, run_import):
    path = csv_file([["Référence", "NOM", "couleur"], ["D-1", "A", "bleu"]])
    run = run_import("import_dossiers", path)
    assert not run.ok
    assert "colonne inconnue « couleur »" in run.err
    run = run_import("import_dossiers", path, "--ignore-unknown")
    assert run.ok, run.err
    assert Dossier.objects.get(reference="D-1").name == "A"


def test_missing_required_column(csv_file, run_import):
    run = run_import("import_dossiers", csv_file([["nom"], ["A"]]))
    assert not run.ok
    assert "colonne obligatoire « reference » absente" in run.err


def test_missing_file_is_a_clear_error(run_import, tmp_path):
    run = run_import("import_dossiers", tmp_path / "absent.csv")
    assert not run.ok
    assert "Fichier introuvable" in run.err
