"""manage.py fiche_compact [--dry-run] [--keep N]: keep the client files' versions small.

Run it daily (a systemd timer or cron, docs/DEPLOYMENT.md): on PostgreSQL the log
of the files' versions gains a row per file and statement that changes it (an
import of 100,000 files, about 700,000 rows). See fiche/compaction.py.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fiche import compaction


class Command(BaseCommand):
    help = "Compacte les versions des fiches clients (et retire celles des dossiers supprimés)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="compter seulement, sans rien écrire"
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=compaction.KEEP,
            help=f"lignes gardées par dossier avant compactage ({compaction.KEEP})",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=compaction.BATCH,
            help=f"dossiers par transaction ({compaction.BATCH})",
        )

    def handle(self, *args, **options):
        if options["keep"] < 1:
            raise CommandError("--keep doit valoir au moins 1.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size doit valoir au moins 1.")
        report = compaction.compact(
            keep=options["keep"], batch=options["batch_size"], dry_run=options["dry_run"]
        )
        verb = "seraient" if options["dry_run"] else "ont été"
        self.stdout.write(
            f"{report.files} dossier(s) compacté(s), {report.orphans} dossier(s) supprimé(s) "
            f"dont les versions {verb} retirées ; {report.rows_removed} ligne(s) en moins."
        )
