"""The management-command base of the four import commands (argument parsing and
output only; the work is in the importers)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ..planner import refresh_planner_statistics
from .base import Importer, ImportResult, run_import, write_errors_csv


class ImportCommand(BaseCommand):
    importer_class: type[Importer]

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Fichier CSV ou XLSX à importer.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Simulation : dit ce qui serait créé, modifié ou inchangé, sans rien écrire.",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Importe les lignes valides et signale les autres "
            "(par défaut, une seule ligne invalide et rien n'est importé).",
        )
        parser.add_argument(
            "--errors", metavar="FICHIER", help="Écrit les erreurs dans ce fichier CSV."
        )
        parser.add_argument(
            "--delimiter", help="Séparateur du CSV (« ; », « , » ou « tab ») ; détecté sinon."
        )
        parser.add_argument(
            "--encoding",
            help="Encodage du CSV (utf-8, windows-1252…) ; détecté sinon.",
        )
        parser.add_argument(
            "--ignore-unknown",
            action="store_true",
            help="Ignore les colonnes inconnues au lieu de refuser le fichier.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="N'affiche pas la barre de progression."
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        importer = self.importer_class(source_name=path.name)
        progress = not options["no_progress"] and sys.stderr.isatty()
        result = run_import(
            importer,
            path,
            delimiter=options["delimiter"],
            encoding=options["encoding"],
            ignore_unknown=options["ignore_unknown"],
            dry_run=options["dry_run"],
            skip_invalid=options["skip_invalid"],
            progress=progress,
        )
        for error in result.errors:
            self.stderr.write(str(error))
        if options["errors"]:
            write_errors_csv(result.errors, options["errors"])
            if result.errors:
                self.stderr.write(_("Erreurs écrites dans %(path)s.") % {"path": options["errors"]})
        self.stdout.write(self.summary(result, importer))
        if result.aborted:
            raise CommandError(
                _(
                    "%(errors)d erreur(s) : le fichier n'a pas pu être lu jusqu'au bout, "
                    "rien n'a été importé."
                )
                % {"errors": len(result.errors)}
            )
        if result.errors and not options["skip_invalid"]:
            if options["dry_run"]:
                reason = _("la simulation a trouvé des erreurs : l'import serait refusé")
            else:
                reason = _("rien n'a été importé")
            raise CommandError(
                _(
                    "%(errors)d erreur(s) sur %(lines)d ligne(s) : %(reason)s "
                    "(corrigez le fichier, ou --skip-invalid pour importer les lignes valides)."
                )
                % {"errors": len(result.errors), "lines": result.rejected, "reason": reason}
            )
        if result.written and not result.dry_run:
            refresh_planner_statistics()  # issue 15: plans for the tables as they are now

    def summary(self, result: ImportResult, importer: Importer) -> str:
        parts = [
            _(
                # Translators: %(label)s is what the rows describe, « Dossiers », « Créances »…
                "%(label)s : %(created)d créé(s), %(updated)d modifié(s), "
                "%(unchanged)d inchangé(s), %(rejected)d ligne(s) rejetée(s)."
            )
            % {
                "label": capfirst(str(importer.label)),
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": result.rejected,
            },
            _("%(rows)d ligne(s) lue(s) en %(seconds).2f s (%(rate)s lignes/s).")
            % {
                "rows": result.rows,
                "seconds": result.seconds,
                # Thousands apart by a narrow no-break space, as French writes them.
                "rate": f"{result.rate:,.0f}".replace(",", "\u202f"),
            },
        ]
        if result.dry_run:
            parts.append(_("Simulation (--dry-run) : rien n'a été écrit."))
        elif not result.written:
            parts.append(_("Rien n'a été écrit."))
        elif result.created == 0 and result.updated == 0 and not result.errors:
            parts.append(_("Rien de nouveau : ce fichier a déjà été importé, aucune modification."))
        return "\n".join(parts)
