"""The import's messages for people go through gettext: the French source text when
French is active, and whatever the active catalogue says otherwise.

The "other language" is a fake catalogue that upper-cases every message but its
placeholders: the values put in them (a file name, a user name, a cell) stay as they
are, which also shows that they are filled in after translation. A message that
does not go through gettext stays in lower case and fails these tests."""

from __future__ import annotations

import gettext
import re

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from contacts.importers import ContactImporter
from dossiers.importers import DossierImporter, ReceivableImporter
from dossiers.models import JournalEntry
from recouvrement.importing.base import run_import as import_file
from tests import factories

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"(%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-z])")


def shout(message: str) -> str:
    """``message`` in upper case, its ``%(name)s`` placeholders kept as they are."""
    return "".join(
        part if PLACEHOLDER.fullmatch(part) else part.upper() for part in PLACEHOLDER.split(message)
    )


class ShoutingCatalogue(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return shout(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return shout(singular if n == 1 else plural)

    def to_language(self) -> str:
        return "fr"


@pytest.fixture
def shouting():
    """The fake catalogue as the active translation, as ``translation.activate``
    makes a real one; the previous one is put back after the test."""
    previous = getattr(trans_real._active, "value", None)
    trans_real._active.value = ShoutingCatalogue()
    yield
    if previous is None:
        translation.deactivate()
    else:
        trans_real._active.value = previous


def test_shout_keeps_placeholders():
    assert shout("« %(value)s » fait %(n)d, %(s).2f s") == "« %(value)s » FAIT %(n)d, %(s).2f S"


DOSSIERS = [
    ["reference", "nom", "charge"],
    ["", "Sans référence", ""],
    ["D-1", "Alpha", "zoe"],
]


def dossier_errors(csv_file) -> list[str]:
    result = import_file(DossierImporter(source_name="d.csv"), csv_file(DOSSIERS))
    return [str(error) for error in result.errors]


def test_errors_are_the_french_text_in_french(csv_file):
    with translation.override("fr"):
        assert dossier_errors(csv_file) == [
            "ligne 2, colonne « reference » : la référence du dossier est obligatoire.",
            "ligne 3, colonne « charge » : collaborateur inconnu : aucun utilisateur actif « zoe ».",
        ]


def test_errors_follow_the_active_catalogue(csv_file, shouting):
    assert dossier_errors(csv_file) == [
        "LIGNE 2, COLONNE « reference » : LA RÉFÉRENCE DU DOSSIER EST OBLIGATOIRE.",
        "LIGNE 3, COLONNE « charge » : COLLABORATEUR INCONNU : AUCUN UTILISATEUR ACTIF « zoe ».",
    ]


def test_value_header_and_file_errors_follow_the_active_catalogue(csv_file, tmp_path, shouting):
    factories.DossierFactory(reference="D-1")
    rows = [
        ["reference_dossier", "numero", "date_emission", "montant", "bizarre"],
        ["D-1", "F1", "hier", "abc", ""],
    ]
    header = import_file(ReceivableImporter(), csv_file(rows)).errors
    assert [error.message for error in header] == [
        "COLONNE INCONNUE « bizarre » (COLONNES ATTENDUES : reference_dossier, numero, "
        "date_emission, date_echeance, montant, solde ; --IGNORE-UNKNOWN POUR L'IGNORER)."
    ]
    values = import_file(ReceivableImporter(), csv_file(rows), ignore_unknown=True).errors
    assert [error.message for error in values] == [
        "« hier » N'EST PAS UNE DATE (ATTENDU : JJ/MM/AAAA OU AAAA-MM-JJ).",
        "« abc » N'EST PAS UN MONTANT (EXEMPLE : 1 234,56).",
    ]
    missing = import_file(ReceivableImporter(), tmp_path / "absent.csv").errors
    assert [str(error) for error in missing] == [
        f"FICHIER : FICHIER INTROUVABLE : {tmp_path / 'absent.csv'}."
    ]


def test_command_output_follows_the_active_catalogue(csv_file, run_import, shouting):
    run = run_import("import_dossiers", csv_file(DOSSIERS))
    assert not run.ok
    assert run.out.startswith(
        "DOSSIERS : 0 CRÉÉ(S), 0 MODIFIÉ(S), 0 INCHANGÉ(S), 2 LIGNE(S) REJETÉE(S).\n"
    )
    assert "RIEN N'A ÉTÉ ÉCRIT." in run.out
    assert run.error.startswith("2 ERREUR(S) SUR 2 LIGNE(S) : RIEN N'A ÉTÉ IMPORTÉ (CORRIGEZ")


CONTACTS = [
    ["reference_dossier", "contact", "nom", "canal", "telephone", "email"],
    ["D-1", "c1", "Durand", "telephone", "06 12 34 56 78", ""],
    ["D-1", "c1", "Durand", "email", "", "durand@example.fr"],
]


def contacts_journal(csv_file) -> str:
    factories.DossierFactory(reference="D-1")
    result = import_file(ContactImporter(source_name="c.csv"), csv_file(CONTACTS))
    assert result.written, result.errors
    return JournalEntry.objects.get(action=JournalEntry.Action.IMPORT).message


def test_journal_is_the_french_text_in_french(csv_file):
    with translation.override("fr"):
        assert contacts_journal(csv_file) == (
            "Import de contacts (c.csv) : 1 contact ajouté, 2 moyens de contact ajoutés."
        )


def test_journal_and_plurals_follow_the_active_catalogue(csv_file, shouting):
    assert contacts_journal(csv_file) == (
        "IMPORT DE CONTACTS (c.csv) : 1 CONTACT AJOUTÉ, 2 MOYENS DE CONTACT AJOUTÉS."
    )


def test_phone_and_email_errors_of_the_normaliser_are_translated(shouting):
    from contacts.normalize import NormalizationError, normalize_email, normalize_phone

    with pytest.raises(NormalizationError, match="« 06 12 » N'EST PAS UN NUMÉRO"):
        normalize_phone("06 12")
    with pytest.raises(NormalizationError, match="« pas@ » N'EST PAS UNE ADRESSE E-MAIL"):
        normalize_email("pas@")
