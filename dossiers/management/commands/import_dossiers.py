"""manage.py import_dossiers FILE — see docs/IMPORT.md."""

from dossiers.importers import DossierImporter
from recouvrement.importing.command import ImportCommand


class Command(ImportCommand):
    help = "Importe des dossiers (reference, nom, type, siren, charge, statut) depuis un CSV ou un XLSX."
    importer_class = DossierImporter
