"""The contact import (``manage.py import_contacts``): one row per means, parsed and
checked by the value rules of ``contacts.rules`` (the same as the contact form's),
then written in bulk by ``contacts.importers.contact_writes``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dossiers.models import JournalEntry
from dossiers.objectivity import active_terms, forbidden_term_messages, forbidden_terms_found
from recouvrement.importing.base import Counters, Importer
from recouvrement.importing.reader import header_key
from recouvrement.importing.values import parse_bool, text

from .. import rules
from ..models import Contact, ContactPoint, Evidence
from .common import ContactRulesMixin, error_text
from .contact_writes import ContactCounts, ContactRow, ContactWrites

Status = ContactPoint.Status
Kind = ContactPoint.Kind

KIND_VALUES = {
    "courrier": Kind.POSTAL,
    "postal": Kind.POSTAL,
    "adresse": Kind.POSTAL,
    "email": Kind.EMAIL,
    "e_mail": Kind.EMAIL,
    "mail": Kind.EMAIL,
    "courriel": Kind.EMAIL,
    "telephone": Kind.PHONE,
    "tel": Kind.PHONE,
    "phone": Kind.PHONE,
}
#: The kinds of means as messages name them (lazy: translated where they are used).
STATUS_VALUES = {
    "a_qualifier": Status.PENDING,
    "pending": Status.PENDING,
    "valide": Status.VALID,
    "valid": Status.VALID,
    "invalide": Status.INVALID,
    "invalid": Status.INVALID,
}
CIVILITY_VALUES = {
    "m": "M.",
    "mr": "M.",
    "monsieur": "M.",
    "mme": "Mme",
    "madame": "Mme",
    "mlle": "Mme",
    "mademoiselle": "Mme",
}


UNKNOWN_STATUS = gettext_lazy("statut inconnu : « a_qualifier », « valide » ou « invalide ».")
UNKNOWN_CIVILITY = gettext_lazy("civilité inconnue : « M. » ou « Mme ».")
DUPLICATE_POINT = gettext_lazy(
    "moyen de contact en double dans le fichier (même dossier, contact et valeur)."
)
#: The columns of a postal address, by the field of ``rules.means_values``.
POSTAL_COLUMNS = {
    "address_line1": "adresse1",
    "address_line2": "adresse2",
    "address_line3": "adresse3",
    "postcode": "code_postal",
    "city": "ville",
    "country": "pays",
}
#: The column of each field of ``rules.means_values``.
VALUE_COLUMNS = {"phone": "telephone", "email": "email", **POSTAL_COLUMNS}


class ContactImporter(ContactWrites, ContactRulesMixin, Importer):
    label = gettext_lazy("moyens de contact")
    analyze_tables = {
        Contact._meta.db_table: ("dossier_id", "external_key"),
        ContactPoint._meta.db_table: ("contact_id", "dossier_id", "kind"),
    }
    journal_message = gettext_lazy("Import de contacts (%(file)s) : %(changes)s.")
    # SQLite: while the file is read, the new contacts go to staged tables, looked
    # up by (file, key) when a person's rows straddle two batches (_known_contacts).
    staged_models = {
        Contact: (("dossier_id", "external_key"),),
        ContactPoint: (),
        Evidence: (),
        JournalEntry: (),
    }
    columns = (
        "reference_dossier",
        "contact",
        "civilite",
        "nom",
        "prenom",
        "fonction",
        "observation",
        "canal",
        "email",
        "telephone",
        "adresse1",
        "adresse2",
        "adresse3",
        "code_postal",
        "ville",
        "pays",
        "statut",
        "par_defaut",
    )
    required_columns = ("reference_dossier", "contact", "canal")
    aliases = {
        "dossier": "reference_dossier",
        "e_mail": "email",
        "tel": "telephone",
        "adresse": "adresse1",
        "cp": "code_postal",
        "defaut": "par_defaut",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.per_dossier = Counters(ContactCounts)
        self.terms = active_terms()

    # -- parsing -----------------------------------------------------------------------
    def parse_row(self, line: int, row: dict[str, Any]) -> ContactRow | None:
        reference = text(row.get("reference_dossier"))
        key = text(row.get("contact"))
        if not reference:
            self.error(line, "reference_dossier", "", _("la référence du dossier est obligatoire."))
        if not key:
            self.error(line, "contact", "", _("la clé du contact est obligatoire."))
        elif len(key) > 100:
            self.error(line, "contact", key, _("clé de contact trop longue (100 caractères)."))
        contact = self._parse_contact(line, row)
        raw_kind = text(row.get("canal"))
        kind = KIND_VALUES.get(header_key(raw_kind))
        point: dict[str, str] = {}
        value_key = ""
        if kind is None:
            self.error(
                line,
                "canal",
                raw_kind,
                _("canal inconnu : « courrier », « email » ou « telephone »."),
            )
        else:
            value_key = self._parse_point(line, row, kind, point)
        status = self.choice(
            line,
            row,
            "statut",
            STATUS_VALUES,
            UNKNOWN_STATUS,
        )
        is_default = None
        raw_default = row.get("par_defaut")
        try:
            is_default = parse_bool(raw_default)
        except ValueError as exc:
            self.error(line, "par_defaut", raw_default, str(exc))
        if is_default and status is not None and status != Status.VALID:
            self.error(
                line,
                "par_defaut",
                raw_default,
                _("seul un moyen de contact validé peut être par défaut (statut « valide »)."),
            )
        if line in self.rejected_lines:
            return None
        if self.repeated(
            line,
            "contact",
            key,
            DUPLICATE_POINT,
            "point",
            reference,
            key,
            kind,
            value_key,
        ):
            return None
        if is_default and self.repeated(
            line,
            "par_defaut",
            raw_default,
            lambda: (
                _(
                    "deux moyens par défaut de type %(kind)s pour le dossier %(reference)s "
                    "dans le fichier : un seul par dossier et par type."
                )
                % {"kind": Kind(kind).label, "reference": reference}
            ),
            "default",
            reference,
            kind,
        ):
            return None
        return ContactRow(line, reference, key, contact, kind, value_key, point, status, is_default)

    def _parse_contact(self, line: int, row: dict[str, Any]) -> dict[str, str]:
        contact: dict[str, str] = {}
        civility = self.choice(line, row, "civilite", CIVILITY_VALUES, UNKNOWN_CIVILITY)
        if civility:
            contact["civility"] = civility
        for column, field, limit in (
            ("nom", "last_name", 100),
            ("prenom", "first_name", 100),
            ("fonction", "function", 100),
            ("observation", "observation", 2000),
        ):
            value = text(row.get(column))
            if not value:
                continue
            if len(value) > limit:
                self.error(
                    line,
                    column,
                    value,
                    _("trop long (%(max)d caractères au plus).") % {"max": limit},
                )
                continue
            if column in ("observation", "fonction"):
                found = forbidden_terms_found(value, self.terms)
                if found:
                    self.error(
                        line, column, value, error_text(" ".join(forbidden_term_messages(found)))
                    )
                    continue
            contact[field] = value
        return contact

    def _parse_point(self, line: int, row: dict[str, Any], kind: str, point: dict) -> str:
        """The means' fields by ``rules.means_values`` into ``point``; its value key,
        or "" when the row is refused."""
        country = text(row.get("pays")).upper() or "FR"
        if kind == Kind.PHONE:
            given = {"phone": text(row.get("telephone"))}
        elif kind == Kind.EMAIL:
            given = {"email": text(row.get("email"))}
        else:
            given = {field: text(row.get(column)) for field, column in POSTAL_COLUMNS.items()}
        fields, errors = rules.means_values(
            kind=kind, values=given, region=country if len(country) == 2 else "FR"
        )
        for field, message in errors.items():
            column = VALUE_COLUMNS.get(field, "canal")
            self.error(line, column, given.get(field, ""), error_text(message))
        if errors:
            return ""
        value_key = fields.pop("value_key")
        point.update(fields)
        return value_key

    def describe(self, counts: tuple[int, ...]) -> list[str]:
        contacts_added, contacts_updated, means_added, means_updated = counts
        parts = []
        if contacts_added:
            parts.append(
                ngettext("%(count)d contact ajouté", "%(count)d contacts ajoutés", contacts_added)
                % {"count": contacts_added}
            )
        if contacts_updated:
            parts.append(
                ngettext(
                    "%(count)d contact modifié", "%(count)d contacts modifiés", contacts_updated
                )
                % {"count": contacts_updated}
            )
        if means_added:
            parts.append(
                ngettext(
                    "%(count)d moyen de contact ajouté",
                    "%(count)d moyens de contact ajoutés",
                    means_added,
                )
                % {"count": means_added}
            )
        if means_updated:
            parts.append(
                ngettext("%(count)d moyen modifié", "%(count)d moyens modifiés", means_updated)
                % {"count": means_updated}
            )
        return parts or [_("aucun changement")]
