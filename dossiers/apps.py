from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self) -> None:
        # A migration that remakes the files' table on SQLite loses the search
        # index's triggers: put them back (dossiers/search_index.py).
        post_migrate.connect(_ensure_search_index, sender=self)


def _ensure_search_index(sender, using, **kwargs) -> None:
    from django.db import connections

    from . import search_index

    search_index.ensure(connections[using])
