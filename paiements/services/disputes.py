"""Disputes (*litiges*) on invoices: opened, followed up, resolved."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier, JournalEntry, Receivable
from dossiers.services import dossier_lock, dossier_refresh_totals, journal_record, user_label
from dossiers.templatetags.recouvrement import format_euros

from ..allocation import ZERO
from ..models import Dispute, DisputeReason

Action = JournalEntry.Action


@transaction.atomic
def dispute_open(
    *,
    dossier: Dossier,
    receivables: list[Receivable],
    reason: DisputeReason,
    follow_up_date: datetime.date,
    comment: str = "",
    assigned_to=None,
    user=None,
) -> Dispute:
    """Open a dispute on some invoices of the file: they leave the reminders' amount
    until it is resolved. An invoice can be in one open dispute at a time."""
    dossier = dossier_lock(dossier_id=dossier.pk)
    if not receivables:
        raise ValidationError(_("Choisissez au moins une facture contestée."))
    if any(r.dossier_id != dossier.pk for r in receivables):
        raise ValidationError(_("Ces factures ne sont pas celles du dossier."))
    if follow_up_date < timezone.localdate():
        raise ValidationError(_("La date de relance ne peut pas être dans le passé."))
    already = list(
        Receivable.objects.filter(
            pk__in=[r.pk for r in receivables], disputes__status=Dispute.Status.OPEN
        ).values_list("number", flat=True)
    )
    if already:
        raise ValidationError(
            _("Déjà en litige : %(numbers)s.") % {"numbers": ", ".join(sorted(already))}
        )
    dispute = Dispute.objects.create(
        dossier=dossier,
        reason=reason,
        comment=comment.strip()[:2000],
        follow_up_date=follow_up_date,
        assigned_to=assigned_to,
        opened_by=user,
    )
    dispute.receivables.set(receivables)
    message = _("Litige ouvert sur %(numbers)s (%(reason)s), relance le %(date)s") % {
        "numbers": ", ".join(r.number for r in receivables),
        "reason": reason.label,
        "date": formats.date_format(follow_up_date, "d/m/Y"),
    }
    if assigned_to is not None:
        message += _(", suivi par %(name)s") % {"name": user_label(assigned_to)}
    journal_record(
        dossier=dossier,
        action=Action.DISPUTE_OPENED,
        actor=user,
        message=message + ".",
        data={"dispute": dispute.pk, "receivables": [r.pk for r in receivables]},
    )
    return dispute


@transaction.atomic
def dispute_resolve(
    *, dispute: Dispute, accepted: bool, resolution: str = "", user=None
) -> Dispute:
    """Accepted: a credit note brings the disputed invoices' balances to zero.
    Rejected: the invoices go back into collection as they are."""
    dossier_lock(dossier_id=dispute.dossier_id)
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status != Dispute.Status.OPEN:
        raise ValidationError(_("Ce litige est déjà résolu."))
    receivables = list(dispute.receivables.order_by("due_date", "number"))
    credits = {}
    if accepted:
        for receivable in receivables:
            if receivable.balance > ZERO:
                credits[receivable.number] = receivable.balance
                receivable.balance = ZERO
        Receivable.objects.bulk_update(receivables, ["balance"])
        dossier_refresh_totals(dossier_ids=[dispute.dossier_id])
        total = sum(credits.values(), ZERO)
        message = _("Litige accepté : avoir de %(total)s sur %(numbers)s.") % {
            "total": format_euros(total),
            "numbers": ", ".join(credits) or ", ".join(r.number for r in receivables),
        }
    else:
        message = _("Litige rejeté : %(numbers)s de nouveau en recouvrement.") % {
            "numbers": ", ".join(r.number for r in receivables)
        }
    resolution = (resolution or "").strip()[:2000]
    if resolution:
        message += f" {resolution}"
    dispute.status = Dispute.Status.ACCEPTED if accepted else Dispute.Status.REJECTED
    dispute.resolution = resolution
    dispute.resolved_at = timezone.now()
    dispute.save(update_fields=["status", "resolution", "resolved_at"])
    journal_record(
        dossier=dispute.dossier_id,
        action=Action.DISPUTE_RESOLVED,
        actor=user,
        message=message,
        data={
            "dispute": dispute.pk,
            "accepted": accepted,
            "credits": {number: str(amount) for number, amount in credits.items()},
        },
    )
    return dispute
