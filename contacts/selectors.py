"""Reads for the contact block."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When

from dossiers.models import Dossier
from dossiers.selectors import SearchMatcher

from .models import Contact, ContactPoint
from .normalize import NormalizationError, normalize_phone

# The agent's choice of « Afficher contacts invalides », kept in the session so that
# it survives a reload and follows them from file to file.
SHOW_INVALID_SESSION_KEY = "show_invalid_contacts"


def contact_points_queryset(*, show_invalid: bool) -> QuerySet[ContactPoint]:
    # Phones first, then e-mails, then postal addresses, as on the design.
    kind_order = Case(
        When(kind=ContactPoint.Kind.PHONE, then=Value(0)),
        When(kind=ContactPoint.Kind.EMAIL, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    status_order = Case(
        When(status=ContactPoint.Status.VALID, then=Value(0)),
        When(status=ContactPoint.Status.PENDING, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        ContactPoint.objects.visible(show_invalid)
        .select_related("last_evidence__recorded_by", "created_by")
        .order_by(kind_order, "-is_default", status_order, "-validated_at", "created_at", "id")
    )


def contact_block(*, dossier: Dossier, show_invalid: bool) -> list[Contact]:
    """The file's contacts with their visible means, in two queries whatever their number.

    Each contact carries ``hidden_invalid`` (its invalid means not shown) and each
    means ``current_default``: the default of its kind in the file, named by the
    confirmation asked before the star moves.
    """
    contacts_qs = Contact.objects.filter(dossier=dossier)
    if not show_invalid:
        invalid = Q(points__status=ContactPoint.Status.INVALID)
        contacts_qs = contacts_qs.annotate(hidden_invalid=Count("points", filter=invalid))
    contacts = list(
        contacts_qs.prefetch_related(
            Prefetch("points", queryset=contact_points_queryset(show_invalid=show_invalid))
        ).order_by("created_at", "id")
    )
    # A default is always validated, hence always visible: no query needed.
    defaults = {
        point.kind: point
        for contact in contacts
        for point in contact.points.all()
        if point.is_default
    }
    for contact in contacts:
        for point in contact.points.all():
            point.current_default = defaults.get(point.kind)
    return contacts


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
    points = ContactPoint.objects.filter(kind=kind, value_key=value_key)
    return list(points.values_list("dossier_id", flat=True).distinct()[:1000])


def _is_means_query(query: str) -> bool:
    return "@" in query or phone_query_to_e164(query) is not None


def _means_condition(query: str) -> Q:
    if "@" in query:
        return Q(
            pk__in=_dossier_ids_with_point(kind=ContactPoint.Kind.EMAIL, value_key=query.lower())
        )
    e164 = phone_query_to_e164(query)
    return Q(pk__in=_dossier_ids_with_point(kind=ContactPoint.Kind.PHONE, value_key=e164)) | Q(
        reference=query
    )


#: The files' search by an e-mail or a phone number of their contacts (a matcher
#: of ``dossiers.selectors.SEARCH_MATCHERS``).
DOSSIER_SEARCH_BY_MEANS = SearchMatcher(recognises=_is_means_query, condition=_means_condition)
