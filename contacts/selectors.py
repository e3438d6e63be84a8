"""Reads for the contact block."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When

from dossiers.models import Dossier

from .models import Contact, ContactPoint

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
