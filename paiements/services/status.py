"""What a file's status should be while promises and external actions run."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier, JournalEntry
from dossiers.services import dossier_set_status

from ..models import ExternalAction, Promise

Status = Dossier.Status
# The statuses this app sets; a file leaves them for « en cours » when nothing holds it.
HELD = {Status.PAYMENT, Status.EXTERNAL_ACTIONS, Status.LITIGATION}
# A closed file is never reopened by a payment, a promise or an answer.
UNTOUCHED = {Status.CLOSED}
# Ids per statement (SQLite limits a statement's parameters).
CHUNK = 500


def desired_statuses(dossier_ids: Iterable[int]) -> dict[int, str]:
    """The status each file should have: judiciaire while a request to a lawyer is
    open, actions externes while another request is, paiement while a promise runs,
    else en cours (two queries per 500 files)."""
    ids = list(dossier_ids)
    wanted = dict.fromkeys(ids, Status.IN_PROGRESS)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for dossier_id in Promise.objects.filter(
            dossier_id__in=chunk, status=Promise.Status.RUNNING
        ).values_list("dossier_id", flat=True):
            wanted[dossier_id] = Status.PAYMENT
        open_actions = ExternalAction.objects.filter(dossier_id__in=chunk, answered_at__isnull=True)
        for dossier_id, recipient in open_actions.values_list("dossier_id", "recipient"):
            if recipient == ExternalAction.Recipient.LAWYER:
                wanted[dossier_id] = Status.LITIGATION
            elif wanted[dossier_id] != Status.LITIGATION:
                wanted[dossier_id] = Status.EXTERNAL_ACTIONS
    return wanted


def _should_change(current: str, wanted: str) -> bool:
    if current == wanted or current in UNTOUCHED:
        return False
    # Back to « en cours » only from a status this app holds the file in.
    return wanted != Status.IN_PROGRESS or current in HELD


def dossier_status_sync(*, dossier: Dossier, user=None, reason: str = "") -> Dossier:
    """Set one file's status from its promises and external actions (journaled)."""
    wanted = desired_statuses([dossier.pk])[dossier.pk]
    current = Dossier.objects.values_list("status", flat=True).get(pk=dossier.pk)
    if _should_change(current, wanted):
        return dossier_set_status(dossier=dossier, status=wanted, user=user, reason=reason)
    dossier.refresh_from_db(fields=["status"])
    return dossier


def dossier_status_sync_bulk(*, dossier_ids: Iterable[int], reason: str) -> int:
    """The same for many files, by the system: one UPDATE per target status and the
    journal entries in one INSERT. Returns the number of files changed."""
    wanted = desired_statuses(dossier_ids)
    if not wanted:
        return 0
    ids = list(wanted)
    current: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        current.update(
            Dossier.objects.filter(pk__in=ids[start : start + CHUNK]).values_list("pk", "status")
        )
    by_status: dict[str, list[int]] = {}
    entries = []
    labels = dict(Status.choices)
    for dossier_id, status in wanted.items():
        old = current.get(dossier_id)
        if old is None or not _should_change(old, status):
            continue
        by_status.setdefault(status, []).append(dossier_id)
        message = _("Statut : %(old)s → %(new)s.") % {"old": labels[old], "new": labels[status]}
        entries.append(
            JournalEntry(
                dossier_id=dossier_id,
                action=JournalEntry.Action.STATUS_CHANGED,
                actor_kind=JournalEntry.ActorKind.SYSTEM,
                message=f"{message} {reason}".strip(),
                data={"status": status},
            )
        )
    for status, changed in by_status.items():
        for start in range(0, len(changed), CHUNK):
            Dossier.objects.filter(
                Q(pk__in=changed[start : start + CHUNK]), ~Q(status__in=UNTOUCHED)
            ).update(status=status, updated_at=timezone.now())
    JournalEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)
