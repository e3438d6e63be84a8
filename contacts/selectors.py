"""Reads for the contact block."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from dossiers.models import Dossier
from dossiers.selectors import SearchMatcher
from recouvrement.prepared import prepared

from .models import Contact, ContactPoint
from .normalize import NormalizationError, normalize_phone

# The agent's choice of « Afficher contacts invalides », kept in the session so that
# it survives a reload and follows them from file to file.
SHOW_INVALID_SESSION_KEY = "show_invalid_contacts"


_KIND_RANK = {ContactPoint.Kind.PHONE: 0, ContactPoint.Kind.EMAIL: 1}
_STATUS_RANK = {ContactPoint.Status.VALID: 0, ContactPoint.Status.PENDING: 1}


def contact_point_order(point: ContactPoint) -> tuple:
    """The block's order of a contact's means: phones first, then e-mails, then postal
    addresses, as on the design; the default first, then valid, pending, invalid; the
    latest validated first (never validated last), then the oldest created. Sorted in
    Python: a contact has a handful of means, and the same order as SQL ``CASE``
    expressions cost more to compile than the sort (issue 15)."""
    validated = point.validated_at
    return (
        _KIND_RANK.get(point.kind, 2),
        not point.is_default,
        _STATUS_RANK.get(point.status, 2),
        (0, -validated.timestamp()) if validated is not None else (1, 0),
        point.created_at,
        point.pk,
    )


def contact_points_queryset(*, show_invalid: bool) -> QuerySet[ContactPoint]:
    """A contact's visible means with what the block shows of their evidence and
    author; ``contact_block`` puts them in ``contact_point_order``, hence no SQL
    ``ORDER BY`` (the model's three-column ordering cost its compilation, issue 15)."""
    return (
        ContactPoint.objects.visible(show_invalid)
        .select_related("last_evidence__recorded_by", "created_by")
        .order_by()
    )


def _block_shapes(show_invalid: bool) -> tuple[prepared, prepared]:
    """The contact block's two reads for one value of « afficher les invalides »,
    compiled once per process (recouvrement.prepared, issue 15)."""

    def contacts(dossier_id: int) -> QuerySet[Contact]:
        queryset = Contact.objects.filter(dossier_id=dossier_id)
        if not show_invalid:
            invalid = Q(points__status=ContactPoint.Status.INVALID)
            queryset = queryset.annotate(hidden_invalid=Count("points", filter=invalid))
        return queryset.order_by("created_at", "id")

    def points(dossier_id: int) -> QuerySet[ContactPoint]:
        return contact_points_queryset(show_invalid=show_invalid).filter(
            contact__dossier_id=dossier_id
        )

    return prepared(contacts), prepared(points)


_block_contacts, _block_points = {}, {}
for _flag in (False, True):
    _block_contacts[_flag], _block_points[_flag] = _block_shapes(_flag)


def contact_block(*, dossier: Dossier, show_invalid: bool) -> list[Contact]:
    """The file's contacts with their visible means, in two queries whatever their number.

    Each contact carries ``visible_points`` (its visible means, in
    ``contact_point_order``), ``hidden_invalid`` (its invalid means not shown) and each
    means ``current_default``: the default of its kind in the file, named by the
    confirmation asked before the star moves.
    """
    contacts = _block_contacts[show_invalid](dossier_id=dossier.pk)
    by_id = {}
    for contact in contacts:
        contact.visible_points = []
        by_id[contact.pk] = contact
    # What a prefetch of each contact's means would read, by one statement compiled
    # once per process (the prefetch's IN list changes its SQL with the file).
    for point in _block_points[show_invalid](dossier_id=dossier.pk):
        contact = by_id[point.contact_id]
        point.contact = contact
        contact.visible_points.append(point)
    for contact in contacts:
        contact.visible_points.sort(key=contact_point_order)
    # A default is always validated, hence always visible: no query needed.
    defaults = {
        point.kind: point
        for contact in contacts
        for point in contact.visible_points
        if point.is_default
    }
    for contact in contacts:
        for point in contact.visible_points:
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
