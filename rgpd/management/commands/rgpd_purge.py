"""manage.py rgpd_purge [--dry-run]: purge closed files' personal data and old traces."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import formats, timezone

from rgpd import purge, retention


def _date(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "d/m/Y") if moment else "—"


class Command(BaseCommand):
    help = (
        "Purge les données personnelles des dossiers clôturés dont la durée de conservation "
        "est échue (sauf gel), et les traces de consultation trop anciennes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="liste ce qui serait purgé, et pourquoi"
        )
        parser.add_argument("--batch-size", type=int, default=purge.DEFAULT_BATCH_SIZE)

    def handle(self, *args, dry_run: bool, batch_size: int, **options):
        months = retention.closed_file_retention_months()
        if dry_run:
            plan = purge.purge_plan()
            for line in plan:
                why = (
                    f"clôturé le {_date(line.closed_at)}, dernier événement le "
                    f"{_date(line.last_event_at)}, plus de {months} mois"
                )
                if line.purged:
                    self.stdout.write(f"À purger  {line.reference} : {why}.")
                else:
                    held = ", ".join(line.held_by)
                    self.stdout.write(f"Conservé  {line.reference} : {why}, mais gel ({held}).")
            purged = sum(1 for line in plan if line.purged)
            traces = purge.traces_expired_count()
            self.stdout.write(
                f"Simulation : {purged} dossier(s) à purger, {len(plan) - purged} conservé(s) "
                f"par un gel, {traces} trace(s) de consultation de plus de "
                f"{retention.trace_retention_months()} mois à supprimer. Rien n'a été modifié."
            )
            return

        def progress(batch):
            self.stdout.write(f"Lot purgé : {batch.files} dossier(s).")

        totals = purge.personal_data_purge(batch_size=batch_size, on_batch=progress)
        self.stdout.write(
            f"Purge terminée : {totals.files} dossier(s), {totals.contacts} contact(s) "
            f"anonymisé(s), {totals.points} moyen(s) de contact et {totals.pieces} pièce(s) "
            f"supprimé(s), {totals.traces} trace(s) de consultation supprimée(s)."
        )
