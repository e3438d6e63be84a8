from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PiecesConfig(AppConfig):
    name = "pieces"
    verbose_name = _("Pièces")
