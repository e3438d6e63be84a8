"""What is held about one person, and nothing about anyone else (GDPR art. 15).

A person is a contact; the same person may be a contact of several files (the same
name and at least one identical means). Journal entries are told apart by their
``data`` keys: ``contact``, ``point``, ``former``, ``communication``, ``piece``
name who an entry is about. An entry about the person is kept; one that names no one
is about the file as a whole and is kept too; one that also names another contact,
or a means nobody can trace any more, stays out. Whatever text is kept then has every
other contact's names and means values blotted out, as a second line of defence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Prefetch

from contacts.models import Communication, Contact, ContactPoint, Evidence
from dossiers.models import Dossier, JournalEntry, Note
from pieces.models import Piece

Action = JournalEntry.Action
THIRD_PARTY = "[tiers]"
UNKNOWN = -1  # an entry naming a means or message whose owner cannot be traced


@dataclass
class PersonScope:
    contact: Contact
    contacts: list[Contact]  # the person's contact rows, one per file
    dossiers: list[Dossier]
    own_contact_ids: set[int]
    own_point_ids: set[int]
    point_owner: dict[int, int] = field(default_factory=dict)
    communication_owner: dict[int, int] = field(default_factory=dict)
    piece_owner: dict[str, int] = field(default_factory=dict)  # str(uuid) or str(pk)
    third_party_terms: list[str] = field(default_factory=list)
    journal: list[JournalEntry] = field(default_factory=list)

    def redact(self, text: str) -> str:
        if not text or not self.third_party_terms:
            return text or ""
        pattern = "|".join(re.escape(term) for term in self.third_party_terms)
        return re.sub(pattern, THIRD_PARTY, text, flags=re.IGNORECASE)


def _same_person(contact: Contact) -> list[Contact]:
    keys = list(contact.points.values_list("value_key", flat=True))
    others = Contact.objects.none()
    if keys:
        others = Contact.objects.filter(
            last_name__iexact=contact.last_name,
            first_name__iexact=contact.first_name,
            points__value_key__in=keys,
        ).exclude(pk=contact.pk)
    return [contact, *others.distinct().order_by("dossier_id", "pk")]


def _point_values(point: ContactPoint) -> list[str]:
    values = [point.display_value, point.value_key, point.email, str(point.phone or "")]
    if point.kind == ContactPoint.Kind.POSTAL:
        values.append(point.address_line1)
    return [value for value in values if value and len(value) >= 4]


def _terms(scope: PersonScope, others: list[Contact], former_names: list[str]) -> list[str]:
    own = {scope.contact.last_name.lower(), scope.contact.first_name.lower()}
    # What the person shares with a third party (a couple's address) is hers too.
    for point in ContactPoint.objects.filter(contact_id__in=scope.own_contact_ids):
        own.update(value.lower() for value in _point_values(point))
    terms: set[str] = set(former_names)
    for other in others:
        first, last = other.first_name, other.last_name
        terms.update({other.full_name, f"{first} {last}".strip(), f"{last} {first}".strip()})
        # A shared family name alone (spouses) would blot out the person's own name.
        if last.lower() not in own:
            terms.add(last)
        for point in other.points.all():
            terms.update(_point_values(point))
    terms = {t for t in terms if t and len(t) >= 3 and t.lower() not in own}
    return sorted(terms, key=len, reverse=True)


def person_scope(*, contact: Contact) -> PersonScope:
    contacts = _same_person(contact)
    dossier_ids = sorted({c.dossier_id for c in contacts})
    own_contact_ids = {c.pk for c in contacts}
    points = list(ContactPoint.objects.filter(dossier_id__in=dossier_ids).only("pk", "contact_id"))
    scope = PersonScope(
        contact=contact,
        contacts=contacts,
        dossiers=list(
            Dossier.objects.filter(pk__in=dossier_ids)
            .select_related("assigned_to")
            .prefetch_related("receivables")
            .order_by("reference")
        ),
        own_contact_ids=own_contact_ids,
        own_point_ids={p.pk for p in points if p.contact_id in own_contact_ids},
    )
    scope.point_owner = {p.pk: p.contact_id for p in points}
    scope.journal = list(
        JournalEntry.objects.filter(dossier_id__in=dossier_ids)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    former_names: list[str] = []
    for entry in scope.journal:
        data = entry.data if isinstance(entry.data, dict) else {}
        # Means deleted since: their creation entry still says whose they were.
        if "point" in data and "contact" in data and data["point"] not in scope.point_owner:
            scope.point_owner[data["point"]] = data["contact"]
        if entry.action == Action.CONTACT_UPDATED and data.get("contact") not in own_contact_ids:
            before = data.get("before") or {}
            former_names += [before.get("last_name", ""), before.get("first_name", "")]
            names = [before.get("first_name", ""), before.get("last_name", "")]
            former_names.append(" ".join(n for n in names if n))
    for comm in Communication.objects.filter(dossier_id__in=dossier_ids).values(
        "pk", "point_id", "piece_id", "piece__uuid"
    ):
        owner = scope.point_owner.get(comm["point_id"], UNKNOWN)
        scope.communication_owner[comm["pk"]] = owner
        if comm["piece_id"] is not None:
            scope.piece_owner[str(comm["piece_id"])] = owner
            scope.piece_owner[str(comm["piece__uuid"])] = owner
    others = list(
        Contact.objects.filter(dossier_id__in=dossier_ids)
        .exclude(pk__in=own_contact_ids)
        .prefetch_related("points")
    )
    scope.third_party_terms = _terms(scope, others, former_names)
    return scope


def _entry_subjects(scope: PersonScope, data: dict) -> set[int]:
    subjects: set[int] = set()
    if data.get("contact") is not None:
        subjects.add(data["contact"])
    for key in ("point", "former"):
        if data.get(key) is not None:
            subjects.add(scope.point_owner.get(data[key], UNKNOWN))
    if data.get("communication") is not None:
        subjects.add(scope.communication_owner.get(data["communication"], UNKNOWN))
    if data.get("piece") is not None and str(data["piece"]) in scope.piece_owner:
        subjects.add(scope.piece_owner[str(data["piece"])])
    return subjects


def concerns_person(scope: PersonScope, entry: JournalEntry) -> bool:
    """About the person only, or about the file as a whole (naming no one). An entry
    that also names someone else (a star moving from their means to the person's)
    stays out: the person's means section says where the star is now."""
    data = entry.data if isinstance(entry.data, dict) else {}
    return _entry_subjects(scope, data) <= scope.own_contact_ids


def person_journal(scope: PersonScope) -> list[JournalEntry]:
    return [entry for entry in scope.journal if concerns_person(scope, entry)]


def person_points(scope: PersonScope) -> list[ContactPoint]:
    return list(
        ContactPoint.objects.filter(contact_id__in=scope.own_contact_ids)
        .select_related("created_by", "contact")
        .prefetch_related(
            Prefetch(
                "evidences",
                queryset=Evidence.objects.select_related("recorded_by").order_by(
                    "occurred_at", "id"
                ),
            )
        )
        .order_by("dossier_id", "kind", "created_at", "id")
    )


def person_notes(scope: PersonScope) -> list[Note]:
    return list(
        Note.objects.filter(dossier_id__in=[d.pk for d in scope.dossiers])
        .select_related("author")
        .order_by("created_at", "id")
    )


def person_communications(scope: PersonScope) -> list[Communication]:
    """Every message to or call with the person: through one of their means."""
    return list(
        Communication.objects.filter(point_id__in=scope.own_point_ids)
        .select_related("piece", "sent_by", "point")
        .order_by("created_at", "id")
    )


def person_pieces(communications: list[Communication]) -> list[Piece]:
    return [c.piece for c in communications if c.piece is not None]
