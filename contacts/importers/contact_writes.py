"""The writes of the contact import: contacts, then means, then the star, then the
« import » evidence of the means the file qualified, in bulk statements whose
number does not grow with the batch. What a row may change is decided by
``contacts.rules``: the same rules as the contact form's and the services'.

This is the staging of the import (``contact_apply`` says how its two phases
keep agents from waiting for it but during a short apply): the rows of contacts that do not exist yet are
written batch by batch while the file is read, those of existing contacts put aside
until the apply, which writes them through ``write_batch`` again, under the lock.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import IntEnum

from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.importers import chunked, journal_insert, with_dossier_ids
from dossiers.models import JournalEntry
from dossiers.services import journal_entry_build
from recouvrement.importing.bulk import (
    among,
    ids_reservable,
    insert_objects,
    new_instance,
    reserve_ids,
    staged_objects,
    update_objects,
)

from .. import rules
from ..models import Contact, ContactPoint, Evidence
from .common import EVIDENCE_INSERT, POINT_FIELDS, lock_dossiers
from .contact_apply import ContactApply

Status = ContactPoint.Status
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


class ContactCounts(IntEnum):
    """What a contact import counts in each file, for its journal entry."""

    CONTACTS_ADDED = 0
    CONTACTS_UPDATED = 1
    MEANS_ADDED = 2
    MEANS_UPDATED = 3


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


@dataclass(slots=True)
class _PointWrites:
    """The means of a batch to write: new ones, changed ones (and which fields),
    those that take the star, those whose status the file set (they get an
    « import » evidence)."""

    new: list = dataclasses.field(default_factory=list)
    changed: dict = dataclasses.field(default_factory=dict)
    fields: set = dataclasses.field(default_factory=set)
    new_defaults: list = dataclasses.field(default_factory=list)
    qualified: list = dataclasses.field(default_factory=list)


class ContactWrites(ContactApply):
    """``write_batch`` of ``ContactImporter``, step by step."""

    #: the contacts the previous batch created (staging)
    _own_contacts: set[int] = frozenset()

    def write_batch(self, records: list[ContactRow]) -> None:
        now = timezone.now()
        rows: list[tuple[int, ContactRow]] = with_dossier_ids(self, records)
        if not rows:
            return
        known = self._known_contacts(rows)
        if self._applying:
            if not self.table_locked:  # a file of rows put aside only
                lock_dossiers({d for d, _row in rows})
        else:
            # A contact this import created in the previous batch (its rows straddle
            # two batches) is still seen by nobody else: its rows are written now.
            own = self._own_contacts
            aside = {key for key, contact in known.items() if contact.pk not in own}
            later = [row for d, row in rows if (d, row.key) in aside]
            if later:
                self.put_aside(later)
                rows = [(d, row) for d, row in rows if (d, row.key) not in aside]
            known = {key: contact for key, contact in known.items() if key not in aside}
        contacts, new_contacts, touched_contacts = self._write_contacts(rows, now, known)
        if not self._applying:
            self._own_contacts = {c.pk for c in new_contacts.values()}
            self.mark_journal()
        points = self._existing_points(
            [c.pk for k, c in contacts.items() if k not in new_contacts and c.pk is not None]
        )
        writes = _PointWrites()
        for dossier_id, row in rows:
            contact = contacts.get((dossier_id, row.key))
            if contact is None:
                continue  # refused in _write_contacts
            point = points.get((contact.pk, row.kind, row.value_key))
            if point is None:
                point = self._new_point(dossier_id, contact, row, now, writes)
                if point is not None:
                    points[(contact.pk, row.kind, row.value_key)] = point
            else:
                self._update_point(point, row, now, writes, contact.pk in touched_contacts)
        staged_stars: list[ContactPoint] = []
        if writes.new_defaults:
            if self._applying:
                self._move_stars(writes, points)
            else:
                # Only new means here (of new contacts): the star waits for the apply,
                # where the file's current default, which an agent may move, is locked.
                staged_stars = writes.new_defaults
        if writes.changed and writes.fields:  # (a staged star alone changes no field yet)
            update_objects(ContactPoint, list(writes.changed.values()), sorted(writes.fields))
        fresh: list[ContactPoint] = []
        if writes.new:
            fields = POINT_INSERT
            if ids_reservable():
                # The evidence keys of new qualified means are taken first, so that the
                # means are written with their last_evidence at once (the foreign keys
                # are checked at commit), not updated after.
                fresh = [p for p in writes.qualified if p.pk is None]
                for point, pk in zip(fresh, reserve_ids(Evidence, len(fresh)), strict=True):
                    point.last_evidence_id = pk
                fields = (*POINT_INSERT, "last_evidence_id")
            insert_objects(ContactPoint, writes.new, fields, returning=True)
        if writes.qualified:
            self._record_import_evidence(writes.qualified, now, fresh)
        if staged_stars:
            self.stage_stars(staged_stars)

    def _rectification(self, contact: Contact, before: dict[str, str]):
        after = {field: getattr(contact, field) for field in before}
        was = " ; ".join(
            f"{Contact._meta.get_field(f).verbose_name} « {(v or '—')[:200]} »"
            for f, v in before.items()
        )
        return journal_entry_build(
            dossier=contact.dossier_id,
            action=JournalEntry.Action.CONTACT_UPDATED,
            actor_kind=JournalEntry.ActorKind.IMPORT,
            message=_("Contact %(name)s modifié par l'import %(file)s. Avant : %(was)s.")
            % {"name": contact.full_name, "file": self.source_name, "was": was},
            data={"contact": contact.pk, "fields": list(before), "before": before, "after": after},
        )

    @staticmethod
    def _known_contacts(rows) -> dict[tuple[int, str], Contact]:
        """The batch's contacts that exist, by (file, key): one query per 500 files
        (and, on SQLite, one in the contacts this import staged: ``bulk.Stage``)."""
        contacts: dict[tuple[int, str], Contact] = {}
        keys = sorted({r.key for _dossier, r in rows})
        for chunk in chunked(sorted({d for d, _row in rows}), 500):
            for contact in Contact.objects.filter(
                among(Contact, "dossier_id", chunk), among(Contact, "external_key", keys)
            ):
                contacts[(contact.dossier_id, contact.external_key)] = contact
            for contact in staged_objects(Contact, dossier_id=chunk, external_key=keys):
                contacts[(contact.dossier_id, contact.external_key)] = contact
        return contacts

    def _write_contacts(self, rows, now, contacts):
        """The batch's contacts (``contacts``: those that exist): one insert for the
        new ones, one update for the changed ones. Returns them by (file, key), the
        new ones, and the keys of the changed ones."""
        new_contacts: dict[tuple[int, str], Contact] = {}
        changed_contacts: dict[int, Contact] = {}
        contact_fields: set[str] = set()
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
                        continue
                    new_contacts[ckey] = new_instance(
                        Contact,
                        dossier_id=dossier_id,
                        external_key=row.key,
                        created_at=now,
                        **row.contact,
                    )
                    continue
                # A later row of a new contact fills what the first one left empty.
                for field, value in row.contact.items():
                    if not getattr(contact, field):
                        setattr(contact, field, value)
                continue
            for field, value in row.contact.items():
                if getattr(contact, field) != value:
                    # The rectification trail keeps the value the file replaced (rgpd).
                    rectified.setdefault(contact.pk, {}).setdefault(field, getattr(contact, field))
                    setattr(contact, field, value)
                    contact_fields.add(field)
                    changed_contacts[contact.pk] = contact
        if new_contacts:
            insert_objects(Contact, list(new_contacts.values()), CONTACT_INSERT, returning=True)
            contacts.update(new_contacts)
            for dossier_id, _key in new_contacts:
                self.per_dossier.add(dossier_id, ContactCounts.CONTACTS_ADDED)
        if changed_contacts:
            update_objects(Contact, list(changed_contacts.values()), sorted(contact_fields))
            for contact in changed_contacts.values():
                self.per_dossier.add(contact.dossier_id, ContactCounts.CONTACTS_UPDATED)
            journal_insert(
                [self._rectification(c, rectified[c.pk]) for c in changed_contacts.values()]
            )
        return contacts, new_contacts, set(changed_contacts)

    @staticmethod
    def _existing_points(contact_ids: list[int]) -> dict[tuple[int, str, str], ContactPoint]:
        """The means of these contacts, by (contact, kind, value key)."""
        points: dict[tuple[int, str, str], ContactPoint] = {}
        for chunk in chunked(contact_ids, 900):
            for point in ContactPoint.objects.filter(among(ContactPoint, "contact_id", chunk)).only(
                *POINT_FIELDS
            ):
                points[(point.contact_id, point.kind, point.value_key)] = point
        return points

    def _new_point(self, dossier_id, contact, row, now, writes) -> ContactPoint | None:
        status = row.status or Status.PENDING
        if row.is_default and not rules.can_be_default(status):
            self.error(
                row.line,
                "par_defaut",
                "oui",
                _(
                    "seul un moyen de contact validé peut être par défaut "
                    "(donnez le statut « valide »)."
                ),
            )
            return None
        point = new_instance(
            ContactPoint,
            contact_id=contact.pk,
            dossier_id=dossier_id,
            kind=row.kind,
            status=Status.PENDING,
            is_default=False,
            value_key=row.value_key,
            created_at=now,
            **row.point,
        )
        if rules.qualification_apply(point, status, occurred_at=now, now=now).status_changed:
            writes.qualified.append(point)
        writes.new.append(point)
        if row.is_default:
            writes.new_defaults.append(point)
        self.per_dossier.add(dossier_id, ContactCounts.MEANS_ADDED)
        self.created += 1
        return point

    def _update_point(self, point, row, now, writes, contact_touched: bool) -> None:
        changes = self._point_changes(point, row, now)
        if row.is_default and not rules.can_be_default(point.status):
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
            return
        starred = bool(row.is_default and not point.is_default)
        if starred:
            writes.new_defaults.append(point)
        elif row.is_default is False and point.is_default:
            point.is_default = False
            changes.add("is_default")
        if "status" in changes:
            writes.qualified.append(point)
        if changes or starred:
            writes.fields.update(changes)
            writes.changed[point.pk] = point
            self.per_dossier.add(point.dossier_id, ContactCounts.MEANS_UPDATED)
            self.updated += 1
        elif contact_touched:
            self.updated += 1
        else:
            self.unchanged += 1

    @staticmethod
    def _move_stars(writes: _PointWrites, points: dict) -> None:
        """One default per file and kind: the star leaves the former defaults of the
        files and kinds a row names a default for, then goes to the named ones."""
        by_kind: dict[str, list[int]] = {}
        for point in writes.new_defaults:
            by_kind.setdefault(point.kind, []).append(point.dossier_id)
        keep = [p.pk for p in writes.new_defaults if p.pk]
        for kind, ids in by_kind.items():
            for chunk in chunked(ids, 900):
                ContactPoint.objects.filter(
                    dossier_id__in=chunk, kind=kind, is_default=True
                ).exclude(pk__in=keep).update(is_default=False)
        starred_keys = {(p.dossier_id, p.kind) for p in writes.new_defaults}
        for point in points.values():
            if point.is_default and (point.dossier_id, point.kind) in starred_keys:
                point.is_default = False  # cleared above; keep memory in step
        for point in writes.new_defaults:
            point.is_default = True
            if point.pk:
                writes.changed[point.pk] = point
                writes.fields.add("is_default")

    @staticmethod
    def _point_changes(point: ContactPoint, row: ContactRow, now) -> set[str]:
        """What the row changes in an existing means: its value fields, then the
        status the file gives (by ``rules.qualification_apply``)."""
        changes: set[str] = set()
        for field, value in row.point.items():
            current = getattr(point, field)
            if field == "phone":
                current = current.as_e164 if current else ""
            if value and current != value:
                setattr(point, field, value)
                changes.add(field)
        if row.status is not None and row.status != point.status:
            changes |= rules.qualification_apply(point, row.status, occurred_at=now, now=now).fields
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
