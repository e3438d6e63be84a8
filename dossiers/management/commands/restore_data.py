"""manage.py restore_data ARCHIVE [--yes] [--no-media] — see docs/BACKUP.md."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recouvrement.backup import BackupError, backup_inspect, backup_restore


class Command(BaseCommand):
    help = (
        "Remplace la base de données par celle d'une archive de backup_data et remet "
        "les fichiers des pièces. Arrêtez les serveurs d'application avant."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="ne pas demander de confirmation (scripts)"
        )
        parser.add_argument(
            "--no-media", action="store_true", help="ne restaurer que la base de données"
        )

    def handle(self, *args, **options):
        archive = options["archive"]
        try:
            manifest = backup_inspect(path=archive)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"Archive du {manifest['created_at']} ({manifest['engine']}, {rows} lignes, "
            f"{len(manifest['files'])} fichiers)."
        )
        if not options["yes"]:
            answer = input("La base actuelle sera remplacée. Continuer ? [oui/non] ")
            if answer.strip().lower() not in {"oui", "o", "yes", "y"}:
                raise CommandError("Restauration abandonnée.")
        try:
            summary = backup_restore(path=archive, media=not options["no_media"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restauration terminée : {sum(summary.counts.values())} lignes, "
                f"{summary.files} fichiers remis en place."
            )
        )
