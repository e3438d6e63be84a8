"""manage.py rgpd_export --contact ID --output FILE: a person's access export (ZIP)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contacts.models import Contact
from rgpd.models import ConsultationTrace
from rgpd.services import personal_data_export


class Command(BaseCommand):
    help = "Exporte les données personnelles d'un contact (ZIP : PDF, JSON et copies)."

    def add_arguments(self, parser):
        parser.add_argument("--contact", type=int, required=True, help="identifiant du contact")
        parser.add_argument("--output", required=True, help="fichier ZIP à écrire")

    def handle(self, *args, contact: int, output: str, **options):
        found = Contact.objects.filter(pk=contact).first()
        if found is None:
            raise CommandError(f"Aucun contact n° {contact}.")
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"Le dossier {path.parent} n'existe pas.")
        export = personal_data_export(contact=found, channel=ConsultationTrace.Channel.COMMAND)
        path.write_bytes(export.content)
        self.stdout.write(
            f"Données personnelles de {found.full_name} écrites dans {path} "
            f"({len(export.content)} octets, {len(export.dossier_ids)} dossier(s))."
        )
