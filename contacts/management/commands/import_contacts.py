"""manage.py import_contacts FILE — see docs/IMPORT.md."""

from contacts.importers import ContactImporter
from recouvrement.importing.command import ImportCommand


class Command(ImportCommand):
    help = "Importe des contacts et leurs moyens de contact, une ligne par moyen."
    importer_class = ContactImporter
