from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from dossiers.selectors import SEARCH_MATCHERS

        from .selectors import DOSSIER_SEARCH_BY_MEANS

        # The list of files finds them by their contacts' e-mails and phones too.
        if DOSSIER_SEARCH_BY_MEANS not in SEARCH_MATCHERS:
            SEARCH_MATCHERS.append(DOSSIER_SEARCH_BY_MEANS)
