"""Reads for the contact block."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from dossiers.models import Dossier

from .models import Contact, ContactPoint


def contact_points_queryset(*, show_invalid: bool) -> QuerySet[ContactPoint]:
    return (
        ContactPoint.objects.visible(show_invalid)
        .select_related("last_evidence__recorded_by")
        .order_by("kind", "-is_default", "status", "created_at", "id")
    )


def contact_block(*, dossier: Dossier, show_invalid: bool) -> list[Contact]:
    """The file's contacts with their visible means, in two queries whatever their number."""
    return list(
        Contact.objects.filter(dossier=dossier)
        .prefetch_related(
            Prefetch(
                "points",
                queryset=contact_points_queryset(show_invalid=show_invalid),
            )
        )
        .order_by("created_at", "id")
    )


def default_points(*, dossier: Dossier) -> dict[str, ContactPoint]:
    """The file's default means per kind."""
    points = ContactPoint.objects.filter(dossier=dossier, is_default=True).select_related("contact")
    return {point.kind: point for point in points}
