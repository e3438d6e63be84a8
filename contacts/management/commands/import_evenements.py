"""manage.py import_evenements FILE — see docs/IMPORT.md."""

from contacts.importers import EvidenceImporter
from recouvrement.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Importe des événements de qualification (appels, NPAI, bounces…) et applique leurs effets."
    )
    importer_class = EvidenceImporter
