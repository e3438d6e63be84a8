"""What the contact and event imports share: the values of their columns, and the
end of an import, where the rules of ``contacts.rules`` (the default rule, the
« vérification coordonnées » status rule) run for every file it touched, in bulk,
and each file gets one journal entry (actor « import ») that says what changed.

Each batch costs a fixed number of queries whatever its size.
"""

from __future__ import annotations

from array import array

from django.db.models import Exists, OuterRef
from django.utils import timezone

from dossiers.importers import chunked, journal_insert
from dossiers.importers.common import JOURNAL_FIELDS
from dossiers.models import Dossier, JournalEntry
from dossiers.services import journal_entry_build
from recouvrement.importing.base import Counters
from recouvrement.importing.bulk import (
    among,
    chunk_size,
    ids_reservable,
    insert_objects,
    lock_rows,
    reserve_ids,
)

from .. import rules
from ..models import ContactPoint

Status = ContactPoint.Status
Kind = ContactPoint.Kind

#: The fields of a means an import reads and writes (no ``created_by``…).
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
EVIDENCE_INSERT = (
    "point_id",
    "kind",
    "occurred_at",
    "source",
    "source_detail",
    "comment",
    "created_at",
)


def lock_dossiers(dossier_ids) -> None:
    """Serialise with agents working on the same files: the services lock the file
    row too (``dossiers.services.dossier_lock``)."""
    lock_rows(Dossier, dossier_ids)


class Plan:
    """What the end-of-file rules decided without writing it (``apply=False``): the
    means to star (with their file) and the files' status moves, written later by
    ``plan_apply`` under the files' locks."""

    def __init__(self) -> None:
        # arrays, not lists of ints: 8 bytes an entry (a file of a million rows
        # touches a third of a million files)
        self.star_files, self.star_points = array("q"), array("q")
        self.moves: dict[tuple[str, str], array] = {}  # (former, new) → file ids
        #: the keys of the journal entries written (taken first, in order)
        self.entries = array("q")


def default_rule_enforce_bulk(
    dossier_ids: list[int], *, starred=frozenset(), plan: Plan | None = None
) -> dict[int, list[str]]:
    """``rules.defaults_to_give`` for many files at once. Returns, per file, what
    to say in its journal. ``starred``: (file, kind) pairs that will have a default
    (the stars an import gives at its apply), left out. With ``plan``, the chosen
    means are put in it instead of being starred."""
    said: dict[int, list[str]] = {}
    if not dossier_ids:
        return said
    # Plain rows first (no instance, no phone parsing), instances only for the chosen.
    valid = ContactPoint.objects.filter(
        among(ContactPoint, "dossier_id", dossier_ids), status=Status.VALID
    ).values_list("id", "dossier_id", "kind", "is_default", "validated_at", named=True)
    if starred:
        valid = [row for row in valid if (row.dossier_id, row.kind) not in starred]
    chosen_ids = [row.id for row in rules.defaults_to_give(valid)]
    if not chosen_ids:
        return said
    chosen = list(
        ContactPoint.objects.filter(pk__in=chosen_ids)
        .select_related("contact")
        .order_by("dossier_id", "kind")
        .only(*POINT_FIELDS, "contact__civility", "contact__first_name", "contact__last_name")
    )
    if plan is None:
        ContactPoint.objects.filter(pk__in=chosen_ids).update(is_default=True)
    else:
        plan.star_files.extend(point.dossier_id for point in chosen)
        plan.star_points.extend(point.pk for point in chosen)
    for point in chosen:
        said.setdefault(point.dossier_id, []).append(
            rules.default_given_message(
                value=point.display_value, contact=point.contact.full_name, kind=point.kind
            )
        )
    return said


def dossier_contact_status_refresh_bulk(
    dossier_ids: list[int], *, plan: Plan | None = None
) -> dict[int, str]:
    """``rules.contact_check_status`` for many files at once. Returns, per file
    that moved, what to say. With ``plan``, the moves are put in it, not written."""
    said: dict[int, str] = {}
    if not dossier_ids:
        return said
    usable = ContactPoint.objects.filter(dossier_id=OuterRef("pk")).exclude(status=Status.INVALID)
    files = (
        Dossier.objects.filter(
            among(Dossier, "id", dossier_ids), status__in=rules.CONTACT_RULE_STATUSES
        )
        .annotate(usable=Exists(usable))
        .values_list("pk", "status", "usable")
    )
    moves: dict[tuple[str, str], list[int]] = {}
    for pk, status, has_usable in files:
        new = rules.contact_check_status(status, has_usable=has_usable)
        if new is not None:
            moves.setdefault((status, new), []).append(pk)
    now = timezone.now()
    # Each message is made once per move (former status → new), not once per file.
    for (old, new), pks in moves.items():
        if plan is None:
            Dossier.objects.filter(pk__in=pks).update(status=new, updated_at=now)
        else:
            plan.moves.setdefault((old, new), array("q")).extend(pks)
        message = rules.contact_check_message(old, new)
        for pk in pks:
            said[pk] = message
    return said


