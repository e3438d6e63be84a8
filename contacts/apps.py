from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from dossiers.selectors import SEARCH_MATCHERS

        from .selectors import dossier_search_by_means

        # The list of files finds them by their contacts' e-mails and phones too.
        if dossier_search_by_means not in SEARCH_MATCHERS:
            SEARCH_MATCHERS.append(dossier_search_by_means)
