"""How long personal data is kept, and what holds it longer (docs/RGPD.md).

A closed file's retention runs from its last recorded event (the journal, RGPD
entries aside): never earlier than its closing, and later if someone still worked
on it after closing. A legal hold stops the clock whatever its age.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier, JournalEntry
from paiements.models import Dispute, ExternalAction, Promise

from .models import LegalHold

Action = JournalEntry.Action
# Entries of this app do not restart a closed file's retention period.
RGPD_ACTIONS = (Action.PERSONAL_DATA_EXPORTED, Action.PERSONAL_DATA_PURGED, Action.LEGAL_HOLD)

DEFAULT_CLOSED_FILE_RETENTION_MONTHS = 60
DEFAULT_TRACE_RETENTION_MONTHS = 6


def closed_file_retention_months() -> int:
    return int(
        getattr(settings, "RGPD_CLOSED_FILE_RETENTION_MONTHS", DEFAULT_CLOSED_FILE_RETENTION_MONTHS)
    )


def trace_retention_months() -> int:
    return int(getattr(settings, "RGPD_TRACE_RETENTION_MONTHS", DEFAULT_TRACE_RETENTION_MONTHS))


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same moment ``months`` calendar months earlier (31 March - 1 month = 28/29 Feb)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def closed_files() -> QuerySet[Dossier]:
    """Closed files, annotated with when they closed, their last event and last purge."""
    journal = JournalEntry.objects.filter(dossier=OuterRef("pk")).order_by("-created_at", "-id")
    closing = journal.filter(action=Action.STATUS_CHANGED, data__status=Dossier.Status.CLOSED)
    last_event = journal.exclude(action__in=RGPD_ACTIONS)
    purge = journal.filter(action=Action.PERSONAL_DATA_PURGED)
    return Dossier.objects.filter(status=Dossier.Status.CLOSED).annotate(
        closed_at=Subquery(closing.values("created_at")[:1]),
        last_event_at=Coalesce(Subquery(last_event.values("created_at")[:1]), F("created_at")),
        purged_at=Subquery(purge.values("created_at")[:1]),
    )


def expired_files(*, now: datetime.datetime | None = None) -> QuerySet[Dossier]:
    """Closed files past their retention period and not purged since their last event."""
    cutoff = months_before(now or timezone.now(), closed_file_retention_months())
    return closed_files().filter(
        Q(purged_at=None) | Q(purged_at__lt=F("last_event_at")), last_event_at__lte=cutoff
    )


# --- Legal holds ----------------------------------------------------------------------
# Each check takes files and returns those of them it holds. The purge skips a file
# that any check holds. The payments app (SPEC §13) adds its checks here, one function
# each: an open Dispute, an open ExternalAction, a Promise with an instalment unpaid:
#     HoldCheck(_("litige en cours"), lambda files: files.filter(disputes__closed_at=None))


@dataclass(frozen=True)
class HoldCheck:
    reason: str
    held: Callable[[QuerySet[Dossier]], QuerySet[Dossier]]


def _held_by_status(files: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return files.filter(status__in=[Dossier.Status.LITIGATION, Dossier.Status.EXTERNAL_ACTIONS])


def _held_by_manual_hold(files: QuerySet[Dossier]) -> QuerySet[Dossier]:
    open_holds = LegalHold.objects.filter(released_at=None).values("dossier_id")
    return files.filter(pk__in=open_holds)


def _held_by_dispute(files: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return files.filter(
        pk__in=Dispute.objects.filter(status=Dispute.Status.OPEN).values("dossier_id")
    )


def _held_by_external_action(files: QuerySet[Dossier]) -> QuerySet[Dossier]:
    open_actions = ExternalAction.objects.filter(answered_at=None).values("dossier_id")
    return files.filter(pk__in=open_actions)


def _held_by_promise(files: QuerySet[Dossier]) -> QuerySet[Dossier]:
    running = Promise.objects.filter(status=Promise.Status.RUNNING).values("dossier_id")
    return files.filter(pk__in=running)


HOLD_CHECKS: list[HoldCheck] = [
    HoldCheck(_("action judiciaire ou externe en cours"), _held_by_status),
    HoldCheck(_("gel de conservation posé"), _held_by_manual_hold),
    HoldCheck(_("litige ouvert"), _held_by_dispute),
    HoldCheck(_("action externe sans réponse"), _held_by_external_action),
    HoldCheck(_("promesse de paiement en cours"), _held_by_promise),
]


def without_holds(files: QuerySet[Dossier]) -> QuerySet[Dossier]:
    for check in HOLD_CHECKS:
        files = files.exclude(pk__in=check.held(Dossier.objects.all()).values("pk"))
    return files


def hold_reasons(files: QuerySet[Dossier]) -> dict[int, list[str]]:
    """Why each held file among ``files`` is held: one query per check."""
    reasons: dict[int, list[str]] = {}
    for check in HOLD_CHECKS:
        for pk in check.held(files).values_list("pk", flat=True):
            reasons.setdefault(pk, []).append(str(check.reason))
    return reasons


def purgeable_files(*, now: datetime.datetime | None = None) -> QuerySet[Dossier]:
    return without_holds(expired_files(now=now)).order_by("pk")
