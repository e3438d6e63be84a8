import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo.builder import FINISHERS, DemoBuilder, demo_users
from dossiers.models import Dossier
from recouvrement.planner import refresh_planner_statistics


class Command(BaseCommand):
    help = (
        "Remplit la base avec des dossiers de démonstration réalistes et crée trois utilisateurs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, default=200, help="nombre de dossiers (200)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="ne crée des dossiers que si la base n'en contient aucun",
        )

    def handle(self, *args, **options):
        count = options["dossiers"]
        if count < 0:
            raise CommandError("--dossiers doit être positif.")
        with transaction.atomic():
            users = demo_users()
        started = time.monotonic()
        created = 0
        if not (options["if_empty"] and Dossier.objects.exists()):
            if Dossier.objects.filter(reference="ACC-1001").exists():
                raise CommandError(
                    "Des dossiers de démonstration existent déjà ; utilisez --if-empty ou une base vide."
                )
            builder = DemoBuilder(seed=options["seed"])

            def progress(done):
                if self.stdout.isatty() or done == count or done % 20000 == 0:
                    self.stdout.write(
                        f"  {done}/{count} dossiers", ending="\r" if self.stdout.isatty() else "\n"
                    )

            created = builder.build(count=count, users=users, progress=progress)
            for finish in FINISHERS:
                finish(users=users, stdout=self.stdout)
        elapsed = time.monotonic() - started
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"{created} dossiers créés en {elapsed:.1f} s."))
        self.stdout.write(
            "Identifiants de démonstration (mot de passe renouvelé à chaque lancement) :"
        )
        for username, password in users.passwords.items():
            role = (
                "responsable, accès à l'administration"
                if username == "claire"
                else "chargé(e) de recouvrement"
            )
            self.stdout.write(f"  {username:8} / {password}   ({role})")
        refresh_planner_statistics()  # the lists plan for the files just made (issue 15)
