"""Which means an automatic step uses: the file's default of the channel's kind, and
only it (SPEC §12). Never a pending, invalid or non-default means."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from contacts.models import ContactPoint

CHANNEL_KIND = {
    "email": ContactPoint.Kind.EMAIL,
    "sms": ContactPoint.Kind.PHONE,
    "letter": ContactPoint.Kind.POSTAL,
}


@dataclass(frozen=True)
class MeansChoice:
    point: ContactPoint | None
    reason: str = ""  # why there is none, for the dry run and the contact-search task


def _choose(channel: str, default: ContactPoint | None) -> MeansChoice:
    if default is None:
        return MeansChoice(
            None,
            {
                "email": _("pas d'e-mail par défaut"),
                "sms": _("pas de téléphone par défaut"),
                "letter": _("pas d'adresse postale par défaut"),
            }[channel],
        )
    if default.status != ContactPoint.Status.VALID:
        return MeansChoice(None, _("le moyen par défaut n'est pas validé"))
    if channel == "sms" and not default.is_mobile:
        return MeansChoice(
            None,
            _("le téléphone par défaut %(value)s n'est pas un mobile")
            % {"value": default.display_value},
        )
    return MeansChoice(default)


def default_means_many(dossier_ids: Iterable[int]) -> dict[tuple[int, str], ContactPoint]:
    """Every default means of the given files, by (dossier id, kind), in one query."""
    points = ContactPoint.objects.filter(
        dossier_id__in=list(dossier_ids), is_default=True
    ).select_related("contact")
    return {(p.dossier_id, p.kind): p for p in points}


def means_for(
    *, dossier_id: int, channel: str, defaults: dict[tuple[int, str], ContactPoint] | None = None
) -> MeansChoice:
    """The means an automatic ``channel`` send would use now, or why there is none."""
    kind = CHANNEL_KIND[channel]
    if defaults is None:
        defaults = default_means_many([dossier_id])
    return _choose(channel, defaults.get((dossier_id, kind)))
