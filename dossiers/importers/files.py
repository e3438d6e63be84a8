"""The import of files (``manage.py import_dossiers``): parsing, validation and
bulk writes, through ``recouvrement.importing``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recouvrement.importing.base import Importer
from recouvrement.importing.bulk import among, insert_objects, new_instance, update_objects
from recouvrement.importing.reader import header_key
from recouvrement.importing.values import text

from ..models import Dossier, JournalEntry
from ..services import journal_entry_build
from ..validators import normalize_siren, validate_siren
from .common import chunked, journal_insert

Action = JournalEntry.Action
IMPORT = JournalEntry.ActorKind.IMPORT

KIND_VALUES = {header_key(v): v for v in Dossier.Kind.values} | {
    header_key(label): value for value, label in Dossier.Kind.choices
}
STATUS_VALUES = {header_key(v): v for v in Dossier.Status.values} | {
    header_key(str(label)): value for value, label in Dossier.Status.choices
}


UNKNOWN_KIND = gettext_lazy("type inconnu : « particulier » ou « professionnel ».")
DOSSIER_FIELDS = (
    "reference",
    "name",
    "kind",
    "siren",
    "assigned_to_id",
    "status",
    "created_at",
    "updated_at",
)


@dataclass(slots=True)
class DossierRow:
    line: int
    reference: str
    name: str | None
    kind: str | None
    siren: str | None
    assigned_to_id: int | None
    status: str | None


class DossierImporter(Importer):
    label = gettext_lazy("dossiers")
    analyze_tables = {Dossier._meta.db_table: ("reference",)}
    columns = ("reference", "nom", "type", "siren", "charge", "statut")
    required_columns = ("reference",)
    aliases = {"collaborateur": "charge", "charge_de_recouvrement": "charge"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        user_model = get_user_model()
        # Collaborators are few: one query for all of them.
        self.users = dict(
            user_model.objects.filter(is_active=True).values_list(user_model.USERNAME_FIELD, "id")
        )
        self.usernames = {v: k for k, v in self.users.items()}

    def parse_row(self, line: int, row: dict[str, Any]) -> DossierRow | None:
        reference = text(row.get("reference"))
        if not reference:
            self.error(line, "reference", reference, _("la référence du dossier est obligatoire."))
        elif len(reference) > 50:
            self.error(line, "reference", reference, _("référence trop longue (50 caractères)."))
        elif self.seen_before(reference):
            self.duplicate_error(
                line,
                "reference",
                reference,
                _("référence en double dans le fichier (clé répétée)."),
            )
        name = text(row.get("nom")) or None
        if name and len(name) > 200:
            self.error(line, "nom", name, _("nom trop long (200 caractères au plus)."))
        kind = self.choice(
            line,
            row,
            "type",
            KIND_VALUES,
            UNKNOWN_KIND,
        )
        siren = None
        raw_siren = text(row.get("siren"))
        if raw_siren:
            try:
                validate_siren(raw_siren)
                siren = normalize_siren(raw_siren)
            except ValidationError as exc:
                self.error(line, "siren", raw_siren, exc.messages[0])
            if siren and kind == Dossier.Kind.INDIVIDUAL:
                self.error(
                    line,
                    "siren",
                    raw_siren,
                    _("un SIREN n'est possible que pour un professionnel."),
                )
        assigned_to_id = None
        username = text(row.get("charge"))
        if username:
            assigned_to_id = self.users.get(username)
            if assigned_to_id is None:
                self.error(
                    line,
                    "charge",
                    username,
                    _("collaborateur inconnu : aucun utilisateur actif « %(username)s ».")
                    % {"username": username},
                )
        status = self.choice(
            line,
            row,
            "statut",
            STATUS_VALUES,
            lambda: (
                _("statut inconnu (attendu : %(values)s).")
                % {"values": ", ".join(Dossier.Status.values)}
            ),
        )
        if line in self.rejected_lines:
            return None
        return DossierRow(line, reference, name, kind, siren, assigned_to_id, status)

    def write_batch(self, records: list[DossierRow]) -> None:
        existing = {
            d.reference: d
            for chunk in chunked([r.reference for r in records])
            for d in Dossier.objects.filter(among(Dossier, "reference", chunk)).only(
                "id", "reference", "name", "kind", "siren", "assigned_to_id", "status"
            )
        }
        now = timezone.now()
        new: list[Dossier] = []
        changed: list[Dossier] = []
        changed_fields: set[str] = set()
        journal: list[JournalEntry] = []
        phrases: dict[str, Any] = {}  # the journal's, translated at the first change
        for row in records:
            dossier = existing.get(row.reference)
            if dossier is None:
                if not row.name:
                    self.error(
                        row.line, "nom", "", _("le nom est obligatoire pour créer un dossier.")
                    )
                    continue
                kind = row.kind or Dossier.Kind.INDIVIDUAL
                if row.siren and kind != Dossier.Kind.COMPANY:
                    self.error(
                        row.line,
                        "siren",
                        row.siren,
                        _("un SIREN n'est possible que pour un professionnel (colonne type)."),
                    )
                    continue
                new.append(
                    new_instance(
                        Dossier,
                        reference=row.reference,
                        name=row.name,
                        kind=kind,
                        siren=row.siren or "",
                        assigned_to_id=row.assigned_to_id,
                        status=row.status or Dossier.Status.IN_PROGRESS,
                        created_at=now,
                        updated_at=now,
                    )
                )
                continue
            changes = self._changes(dossier, row)
            kind = changes.get("kind", dossier.kind)
            siren = changes.get("siren", dossier.siren)
            if siren and kind != Dossier.Kind.COMPANY:
                self.error(
                    row.line,
                    "siren" if row.siren else "type",
                    row.siren or row.kind,
                    _("un SIREN n'est possible que pour un professionnel."),
                )
                continue
            if not changes:
                self.unchanged += 1
                continue
            phrases = phrases or self._journal_phrases()
            described = []
            for field, value in changes.items():
                described.append(self._describe(dossier, field, value, phrases))
                setattr(dossier, field, value)
            dossier.updated_at = now
            changed.append(dossier)
            changed_fields.update(changes)
            journal.append(
                journal_entry_build(
                    dossier=dossier.pk,
                    actor_kind=IMPORT,
                    action=Action.DOSSIER_UPDATED,
                    message=phrases["updated"]
                    % {"file": self.source_name, "changes": " ; ".join(described)},
                    data={"import": self.source_name, "fields": sorted(changes)},
                )
            )
        if new:
            insert_objects(Dossier, new, DOSSIER_FIELDS, returning=True)
            # The same message and data for every created file (the data is encoded once).
            message = _("Dossier créé par import (%(file)s).") % {"file": self.source_name}
            data = {"import": self.source_name}
            journal.extend(
                journal_entry_build(
                    dossier=d.pk,
                    action=Action.DOSSIER_CREATED,
                    actor_kind=IMPORT,
                    message=message,
                    data=data,
                )
                for d in new
            )
        if changed:
            update_objects(Dossier, changed, sorted(changed_fields | {"updated_at"}))
        if journal:
            journal_insert(journal)
        self.created += len(new)
        self.updated += len(changed)

    @staticmethod
    def _changes(dossier: Dossier, row: DossierRow) -> dict[str, Any]:
        """Only what the file says and differs: an empty cell keeps the current value."""
        wanted = {
            "name": row.name,
            "kind": row.kind,
            "siren": row.siren,
            "assigned_to_id": row.assigned_to_id,
            "status": row.status,
        }
        return {
            field: value
            for field, value in wanted.items()
            if value is not None and getattr(dossier, field) != value
        }

    @staticmethod
    def _journal_phrases() -> dict[str, Any]:
        """What the journal of a changed file says, translated once per batch (not
        once per file): the message, the change of each field, the choices' labels."""
        return {
            "updated": _("Dossier modifié par import (%(file)s) : %(changes)s."),
            "status": _("statut %(old)s → %(new)s"),
            "assigned_to_id": _("collaborateur %(old)s → %(new)s"),
            "kind": _("type %(old)s → %(new)s"),
            "name": _("nom « %(old)s » → « %(new)s »"),
            "siren": _("SIREN « %(old)s » → « %(new)s »"),
            # Translators: the former collaborator of a file that had none.
            "nobody": _("personne"),
            "status_labels": {value: str(label) for value, label in Dossier.Status.choices},
            "kind_labels": {value: str(label) for value, label in Dossier.Kind.choices},
        }

    def _describe(self, dossier: Dossier, field: str, value: Any, phrases: dict[str, Any]) -> str:
        old = getattr(dossier, field)
        if field == "status":
            labels = phrases["status_labels"]
            old, value = labels[old], labels[value]
        elif field == "assigned_to_id":
            old, value = (
                self.usernames.get(old, phrases["nobody"]),
                self.usernames.get(value, value),
            )
        elif field == "kind":
            labels = phrases["kind_labels"]
            old, value = labels[old], labels[value]
        return phrases[field] % {"old": old, "new": value}
