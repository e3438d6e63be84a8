"""Reads for the communication pages."""

from __future__ import annotations

from django.db.models import F, QuerySet

from dossiers.models import Dossier

from ..models import ContactPoint, MessageTemplate

# Default first, then the most recently validated, then those still to qualify.
POINT_ORDER = ("-is_default", F("validated_at").desc(nulls_last=True), "created_at", "id")


def communication_points(
    *, dossier: Dossier, kind: str, mobile_only: bool = False
) -> QuerySet[ContactPoint]:
    """The means an action may target: of its kind, not invalid, default first."""
    points = (
        ContactPoint.objects.filter(dossier=dossier, kind=kind)
        .exclude(status=ContactPoint.Status.INVALID)
        .select_related("contact")
        .order_by(*POINT_ORDER)
    )
    if mobile_only:
        points = points.filter(phone_type=ContactPoint.PhoneType.MOBILE)
    return points


def communication_templates(*, channel: str) -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.filter(channel=channel, active=True).order_by("name")


def hub_points(*, dossier: Dossier) -> dict[str, list[ContactPoint]]:
    """Every usable means of the file by action, in one query."""
    points = list(
        ContactPoint.objects.filter(dossier=dossier)
        .exclude(status=ContactPoint.Status.INVALID)
        .select_related("contact")
        .order_by(*POINT_ORDER)
    )
    return {
        "call": [p for p in points if p.kind == ContactPoint.Kind.PHONE],
        "letter": [p for p in points if p.kind == ContactPoint.Kind.POSTAL],
        "sms": [p for p in points if p.is_mobile],
        "email": [p for p in points if p.kind == ContactPoint.Kind.EMAIL],
    }
