"""manage.py import_creances FILE — see docs/IMPORT.md."""

from dossiers.importers import ReceivableImporter
from recouvrement.importing.command import ImportCommand


class Command(ImportCommand):
    help = "Importe des créances (reference_dossier, numero, date_emission, date_echeance, montant, solde)."
    importer_class = ReceivableImporter