class ContactRulesMixin:
    """End of a contact or evidence import: default rule, status rule, journal."""

    source_name: str
    #: the journal entry of a file, with %(file)s and %(changes)s (lazy: a class attribute)
    journal_message: str
    per_dossier: Counters

    def describe(self, counts: tuple[int, ...]) -> list[str]:  # pragma: no cover - protocol
        raise NotImplementedError

    def finish(self) -> None:
        self.rules_run(list(self.per_dossier))

    def rules_run(self, ids, *, starred=frozenset(), plan: Plan | None = None) -> None:
        """The default rule, the status rule and the journal entry of each of these
        files; with ``plan``, the rules' writes are put in it (``plan_apply``) and
        only the journal entries are written."""
        # PostgreSQL: large chunks, since its planner reads the files table whole for
        # the status rule (cheaper, it estimates, than thousands of index probes),
        # once per chunk. SQLite probes the index: small chunks, less memory.
        size = chunk_size(postgresql=10_000, sqlite=500)
        journal_message = str(self.journal_message)  # translated once
        documents: dict[tuple, dict] = {}
        for chunk in chunked(ids, size):
            keys = None
            if plan is not None and ids_reservable():
                # The entries' keys, taken first: the apply finds the agents'
                # changes among the entries made meanwhile but these
                # (contact_apply.files_changed).
                keys = reserve_ids(JournalEntry, len(chunk))
                plan.entries.extend(keys)
                keys = iter(keys)
            defaults = default_rule_enforce_bulk(chunk, starred=starred, plan=plan)
            statuses = dossier_contact_status_refresh_bulk(chunk, plan=plan)
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
                # Files with the same counts share one data document (encoded once).
                key = (counts, dossier_id in defaults)
                data = documents.get(key)
                if data is None:
                    data = documents[key] = {
                        "import": self.source_name,
                        "counts": self.per_dossier.named(counts),
                        "default_changed": key[1],
                    }
                entry = journal_entry_build(
                    dossier=dossier_id,
                    action=JournalEntry.Action.IMPORT,
                    actor_kind=JournalEntry.ActorKind.IMPORT,
                    message=message,
                    data=data,
                )
                if keys is not None:
                    entry.pk = next(keys)
                entries.append(entry)
                if len(entries) >= 1000:  # memory: a journal entry is ~1.5 KB here
                    journal_write(entries, keyed=keys is not None)
                    entries = []
            journal_write(entries, keyed=keys is not None)


def plan_apply(plan: Plan, *, skip=frozenset()) -> None:
    """Write what ``rules_run(plan=…)`` decided, but for the files in ``skip``. The
    caller holds the files' locks. Each write is guarded by the state it was decided
    on (a means still validated, a file still in the former status)."""
    size = chunk_size(postgresql=10_000, sqlite=500)
    stars = [
        pk
        for dossier_id, pk in zip(plan.star_files, plan.star_points, strict=True)
        if dossier_id not in skip
    ]
    for chunk in chunked(stars, size):
        ContactPoint.objects.filter(among(ContactPoint, "id", chunk), status=Status.VALID).update(
            is_default=True
        )
    now = timezone.now()
    for (old, new), pks in plan.moves.items():
        for chunk in chunked([pk for pk in pks if pk not in skip], size):
            Dossier.objects.filter(among(Dossier, "id", chunk), status=old).update(
                status=new, updated_at=now
            )


def journal_write(entries: list[JournalEntry], *, keyed: bool = False) -> None:
    """``journal_insert``; ``keyed``: the entries' keys are given (``reserve_ids``)."""
    if keyed:
        insert_objects(JournalEntry, entries, ("id", *JOURNAL_FIELDS))
    else:
        journal_insert(entries)


def error_text(message: str) -> str:
    """A rule's message (a sentence) as the tail of an import error, which reads
    « ligne 3, colonne « ville » : saisissez la ville. »."""
    return message[:1].lower() + message[1:]
