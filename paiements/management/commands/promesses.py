"""manage.py promesses [--date YYYY-MM-DD]: which instalments are kept or missed."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from paiements.services import promises_evaluate


class Command(BaseCommand):
    help = "Évalue les promesses de paiement en cours (échéances tenues ou non tenues)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="jour de l'évaluation (AAAA-MM-JJ), aujourd'hui par défaut"
        )

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(
                    f"Date invalide : {options['date']} (attendu AAAA-MM-JJ)."
                ) from exc
        counts = promises_evaluate(today=today)
        self.stdout.write(
            f"Échéances tenues : {counts['kept']}, non tenues : {counts['missed']} ; "
            f"promesses tenues : {counts['completed']}, non tenues : {counts['broken']}."
        )
