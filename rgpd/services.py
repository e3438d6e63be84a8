"""Writes of the personal-data app: exports (journaled) and legal holds."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from contacts.models import Contact
from dossiers.models import Dossier, JournalEntry
from dossiers.services import journal_record, user_label

from . import selectors
from .export.builder import ExportContext
from .export.package import export_zip
from .models import ConsultationTrace, LegalHold


@dataclass(frozen=True)
class PersonalDataExport:
    filename: str
    content: bytes
    dossier_ids: list[int]


def personal_data_export(
    *, contact: Contact, user=None, channel: str = ConsultationTrace.Channel.WEB
) -> PersonalDataExport:
    """Everything held about one person, as a ZIP; journaled on each of their files.

    From a command (``channel="command"``) the consultation trace is written here;
    on the web the trace middleware writes it once the download succeeded.
    """
    now = timezone.now()
    scope = selectors.person_scope(contact=contact)
    by = user_label(user) if user is not None else _("commande rgpd_export")
    content = export_zip(ExportContext(scope=scope, generated_at=now, generated_by=by))
    dossier_ids = [d.pk for d in scope.dossiers]
    with transaction.atomic():
        for dossier_id in dossier_ids:
            journal_record(
                dossier=dossier_id,
                action=JournalEntry.Action.PERSONAL_DATA_EXPORTED,
                actor=user,
                message=_("Données personnelles de %(person)s exportées par %(by)s.")
                % {"person": contact.full_name, "by": by},
                data={"contact": contact.pk},
            )
        if channel == ConsultationTrace.Channel.COMMAND:
            ConsultationTrace.objects.create(
                user=user,
                channel=channel,
                action=ConsultationTrace.Action.PERSONAL_DATA_EXPORTED,
                dossier_id=contact.dossier_id,
                contact_id=contact.pk,
            )
    stamp = timezone.localtime(now).strftime("%Y%m%d")
    name = slugify(contact.full_name) or f"contact-{contact.pk}"
    return PersonalDataExport(
        filename=f"donnees-personnelles-{name}-{stamp}.zip",
        content=content,
        dossier_ids=dossier_ids,
    )


@transaction.atomic
def legal_hold_place(*, dossier: Dossier, reason: str, user) -> LegalHold:
    """Keep a file's personal data past its retention period, for a stated reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif du gel de conservation.")})
    hold = LegalHold.objects.create(dossier=dossier, reason=reason, placed_by=user)
    journal_record(
        dossier=dossier,
        action=JournalEntry.Action.LEGAL_HOLD,
        actor=user,
        message=_("Gel de conservation posé : %(reason)s") % {"reason": reason},
        data={"legal_hold": hold.pk},
    )
    return hold


@transaction.atomic
def legal_hold_release(*, hold: LegalHold, user) -> LegalHold:
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        return hold
    hold.released_at = timezone.now()
    hold.save(update_fields=["released_at"])
    journal_record(
        dossier=hold.dossier_id,
        action=JournalEntry.Action.LEGAL_HOLD,
        actor=user,
        message=_("Gel de conservation levé : %(reason)s") % {"reason": hold.reason},
        data={"legal_hold": hold.pk},
    )
    return hold
