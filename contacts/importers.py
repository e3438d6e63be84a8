"""Bulk import of contacts with their means, and of qualification events.

The same rules as ``contacts.services`` (evidence effects, the default rule, the
« vérification coordonnées » status rule), applied in bulk: each batch costs a
fixed number of queries whatever its size, and each file touched by an import gets
one journal entry (actor « import ») that says what changed, the default included.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dossiers.importers import (
    chunked,
    dossier_ids_by_reference,
    import_journal_entry,
    journal_insert,
    unknown_dossier_error,
    with_dossier_ids,
)
from dossiers.models import Dossier, JournalEntry
from dossiers.objectivity import active_terms, forbidden_terms_found
from recouvrement.importing.base import Counters, Importer
from recouvrement.importing.bulk import (
    JsonText,
    among,
    insert_objects,
    new_instance,
    reserve_ids,
    update_objects,
)
from recouvrement.importing.reader import header_key
from recouvrement.importing.values import parse_bool, parse_datetime, text

from .models import POSTAL_LINE_LENGTH, Contact, ContactPoint, Evidence
from .normalize import (
    NormalizationError,
    normalize_email,
    normalize_phone,
    postal_part,
    postal_value_key,
)
from .services import AUTO_CHECK_FROM, EVIDENCE_EFFECT, EVIDENCE_KINDS_BY_POINT_KIND

Action = JournalEntry.Action
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
KIND_LABELS = {
    Kind.POSTAL: gettext_lazy("courrier"),
    Kind.EMAIL: gettext_lazy("e-mail"),
    Kind.PHONE: gettext_lazy("téléphone"),
}
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
POINT_FIELDS = (
    "id",
    "contact_id",
    "dossier_id",
    "kind",
    "status",
    "is_default",
    "validated_at",
    "status_changed_at",
    "last_evidence_id",
    "value_key",
    "email",
    "phone",
    "phone_type",
    "address_line1",
    "address_line2",
    "address_line3",
    "postcode",
    "city",
    "country",
)
CONTACT_INSERT = (
    "dossier_id",
    "external_key",
    "civility",
    "last_name",
    "first_name",
    "function",
    "observation",
    "created_at",
)
POINT_INSERT = (
    "contact_id",
    "dossier_id",
    "kind",
    "status",
    "is_default",
    "validated_at",
    "status_changed_at",
    "email",
    "phone",
    "phone_type",
    "address_line1",
    "address_line2",
    "address_line3",
    "postcode",
    "city",
    "country",
    "value_key",
    "created_at",
)
EVIDENCE_INSERT = (
    "point_id",
    "kind",
    "occurred_at",
    "source",
    "source_detail",
    "comment",
    "created_at",
)
POSTCODE_FR = re.compile(r"^\d{5}$")


def lock_dossiers(dossier_ids) -> None:
    """Serialise with agents working on the same files (the services lock the file
    row too); one statement per batch. SQLite has one writer at a time anyway."""
    if connection.vendor == "postgresql" and dossier_ids:
        for chunk in chunked(sorted(dossier_ids), 5000):
            list(
                Dossier.objects.filter(among(Dossier, "id", chunk))
                .order_by("pk")
                .select_for_update()
                .values_list("pk", flat=True)
            )


def point_label(point: ContactPoint) -> str:
    if point.kind == Kind.PHONE:
        return point.phone.as_national if point.phone else ""
    if point.kind == Kind.EMAIL:
        return point.email
    return f"{point.address_line1}, {point.postcode} {point.city}".strip(", ")


def default_rule_enforce_bulk(dossier_ids: list[int]) -> dict[int, list[str]]:
    """The default rule for many files at once: in each file and kind that has
    validated means but no default, the most recently validated one becomes the
    default. Returns, per file, what to say in its journal."""
    said: dict[int, list[str]] = {}
    if not dossier_ids:
        return said
    # Plain tuples first (no instance, no phone parsing), instances only for the chosen.
    valid = (
        ContactPoint.objects.filter(
            among(ContactPoint, "dossier_id", dossier_ids), status=Status.VALID
        )
        .order_by("dossier_id", "kind", "-validated_at", "-id")
        .values_list("id", "dossier_id", "kind", "is_default")
    )
    best: dict[tuple[int, str], int] = {}
    has_default: set[tuple[int, str]] = set()
    for pk, dossier_id, kind, is_default in valid:
        key = (dossier_id, kind)
        if is_default:
            has_default.add(key)
        best.setdefault(key, pk)
    chosen_ids = [pk for key, pk in best.items() if key not in has_default]
    chosen = (
        list(
            ContactPoint.objects.filter(pk__in=chosen_ids)
            .order_by("dossier_id", "kind")
            .only(*POINT_FIELDS)
        )
        if chosen_ids
        else []
    )
    if not chosen:
        return said
    ContactPoint.objects.filter(pk__in=[p.pk for p in chosen]).update(is_default=True)
    # Translated once, not once per file.
    becomes = _("%(means)s devient le moyen par défaut (%(kind)s)")
    kinds = {kind: str(label) for kind, label in KIND_LABELS.items()}
    for point in chosen:
        said.setdefault(point.dossier_id, []).append(
            becomes % {"means": point_label(point), "kind": kinds[point.kind]}
        )
    return said


def dossier_contact_status_refresh_bulk(dossier_ids: list[int]) -> dict[int, str]:
    """« Vérification coordonnées » for files left without a usable means, « en cours »
    again for those that have one anew. Returns, per file, what to say."""
    said: dict[int, str] = {}
    if not dossier_ids:
        return said
    usable = ContactPoint.objects.filter(dossier_id=OuterRef("pk")).exclude(status=Status.INVALID)
    files = Dossier.objects.filter(among(Dossier, "id", dossier_ids))
    to_check = list(
        files.filter(status__in=AUTO_CHECK_FROM).exclude(Exists(usable)).values_list("pk", "status")
    )
    back = list(
        files.filter(Exists(usable), status=Dossier.Status.CONTACT_CHECK).values_list(
            "pk", flat=True
        )
    )
    now = timezone.now()
    if to_check:
        Dossier.objects.filter(pk__in=[pk for pk, _status in to_check]).update(
            status=Dossier.Status.CONTACT_CHECK, updated_at=now
        )
    if back:
        Dossier.objects.filter(pk__in=back).update(
            status=Dossier.Status.IN_PROGRESS, updated_at=now
        )
    # Each message is made once per former status, not once per file.
    check_label = Dossier.Status.CONTACT_CHECK.label
    if to_check:
        lost = _(
            "Statut : %(old)s → %(new)s. "
            "Plus aucun moyen de contact valide : coordonnées à rechercher."
        )
        lost_from = {
            status: lost % {"old": status.label, "new": check_label} for status in AUTO_CHECK_FROM
        }
        for pk, status in to_check:
            said[pk] = lost_from[status]
    if back:
        found = _(
            "Statut : %(old)s → %(new)s. Un moyen de contact valide est de nouveau disponible."
        ) % {"old": check_label, "new": Dossier.Status.IN_PROGRESS.label}
        for pk in back:
            said[pk] = found
    return said


class _ContactRulesMixin:
    """End of a contact or evidence import: default rule, status rule, journal."""

    source_name: str
    #: the journal entry of a file, with %(file)s and %(changes)s (lazy: a class attribute)
    journal_message: str
    per_dossier: Counters

    def describe(self, counts: tuple[int, ...]) -> list[str]:  # pragma: no cover - protocol
        raise NotImplementedError

    def finish(self) -> None:
        ids = list(self.per_dossier)
        # PostgreSQL: large chunks, since its planner reads the files table whole for
        # the status rule (cheaper, it estimates, than thousands of index probes),
        # once per chunk. SQLite probes the index: small chunks, less memory.
        size = 10_000 if connection.vendor == "postgresql" else 500
        journal_message = str(self.journal_message)  # translated once
        source = json.dumps(self.source_name)
        for chunk in chunked(ids, size):
            defaults = default_rule_enforce_bulk(chunk)
            statuses = dossier_contact_status_refresh_bulk(chunk)
            entries = []
            # Files share their counts: each set of counts is described once.
            described: dict[tuple[int, ...], str] = {}
            for dossier_id in chunk:
                counts = self.per_dossier[dossier_id]
                changes = described.get(counts)
                if changes is None:
                    changes = described[counts] = ", ".join(self.describe(counts))
                message = journal_message % {"file": self.source_name, "changes": changes}
                if dossier_id in defaults:
                    message += " " + " ; ".join(defaults[dossier_id]) + "."
                if dossier_id in statuses:
                    message += " " + statuses[dossier_id]
                entries.append(
                    import_journal_entry(
                        dossier_id=dossier_id,
                        action=Action.IMPORT,
                        message=message,
                        # {"import": …, "counts": […], "default_changed": …}, encoded
                        # here: the documents differ only by a few numbers.
                        data=JsonText(
                            f'{{"import": {source}, "counts": [{", ".join(map(str, counts))}], '
                            f'"default_changed": {"true" if dossier_id in defaults else "false"}}}'
                        ),
                    )
                )
                if len(entries) >= 1000:  # memory: a journal entry is ~1.5 KB here
                    journal_insert(entries)
                    entries = []
            journal_insert(entries)


# --- Contacts and their means -----------------------------------------------------------


@dataclass(slots=True)
class ContactRow:
    line: int
    reference: str
    key: str
    contact: dict[str, str]  # only the contact fields the row gives
    kind: str
    value_key: str
    point: dict[str, str]  # value fields of the means
    status: str | None
    is_default: bool | None


class ContactImporter(_ContactRulesMixin, Importer):
    label = gettext_lazy("moyens de contact")
    analyze_tables = {
        Contact._meta.db_table: ("dossier_id", "external_key"),
        ContactPoint._meta.db_table: ("contact_id", "dossier_id", "kind"),
    }
    journal_message = gettext_lazy("Import de contacts (%(file)s) : %(changes)s.")
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
        # Per file: contacts created, contacts updated, means created, means updated
        self.per_dossier = Counters(4)
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
        status = None
        raw_status = text(row.get("statut"))
        if raw_status:
            status = STATUS_VALUES.get(header_key(raw_status))
            if status is None:
                self.error(
                    line,
                    "statut",
                    raw_status,
                    _("statut inconnu : « a_qualifier », « valide » ou « invalide »."),
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
        if self.seen_before("point", reference, key, kind, value_key):
            self.duplicate_error(
                line,
                "contact",
                key,
                _("moyen de contact en double dans le fichier (même dossier, contact et valeur)."),
            )
            return None
        if is_default and self.seen_before("default", reference, kind):
            self.duplicate_error(
                line,
                "par_defaut",
                raw_default,
                _(
                    "deux moyens par défaut de type %(kind)s pour le dossier %(reference)s "
                    "dans le fichier : un seul par dossier et par type."
                )
                % {"kind": KIND_LABELS[kind], "reference": reference},
            )
            return None
        return ContactRow(line, reference, key, contact, kind, value_key, point, status, is_default)

    def _parse_contact(self, line: int, row: dict[str, Any]) -> dict[str, str]:
        contact: dict[str, str] = {}
        raw_civility = text(row.get("civilite"))
        if raw_civility:
            civility = CIVILITY_VALUES.get(header_key(raw_civility))
            if civility is None:
                self.error(
                    line, "civilite", raw_civility, _("civilité inconnue : « M. » ou « Mme ».")
                )
            else:
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
                    terms = ", ".join(f"« {term} »" for term, _category in found[:5])
                    self.error(
                        line,
                        column,
                        value,
                        _(
                            "terme(s) non autorisé(s) %(terms)s : les informations saisies "
                            "doivent être objectives, en relation avec la gestion du dossier, "
                            "et ne pas porter atteinte à l'image de la personne."
                        )
                        % {"terms": terms},
                    )
                    continue
            contact[field] = value
        return contact

    def _parse_point(self, line: int, row: dict[str, Any], kind: str, point: dict) -> str:
        if kind == Kind.PHONE:
            raw = text(row.get("telephone"))
            if not raw:
                self.error(line, "telephone", "", _("numéro obligatoire pour le canal telephone."))
                return ""
            country = text(row.get("pays")).upper() or "FR"
            try:
                e164, phone_type = normalize_phone(raw, country if len(country) == 2 else "FR")
            except NormalizationError as exc:
                self.error(line, "telephone", raw, str(exc))
                return ""
            point.update(phone=e164, phone_type=phone_type)
            return e164
        if kind == Kind.EMAIL:
            raw = text(row.get("email"))
            if not raw:
                self.error(line, "email", "", _("adresse obligatoire pour le canal email."))
                return ""
            try:
                email = normalize_email(raw)
            except NormalizationError as exc:
                self.error(line, "email", raw, str(exc))
                return ""
            if len(email) > 254:
                self.error(line, "email", raw, _("adresse e-mail trop longue."))
                return ""
            point["email"] = raw.strip()
            return email
        ok = True
        for column, field in (
            ("adresse1", "address_line1"),
            ("adresse2", "address_line2"),
            ("adresse3", "address_line3"),
            ("ville", "city"),
        ):
            value = " ".join(text(row.get(column)).split())
            if len(value) > POSTAL_LINE_LENGTH:
                self.error(
                    line,
                    column,
                    value,
                    _(
                        "ligne d'adresse trop longue (%(length)d caractères ; "
                        "%(max)d au plus, norme postale)."
                    )
                    % {"length": len(value), "max": POSTAL_LINE_LENGTH},
                )
                ok = False
            point[field] = value
        for column, field in (("adresse1", "address_line1"), ("ville", "city")):
            if not point[field]:
                self.error(line, column, "", _("obligatoire pour une adresse postale."))
                ok = False
        country = text(row.get("pays")).upper() or "FR"
        if len(country) != 2 or not country.isalpha():
            self.error(line, "pays", country, _("code pays à deux lettres attendu (FR, BE…)."))
            ok = False
        postcode = text(row.get("code_postal")).replace(" ", "")
        if country == "FR" and not POSTCODE_FR.match(postcode):
            self.error(
                line, "code_postal", postcode, _("code postal français à 5 chiffres attendu.")
            )
            ok = False
        elif len(postcode) > 10:
            self.error(line, "code_postal", postcode, _("code postal trop long."))
            ok = False
        point.update(postcode=postcode, country=country)
        if not ok:
            return ""
        return postal_value_key(
            point["address_line1"], point["address_line2"], point["address_line3"], postcode
        )

    # -- writing -----------------------------------------------------------------------
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

    def _rectification(self, contact: Contact, before: dict[str, str]) -> JournalEntry:
        after = {field: getattr(contact, field) for field in before}
        was = " ; ".join(
            f"{Contact._meta.get_field(f).verbose_name} « {(v or '—')[:200]} »"
            for f, v in before.items()
        )
        return import_journal_entry(
            dossier_id=contact.dossier_id,
            action=Action.CONTACT_UPDATED,
            message=_("Contact %(name)s modifié par l'import %(file)s. Avant : %(was)s.")
            % {"name": contact.full_name, "file": self.source_name, "was": was},
            data={"contact": contact.pk, "fields": list(before), "before": before, "after": after},
        )

    def write_batch(self, records: list[ContactRow]) -> None:
        now = timezone.now()
        rows: list[tuple[int, ContactRow]] = with_dossier_ids(self, records)
        if not rows:
            return
        lock_dossiers({d for d, _row in rows})

        # Contacts: one query for those that exist, one insert for the new ones.
        contacts: dict[tuple[int, str], Contact] = {}
        keys = sorted({r.key for _dossier, r in rows})
        for chunk in chunked(sorted({d for d, _row in rows}), 500):
            for contact in Contact.objects.filter(
                among(Contact, "dossier_id", chunk), among(Contact, "external_key", keys)
            ):
                contacts[(contact.dossier_id, contact.external_key)] = contact
        new_contacts: dict[tuple[int, str], Contact] = {}
        changed_contacts: dict[int, Contact] = {}
        contact_fields: set[str] = set()
        refused: set[tuple[int, str]] = set()
        rectified: dict[int, dict[str, str]] = {}
        for dossier_id, row in rows:
            ckey = (dossier_id, row.key)
            contact = contacts.get(ckey)
            if contact is None:
                contact = new_contacts.get(ckey)
                if contact is None:
                    if "last_name" not in row.contact:
                        self.error(
                            row.line, "nom", "", _("le nom est obligatoire pour créer le contact.")
                        )
                        refused.add(ckey)
                        continue
                    contact = new_instance(
                        Contact,
                        dossier_id=dossier_id,
                        external_key=row.key,
                        created_at=now,
                        **row.contact,
                    )
                    new_contacts[ckey] = contact
                    refused.discard(ckey)
                    continue
                # A later row of a new contact fills what the first one left empty.
                for field, value in row.contact.items():
                    if not getattr(contact, field):
                        setattr(contact, field, value)
                continue
            for field, value in row.contact.items():
                if getattr(contact, field) != value:
                    # The rectification trail keeps the value the file replaced.
                    rectified.setdefault(contact.pk, {}).setdefault(field, getattr(contact, field))
                    setattr(contact, field, value)
                    contact_fields.add(field)
                    changed_contacts[contact.pk] = contact
        if new_contacts:
            insert_objects(Contact, list(new_contacts.values()), CONTACT_INSERT, returning=True)
            contacts.update(new_contacts)
            for dossier_id, _key in new_contacts:
                self.per_dossier.add(dossier_id, 0)
        if changed_contacts:
            update_objects(Contact, list(changed_contacts.values()), sorted(contact_fields))
            for contact in changed_contacts.values():
                self.per_dossier.add(contact.dossier_id, 1)
            journal_insert(
                [self._rectification(c, rectified[c.pk]) for c in changed_contacts.values()]
            )

        # Means: those of the batch's existing contacts, in one query.
        existing_ids = [
            c.pk for k, c in contacts.items() if k not in new_contacts and c.pk is not None
        ]
        points: dict[tuple[int, str, str], ContactPoint] = {}
        for chunk in chunked(existing_ids, 900):
            for point in ContactPoint.objects.filter(among(ContactPoint, "contact_id", chunk)).only(
                *POINT_FIELDS
            ):
                points[(point.contact_id, point.kind, point.value_key)] = point
        new_points: list[ContactPoint] = []
        changed_points: dict[int, ContactPoint] = {}
        point_fields: set[str] = set()
        new_defaults: list[ContactPoint] = []
        qualified: list[ContactPoint] = []  # status set by the file: gets an evidence
        touched_contacts = {c.pk for c in changed_contacts.values()}
        for dossier_id, row in rows:
            contact = contacts.get((dossier_id, row.key))
            if contact is None:
                continue  # refused above
            point = points.get((contact.pk, row.kind, row.value_key))
            if point is None:
                status = row.status or Status.PENDING
                if row.is_default and status != Status.VALID:
                    self.error(
                        row.line,
                        "par_defaut",
                        "oui",
                        _(
                            "seul un moyen de contact validé peut être par défaut "
                            "(donnez le statut « valide »)."
                        ),
                    )
                    continue
                point = new_instance(
                    ContactPoint,
                    contact_id=contact.pk,
                    dossier_id=dossier_id,
                    kind=row.kind,
                    status=status,
                    is_default=False,
                    validated_at=now if status == Status.VALID else None,
                    status_changed_at=now if status != Status.PENDING else None,
                    value_key=row.value_key,
                    created_at=now,
                    **row.point,
                )
                new_points.append(point)
                points[(contact.pk, row.kind, row.value_key)] = point
                if status != Status.PENDING:
                    qualified.append(point)
                if row.is_default:
                    new_defaults.append(point)
                self.per_dossier.add(dossier_id, 2)
                self.created += 1
                continue
            changes = self._point_changes(point, row, now)
            if row.is_default and point.status != Status.VALID:
                self.error(
                    row.line,
                    "par_defaut",
                    "oui",
                    _(
                        "seul un moyen de contact validé peut être par défaut "
                        "(ce moyen est « %(status)s »)."
                    )
                    % {"status": Status(point.status).label.lower()},
                )
                continue
            starred = bool(row.is_default and not point.is_default)
            if starred:
                new_defaults.append(point)
            elif row.is_default is False and point.is_default:
                point.is_default = False
                changes.add("is_default")
            if "status" in changes:
                qualified.append(point)
            if changes or starred:
                point_fields.update(changes)
                changed_points[point.pk] = point
                self.per_dossier.add(dossier_id, 3)
                self.updated += 1
            elif contact.pk in touched_contacts:
                self.updated += 1
            else:
                self.unchanged += 1

        # The star: first take it from the former defaults, then give it.
        if new_defaults:
            by_kind: dict[str, list[int]] = {}
            for point in new_defaults:
                by_kind.setdefault(point.kind, []).append(point.dossier_id)
            keep = [p.pk for p in new_defaults if p.pk]
            for kind, ids in by_kind.items():
                for chunk in chunked(ids, 900):
                    ContactPoint.objects.filter(
                        dossier_id__in=chunk, kind=kind, is_default=True
                    ).exclude(pk__in=keep).update(is_default=False)
            starred_keys = {(p.dossier_id, p.kind) for p in new_defaults}
            for point in points.values():
                if point.is_default and (point.dossier_id, point.kind) in starred_keys:
                    point.is_default = False  # cleared above; keep memory in step
            for point in new_defaults:
                point.is_default = True
                if point.pk:
                    changed_points[point.pk] = point
                    point_fields.add("is_default")
        if changed_points:
            update_objects(ContactPoint, list(changed_points.values()), sorted(point_fields))
        fresh: list[ContactPoint] = []
        if new_points:
            fields = POINT_INSERT
            if connection.vendor == "postgresql":
                # The evidence keys of new qualified means are taken first, so that the
                # means are written with their last_evidence at once (the foreign keys
                # are checked at commit), not updated after.
                fresh = [p for p in qualified if p.pk is None]
                for point, pk in zip(fresh, reserve_ids(Evidence, len(fresh)), strict=True):
                    point.last_evidence_id = pk
                fields = (*POINT_INSERT, "last_evidence_id")
            insert_objects(ContactPoint, new_points, fields, returning=True)
        if qualified:
            self._record_import_evidence(qualified, now, fresh)

    def _point_changes(self, point: ContactPoint, row: ContactRow, now) -> set[str]:
        changes: set[str] = set()
        for field, value in row.point.items():
            current = getattr(point, field)
            if field == "phone":
                current = current.as_e164 if current else ""
            if value and current != value:
                setattr(point, field, value)
                changes.add(field)
        if row.status is not None and row.status != point.status:
            point.status = row.status
            point.status_changed_at = now
            changes.update(("status", "status_changed_at"))
            if row.status == Status.VALID:
                point.validated_at = now
                changes.add("validated_at")
            elif point.is_default:
                point.is_default = False
                changes.add("is_default")
        return changes

    def _record_import_evidence(
        self, points: list[ContactPoint], now, fresh: list[ContactPoint] = ()
    ) -> None:
        """Why a means is in the state the file gave it: an « import » evidence.
        ``fresh``: those of ``points`` written already with the key of their evidence
        (``last_evidence_id``, see ``reserve_ids``)."""
        # Translated once per status, not once per means.
        given_by_import = _("Statut « %(status)s » donné par l'import.")
        comments = {status: given_by_import % {"status": status.label} for status in Status}
        evidences = [
            new_instance(
                Evidence,
                point_id=point.pk,
                kind=Evidence.Kind.IMPORTED,
                occurred_at=now,
                source=Evidence.Source.IMPORT,
                source_detail=self.source_name[:200],
                comment=comments[point.status],
                created_at=now,
            )
            for point in points
        ]
        given = {id(point) for point in fresh}
        keyed: list[Evidence] = []
        others: list[tuple[ContactPoint, Evidence]] = []
        for point, evidence in zip(points, evidences, strict=True):
            if id(point) in given:
                evidence.pk = point.last_evidence_id
                keyed.append(evidence)
            else:
                others.append((point, evidence))
        insert_objects(Evidence, keyed, ("id", *EVIDENCE_INSERT))
        if others:
            insert_objects(Evidence, [e for _point, e in others], EVIDENCE_INSERT, returning=True)
            for point, evidence in others:
                point.last_evidence_id = evidence.pk
            update_objects(ContactPoint, [p for p, _evidence in others], ["last_evidence"])


# --- Qualification events -----------------------------------------------------------------

EVENT_KINDS = (
    Evidence.Kind.CALL_COMPLETED,
    Evidence.Kind.CALL_INCOMING,
    Evidence.Kind.WRONG_NUMBER,
    Evidence.Kind.RECEIPT_ACK,
    Evidence.Kind.LETTER_INCOMING,
    Evidence.Kind.NPAI,
    Evidence.Kind.EMAIL_REPLY,
    Evidence.Kind.BOUNCE,
)
POINT_KIND_OF_EVENT = {
    evidence_kind: point_kind
    for point_kind, kinds in EVIDENCE_KINDS_BY_POINT_KIND.items()
    for evidence_kind in kinds
}
_POSTAL_EVENT = re.compile(r"^(?P<line>.*?)[\s,;-]*\b(?P<postcode>\d{5})\b(?P<rest>[^\d]*)$")


@dataclass(slots=True)
class EventRow:
    line: int
    occurred_at: datetime.datetime
    kind: str
    point_kind: str
    value: str  # value_key for phones and e-mails; "LINE1|POSTCODE" for postal
    raw_value: str
    reference: str


class EvidenceImporter(_ContactRulesMixin, Importer):
    label = gettext_lazy("événements")
    journal_message = gettext_lazy("Import d'événements (%(file)s) : %(changes)s.")
    columns = ("date", "type", "valeur", "reference_dossier")
    required_columns = ("date", "type", "valeur")
    aliases = {"dossier": "reference_dossier", "evenement": "type", "valeur_contact": "valeur"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # Per file: evidences, validated, invalidated, default lost
        self.per_dossier = Counters(4)
        # Per means touched: the moment of the newest event of this file applied to it.
        self.latest: dict[int, datetime.datetime] = {}

    def parse_row(self, line: int, row: dict[str, Any]) -> EventRow | None:
        raw_date = row.get("date")
        occurred_at = None
        try:
            occurred_at = parse_datetime(raw_date) if text(raw_date) else None
            if occurred_at is None:
                self.error(line, "date", "", _("la date de l'événement est obligatoire."))
        except ValueError as exc:
            self.error(line, "date", raw_date, str(exc))
        raw_kind = text(row.get("type"))
        kind = header_key(raw_kind)
        if kind not in EVENT_KINDS:
            self.error(
                line,
                "type",
                raw_kind,
                _("type d'événement inconnu (attendu : %(kinds)s).")
                % {"kinds": ", ".join(EVENT_KINDS)},
            )
            kind = None
        reference = text(row.get("reference_dossier"))
        raw_value = text(row.get("valeur"))
        value = ""
        point_kind = POINT_KIND_OF_EVENT.get(kind) if kind else None
        if not raw_value:
            self.error(line, "valeur", "", _("la valeur (téléphone, e-mail ou adresse) manque."))
        elif point_kind == Kind.PHONE:
            try:
                value = normalize_phone(raw_value)[0]
            except NormalizationError as exc:
                self.error(line, "valeur", raw_value, str(exc))
        elif point_kind == Kind.EMAIL:
            try:
                value = normalize_email(raw_value)
            except NormalizationError as exc:
                self.error(line, "valeur", raw_value, str(exc))
        elif point_kind == Kind.POSTAL:
            match = _POSTAL_EVENT.match(raw_value)
            if not match or not match["line"].strip():
                self.error(
                    line,
                    "valeur",
                    raw_value,
                    _(
                        "pour un courrier, la valeur est la première ligne de l'adresse suivie "
                        "du code postal (exemple : « 12 rue de la Paix 75002 »)."
                    ),
                )
            else:
                value = f"{postal_part(match['line'])}|{match['postcode']}"
            if not reference:
                self.error(
                    line,
                    "reference_dossier",
                    "",
                    _("la référence du dossier est obligatoire pour un événement postal."),
                )
        if line in self.rejected_lines:
            return None
        if self.seen_before("event", occurred_at, kind, value, reference):
            self.duplicate_error(
                line,
                "valeur",
                raw_value,
                _("événement en double dans le fichier (même date, type, valeur et dossier)."),
            )
            return None
        return EventRow(line, occurred_at, kind, point_kind, value, raw_value, reference)

    def describe(self, counts: tuple[int, ...]) -> list[str]:
        evidences, validated, invalidated, unstarred = counts
        parts = [
            ngettext("%(count)d preuve enregistrée", "%(count)d preuves enregistrées", evidences)
            % {"count": evidences}
        ]
        if validated:
            parts.append(
                ngettext("%(count)d moyen validé", "%(count)d moyens validés", validated)
                % {"count": validated}
            )
        if invalidated:
            parts.append(
                ngettext("%(count)d moyen invalidé", "%(count)d moyens invalidés", invalidated)
                % {"count": invalidated}
            )
        if unstarred:
            parts.append(
                ngettext(
                    "%(count)d moyen par défaut perdu",
                    "%(count)d moyens par défaut perdus",
                    unstarred,
                )
                % {"count": unstarred}
            )
        return parts

    def write_batch(self, records: list[EventRow]) -> None:
        dossiers = dossier_ids_by_reference({r.reference for r in records if r.reference})
        rows: list[EventRow] = []
        for row in records:
            if row.reference and row.reference not in dossiers:
                unknown_dossier_error(self, row)
            else:
                rows.append(row)
        # The means: phones and e-mails by their value anywhere, postal ones in the
        # files the rows name.
        candidates: dict[tuple[str, str], list[ContactPoint]] = {}
        values = sorted({r.value for r in rows if r.point_kind != Kind.POSTAL})
        for chunk in chunked(values, 900):
            for point in ContactPoint.objects.filter(
                value_key__in=chunk, kind__in=(Kind.PHONE, Kind.EMAIL)
            ).only(*POINT_FIELDS):
                candidates.setdefault((point.kind, point.value_key), []).append(point)
        postal_files = sorted({dossiers[r.reference] for r in rows if r.point_kind == Kind.POSTAL})
        for chunk in chunked(postal_files, 900):
            for point in ContactPoint.objects.filter(dossier_id__in=chunk, kind=Kind.POSTAL).only(
                *POINT_FIELDS
            ):
                parts = point.value_key.split("|")
                candidates.setdefault((Kind.POSTAL, f"{parts[0]}|{parts[-1]}"), []).append(point)
        matched: list[tuple[EventRow, ContactPoint]] = []
        for row in rows:
            found = candidates.get((row.point_kind, row.value), [])
            if row.reference:
                dossier_id = dossiers[row.reference]
                found = [p for p in found if p.dossier_id == dossier_id]
            if not found:
                if row.reference:
                    message = _(
                        "aucun moyen de contact (%(kind)s) ne correspond à cette valeur "
                        "dans le dossier %(reference)s."
                    )
                else:
                    message = _("aucun moyen de contact (%(kind)s) ne correspond à cette valeur.")
                self.error(
                    row.line,
                    "valeur",
                    row.raw_value,
                    message % {"kind": KIND_LABELS[row.point_kind], "reference": row.reference},
                )
                continue
            matched.extend((row, p) for p in found)
        if not matched:
            return
        lock_dossiers({p.dossier_id for _row, p in matched})
        # Already imported (same means, kind and moment): nothing to do again.
        point_ids = sorted({p.pk for _row, p in matched})
        moments = sorted({r.occurred_at for r, _point in matched})
        done: set[tuple[int, str, datetime.datetime]] = set()
        for chunk in chunked(point_ids, 900):
            done.update(
                Evidence.objects.filter(
                    point_id__in=chunk, source=Evidence.Source.IMPORT, occurred_at__in=moments
                ).values_list("point_id", "kind", "occurred_at")
            )
        now = timezone.now()
        points: dict[int, ContactPoint] = {}
        evidences: list[Evidence] = []
        applied: list[ContactPoint | None] = []
        # Events apply in the order they happened, as they would have one by one.
        # Within a batch by sorting; across batches (a file not sorted by date), an
        # event older than one this file already applied to the same means is
        # recorded as evidence but changes nothing: the newer one stands.
        matched.sort(key=lambda pair: (pair[0].occurred_at, pair[0].line))
        latest = self.latest
        for row, candidate in matched:
            if (candidate.pk, row.kind, row.occurred_at) in done:
                self.unchanged += 1
                continue
            point = points.setdefault(candidate.pk, candidate)
            evidence = new_instance(
                Evidence,
                point_id=point.pk,
                kind=row.kind,
                occurred_at=row.occurred_at,
                source=Evidence.Source.IMPORT,
                source_detail=self.source_name[:200],
                created_at=now,
            )
            evidences.append(evidence)
            self.per_dossier.add(point.dossier_id, 0)
            newest = latest.get(point.pk)
            if newest is not None and row.occurred_at < newest:
                applied.append(None)
                self.created += 1
                continue
            latest[point.pk] = row.occurred_at
            applied.append(point)
            new_status = EVIDENCE_EFFECT[row.kind]
            if new_status is not None and new_status != point.status:
                point.status = new_status
                point.status_changed_at = now
                if new_status == Status.VALID:
                    point.validated_at = row.occurred_at
                    self.per_dossier.add(point.dossier_id, 1)
                else:
                    self.per_dossier.add(point.dossier_id, 2)
                    if point.is_default:
                        point.is_default = False
                        self.per_dossier.add(point.dossier_id, 3)
                self.updated += 1
            else:
                if new_status == Status.VALID:
                    # A fresh proof makes it the most recently validated means again.
                    point.validated_at = max(point.validated_at or row.occurred_at, row.occurred_at)
                self.created += 1
        if not evidences:
            return
        insert_objects(Evidence, evidences, EVIDENCE_INSERT, returning=True)
        for point, evidence in zip(applied, evidences, strict=True):
            if point is not None:
                point.last_evidence_id = evidence.pk  # the last one applied wins
        update_objects(
            ContactPoint,
            list(points.values()),
            ["status", "status_changed_at", "validated_at", "is_default", "last_evidence"],
        )
