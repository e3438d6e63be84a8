"""manage.py import_paiements FILE — see docs/IMPORT.md."""

from paiements.importers import PaymentImporter
from recouvrement.importing.command import ImportCommand


class Command(ImportCommand):
    help = "Importe des paiements (reference_dossier, reference, date, montant, mode, numero)."
    importer_class = PaymentImporter
