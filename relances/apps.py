from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelancesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "relances"
    verbose_name = _("Relances automatiques")
