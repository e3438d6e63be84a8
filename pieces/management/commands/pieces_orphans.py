"""Find, and with --delete remove, stored files that no piece refers to.

A document is written to storage before the transaction that records its piece
commits; when that transaction rolls back (a letter whose sending failed after
the PDF was stored, a crash), the file stays behind under its random name,
unreachable from the application. This command finds such files in the pieces'
folders of the default storage (local disk or S3 alike) and removes those older
than --older-than hours, so that a file being written right now is never touched.
"""

from __future__ import annotations

import datetime

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pieces.models import Piece

ROOTS = ("pieces", "thumbnails")


def stored_files(storage, folder: str):
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from stored_files(storage, f"{folder}/{sub}")


class Command(BaseCommand):
    help = "Liste (et supprime avec --delete) les fichiers stockés qu'aucune pièce ne référence."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="supprimer les fichiers trouvés")
        parser.add_argument(
            "--older-than",
            type=float,
            default=24,
            help="ne considérer que les fichiers plus anciens que N heures (24)",
        )

    def handle(self, *args, **options):
        if options["older_than"] < 0:
            raise CommandError("--older-than doit être positif.")
        limit = timezone.now() - datetime.timedelta(hours=options["older_than"])
        referenced = set(Piece.objects.values_list("file", flat=True))
        referenced |= set(Piece.objects.exclude(thumbnail="").values_list("thumbnail", flat=True))
        orphans = []
        for root in ROOTS:
            for path in stored_files(default_storage, root):
                if path in referenced:
                    continue
                if default_storage.get_modified_time(path) > limit:
                    continue
                orphans.append(path)
        for path in orphans:
            if options["delete"]:
                default_storage.delete(path)
            self.stdout.write(path)
        verb = "supprimé(s)" if options["delete"] else "trouvé(s) (--delete pour supprimer)"
        self.stdout.write(self.style.SUCCESS(f"{len(orphans)} fichier(s) orphelin(s) {verb}."))
