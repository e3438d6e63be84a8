"""manage.py backup_data [--output FILE] — see docs/BACKUP.md."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from recouvrement.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Sauvegarde la base de données et les fichiers des pièces dans une archive .tar.gz."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            help="fichier à écrire (défaut : var/backups/recouvrement-AAAAMMJJ-HHMMSS.tar.gz)",
        )

    def handle(self, *args, **options):
        output = options["output"] or (
            Path(settings.VAR_DIR)
            / "backups"
            / f"recouvrement-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
        )
        try:
            summary = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(summary.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite : {summary.path} ({summary.engine}, {rows} lignes, "
                f"{summary.files} fichiers)."
            )
        )
