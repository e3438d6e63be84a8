"""`manage.py relances`: plan the day and enqueue what is due now.

--dry-run [--date YYYY-MM-DD] prints what would go out that day, writing nothing;
--every SECONDS keeps planning (the planner of `bash .ci/serve`) until stopped.
"""

from __future__ import annotations

import datetime
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from relances.dryrun import preview_day
from relances.models import auto_send_enabled
from relances.planner import PlannerRefused, plan


class Command(BaseCommand):
    help = "Planifie les relances du jour et met en file les envois dus."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Affiche sans rien écrire.")
        parser.add_argument("--date", help="Jour à prévisualiser (AAAA-MM-JJ), avec --dry-run.")
        parser.add_argument(
            "--every", type=int, default=0, help="Replanifie toutes les N secondes."
        )

    def handle(self, *args, **options):
        if options["date"] and not options["dry_run"]:
            raise CommandError("--date ne s'utilise qu'avec --dry-run.")
        if options["dry_run"]:
            return self._dry_run(options["date"])
        if options["every"] <= 0:
            return self._plan_once()
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_args: stop.set())
        self.stdout.write(f"Planificateur : toutes les {options['every']} s (Ctrl+C pour arrêter).")
        while not stop.is_set():
            try:
                self._plan_once(quiet_when_idle=True)
            except CommandError as exc:
                self.stderr.write(str(exc))
            stop.wait(options["every"])
        return None

    def _plan_once(self, quiet_when_idle: bool = False):
        try:
            report = plan()
        except PlannerRefused as exc:
            raise CommandError(str(exc)) from exc
        counts = (
            report.enrolled,
            report.planned,
            report.instalment_planned,
            report.instalment_cancelled,
            report.to_confirm,
            report.enqueued,
        )
        if quiet_when_idle and not any(counts) and not report.interrupted:
            return
        switch = "activé" if auto_send_enabled() else "désactivé (rien n'est envoyé)"
        self.stdout.write(
            f"{timezone.localtime():%d/%m/%Y %H:%M} — envoi automatique {switch} : "
            f"{report.enrolled} dossier(s) entrés en scénario, {report.planned} action(s) "
            f"planifiée(s), {report.instalment_planned} rappel(s) d'échéance planifié(s) "
            f"({report.instalment_cancelled} annulé(s) : échéance réglée ou promesse close), "
            f"{report.to_confirm} à confirmer ou à faire, {report.enqueued} "
            f"envoi(s) mis en file, {report.stopped} arrêté(s), {report.finished} terminé(s), "
            f"{report.interrupted} envoi(s) interrompu(s) traité(s)."
        )

    def _dry_run(self, raw_date: str | None):
        day = timezone.localdate()
        if raw_date:
            try:
                day = datetime.date.fromisoformat(raw_date)
            except ValueError as exc:
                raise CommandError(
                    f"Date invalide : {raw_date!r} (attendu AAAA-MM-JJ, ex. 2026-12-02)."
                ) from exc
        # Reads only; the rollback is a second guarantee that nothing is written.
        with transaction.atomic():
            lines = preview_day(day)
            transaction.set_rollback(True)
        self.stdout.write(f"Relances du {day:%d/%m/%Y} (simulation, rien n'est écrit) :")
        for line in lines:
            text = f" · « {line.text} »" if line.text else ""
            self.stdout.write(
                f"{line.reference} · {line.due_at.astimezone(timezone.get_current_timezone()):%H:%M}"
                f" · {line.step} · {line.channel} ({line.mode}) · {line.means}{text}"
            )
        self.stdout.write(f"{len(lines)} action(s).")
