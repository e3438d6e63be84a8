"""What a message says before it is sent: the means checked, the placeholders replaced.

Shared by the sending services (``services``), the worklist's preview and the
reminders' dry run (``relances``): one home for the rule that an instalment's
placeholders only make sense in a reminder around that instalment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from dossiers.models import Dossier

from ..models import ContactPoint, MessageTemplate
from .placeholders import (
    INSTALMENT_PLACEHOLDERS,
    PLACEHOLDER_RE,
    PlaceholderError,
    placeholder_values,
    placeholders_render,
)


class CommunicationError(ValueError):
    """The action cannot be done as asked (message for the agent)."""


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


def point_check(*, dossier: Dossier, point: ContactPoint, kind: str, mobile: bool = False):
    if point.dossier_id != dossier.pk or point.kind != kind:
        raise CommunicationError(_("Ce moyen de contact n'appartient pas à ce dossier."))
    if point.status == ContactPoint.Status.INVALID:
        raise CommunicationError(
            _("%(value)s est invalide : choisissez un autre moyen de contact.")
            % {"value": point.display_value}
        )
    if mobile and not point.is_mobile:
        raise CommunicationError(
            _("%(value)s n'est pas un mobile : un SMS ne peut être envoyé qu'à un mobile.")
            % {"value": point.display_value}
        )


def message_render(
    *,
    dossier: Dossier,
    point: ContactPoint | None = None,
    subject: str = "",
    body: str = "",
    template: MessageTemplate | None = None,
    extra_values: Mapping[str, str] | None = None,
) -> RenderedMessage:
    """The subject and body with their placeholders replaced (template text if none given).
    ``extra_values``: the caller's own placeholders (an automatic reminder's instalment)."""
    if template is not None:
        subject = subject or template.subject
        body = body or template.body
    missing = [
        name
        for name in INSTALMENT_PLACEHOLDERS
        if name in PLACEHOLDER_RE.findall(f"{subject}\n{body}") and name not in (extra_values or {})
    ]
    if missing:
        # Only a reminder around an instalment knows which one it speaks of.
        raise CommunicationError(
            _(
                "Ce modèle parle d'une échéance (%(names)s) : il ne sert qu'aux rappels "
                "d'échéance d'un scénario de relance."
            )
            % {"names": ", ".join("{{ " + name + " }}" for name in missing)}
        )
    values = placeholder_values(
        dossier=dossier, contact=point.contact if point else None, extra=extra_values
    )
    try:
        return RenderedMessage(
            subject=placeholders_render(subject, values),
            body=placeholders_render(body, values),
        )
    except PlaceholderError as exc:
        raise CommunicationError(" ".join(exc.messages)) from exc
