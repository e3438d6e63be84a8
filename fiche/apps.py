from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class FicheConfig(AppConfig):
    name = "fiche"
    verbose_name = _("Fiche client")

    def ready(self) -> None:
        # The versions' triggers, (re)made after every migrate: a migration that
        # remakes a table on SQLite drops its triggers (fiche/versioning.py).
        post_migrate.connect(_install_triggers, sender=self)


def _install_triggers(sender, using, **kwargs) -> None:
    from django.db import connections

    from . import versioning

    versioning.install(connections[using])
