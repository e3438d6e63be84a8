"""Reads that shape data for the file pages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum

from contacts.normalize import NormalizationError, normalize_phone

from .models import Dossier, JournalEntry, Note

SORTS = {
    "encours": ("-outstanding", "reference"),
    # Oldest debt first; files with nothing due come last.
    "anciennete": (F("oldest_due_date").asc(nulls_last=True), "reference"),
    "prochaine_action": (F("next_action_date").asc(nulls_last=True), "reference"),
    "reference": ("reference",),
    "nom": ("name", "reference"),
}


SEARCH_SMALL_RESULT = 2000


def _contact_point_model():
    # dossiers does not import contacts: reach the model through the reverse relation.
    return Dossier._meta.get_field("contact_points").related_model


def phone_query_to_e164(query: str) -> str | None:
    """The E.164 form of a phone number typed in any usual way, or None if the query
    is not one (same normalisation as the contact form and the import)."""
    digits = sum(c.isdigit() for c in query)
    if digits < 6 or any(c.isalpha() for c in query):
        return None
    try:
        return normalize_phone(query)[0]
    except NormalizationError:
        return None


def _dossier_ids_with_point(*, kind: str, value_key: str) -> list[int]:
    """Files holding a means, looked up on the value index first: as a subquery ORed
    with another condition, the planner would filter every file of the table."""
    points = _contact_point_model().objects.filter(kind=kind, value_key=value_key)
    return list(points.values_list("dossier_id", flat=True).distinct()[:1000])


def search_q(query: str) -> Q:
    """A free-text search: reference, name, e-mail or a phone typed in any usual format."""
    query = query.strip()
    if not query:
        return Q()
    if "@" in query:
        return Q(pk__in=_dossier_ids_with_point(kind="email", value_key=query.lower()))
    e164 = phone_query_to_e164(query)
    if e164:
        return Q(pk__in=_dossier_ids_with_point(kind="phone", value_key=e164)) | Q(reference=query)
    return Q(reference__iexact=query) | Q(reference__istartswith=query) | Q(name__icontains=query)


@dataclass
class DossierListParams:
    query: str = ""
    mine: bool = False
    assigned_to: int | None = None
    status: str = ""
    sort: str = "encours"


def dossier_list(*, user, params: DossierListParams) -> QuerySet[Dossier]:
    queryset = Dossier.objects.select_related("assigned_to")
    if params.mine:
        queryset = queryset.filter(assigned_to=user)
    elif params.assigned_to:
        queryset = queryset.filter(assigned_to_id=params.assigned_to)
    if params.status:
        queryset = queryset.filter(status=params.status)
    if params.query:
        queryset = queryset.filter(search_q(params.query))
        # A search usually matches a few files. Sorted and limited, PostgreSQL would
        # rather walk the sort index and test a million rows than read the search
        # indexes and sort the handful: give it the handful by key instead.
        ids = list(queryset.values_list("pk", flat=True)[: SEARCH_SMALL_RESULT + 1])
        if len(ids) <= SEARCH_SMALL_RESULT:
            queryset = Dossier.objects.select_related("assigned_to").filter(pk__in=ids)
    return queryset.order_by(*SORTS.get(params.sort, SORTS["encours"]))


@dataclass
class OutstandingShare:
    amount: Decimal
    total: Decimal

    @property
    def percent(self) -> int:
        return round(100 * self.amount / self.total) if self.total else 0


def outstanding_share(*, dossiers: list[Dossier]) -> OutstandingShare:
    """What part of the whole outstanding these files make (one aggregate)."""
    total = Dossier.objects.aggregate(total=Sum("outstanding"))["total"] or Decimal(0)
    return OutstandingShare(amount=sum((d.outstanding for d in dossiers), Decimal(0)), total=total)


def dossier_notes(*, dossier: Dossier) -> QuerySet[Note]:
    return dossier.notes.select_related("author").order_by("-created_at", "-id")


def dossier_journal(*, dossier: Dossier, limit: int | None = 200) -> QuerySet[JournalEntry]:
    return dossier.journal.select_related("actor").order_by("-created_at", "-id")[:limit]
