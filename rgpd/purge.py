"""The purge of closed files' personal data, and of old consultation traces.

Batch by batch, each in one transaction: the batch's files are locked, checked
again, then anonymised with a fixed number of bulk queries (none per file). The
stored files of their pieces are deleted last inside the transaction: an
interruption rolls the rows back, and the next run deletes (again) and commits.
A purged file carries a tombstone, so a second run finds nothing left to do.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, CharField, JSONField, Value, When
from django.db.models.functions import Concat
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from contacts.models import Communication, Contact, ContactPoint
from dossiers.models import Dossier, JournalEntry, Note
from pieces.models import Piece

from . import retention
from .models import ConsultationTrace

logger = logging.getLogger(__name__)

Action = JournalEntry.Action
DEFAULT_BATCH_SIZE = 500


@dataclass
class PlanLine:
    dossier_id: int
    reference: str
    closed_at: datetime.datetime | None
    last_event_at: datetime.datetime
    held_by: list[str] = field(default_factory=list)

    @property
    def purged(self) -> bool:
        return not self.held_by


@dataclass
class PurgeTotals:
    files: int = 0
    contacts: int = 0
    points: int = 0
    pieces: int = 0
    traces: int = 0
    batches: int = 0

    def add(self, other: PurgeTotals) -> None:
        for name in ("files", "contacts", "points", "pieces", "traces", "batches"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def purge_plan(*, now: datetime.datetime | None = None) -> list[PlanLine]:
    """What a purge would do now: every expired file, purged or held and why."""
    expired = retention.expired_files(now=now).order_by("pk")
    reasons = retention.hold_reasons(expired)
    return [
        PlanLine(
            dossier_id=d.pk,
            reference=d.reference,
            closed_at=d.closed_at,
            last_event_at=d.last_event_at,
            held_by=reasons.get(d.pk, []),
        )
        for d in expired.only("pk", "reference", "created_at")
    ]


def trace_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return retention.months_before(now or timezone.now(), retention.trace_retention_months())


def traces_expired_count(*, now: datetime.datetime | None = None) -> int:
    return ConsultationTrace.objects.filter(at__lt=trace_cutoff(now)).count()


def _tombstone(now: datetime.datetime) -> str:
    return _(
        "Données personnelles purgées le %(date)s (conservation : %(months)d mois après "
        "le dernier événement du dossier clôturé). Les montants sont conservés."
    ) % {
        "date": formats.date_format(timezone.localtime(now), "d/m/Y"),
        "months": retention.closed_file_retention_months(),
    }


def _storage_names(ids: list[int]) -> list[str]:
    names = []
    for file_name, thumbnail in Piece.objects.filter(dossier_id__in=ids).values_list(
        "file", "thumbnail"
    ):
        names += [name for name in (file_name, thumbnail) if name]
    return names


def storage_delete(names: list[str]) -> None:
    """Delete stored files; a missing one is already what we want."""
    for name in names:
        default_storage.delete(name)


@transaction.atomic
def purge_batch(*, dossier_ids: list[int], now: datetime.datetime) -> PurgeTotals:
    """Anonymise the personal data of these files, if they are still purgeable."""
    locked = list(
        Dossier.objects.select_for_update().filter(pk__in=dossier_ids).values_list("pk", flat=True)
    )
    ids = list(
        retention.purgeable_files(now=now).filter(pk__in=locked).values_list("pk", flat=True)
    )
    if not ids:
        return PurgeTotals()
    totals = PurgeTotals(files=len(ids), batches=1)
    names = _storage_names(ids)
    totals.pieces = Piece.objects.filter(dossier_id__in=ids).count()

    # Means go with their evidence; communications keep channel, date and status only.
    Communication.objects.filter(dossier_id__in=ids).update(
        recipient="", subject="", body="", error="", provider_id="", delivery_status=""
    )
    totals.points = ContactPoint.objects.filter(dossier_id__in=ids).count()
    ContactPoint.objects.filter(dossier_id__in=ids).delete()
    totals.contacts = Contact.objects.filter(dossier_id__in=ids).update(
        civility="",
        first_name="",
        last_name=_("Contact purgé"),
        function="",
        observation="",
        external_key="",
    )
    Note.objects.filter(dossier_id__in=ids).update(text=_("[note purgée]"))
    Piece.objects.filter(dossier_id__in=ids).delete()
    # The journal keeps what happened and when, not to whom: messages become labels.
    JournalEntry.objects.filter(dossier_id__in=ids).update(
        message=Case(
            *[When(action=value, then=Value(str(label))) for value, label in Action.choices],
            default=Value(""),
            output_field=CharField(),
        ),
        data=Value({}, output_field=JSONField()),
    )
    Dossier.objects.filter(pk__in=ids, kind=Dossier.Kind.INDIVIDUAL).update(
        name=Concat(Value(_("Dossier purgé") + " "), "reference", output_field=CharField())
    )
    Dossier.objects.filter(pk__in=ids).update(next_action="", next_action_date=None)
    message = _tombstone(now)
    JournalEntry.objects.bulk_create(
        JournalEntry(
            dossier_id=pk,
            created_at=now,
            actor_kind=JournalEntry.ActorKind.SYSTEM,
            action=Action.PERSONAL_DATA_PURGED,
            message=message,
            data={"retention_months": retention.closed_file_retention_months()},
        )
        for pk in ids
    )
    storage_delete(names)
    return totals


def traces_purge(*, now: datetime.datetime | None = None) -> int:
    deleted, _by_model = ConsultationTrace.objects.filter(at__lt=trace_cutoff(now)).delete()
    return deleted


def personal_data_purge(
    *,
    now: datetime.datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[PurgeTotals], None] | None = None,
) -> PurgeTotals:
    """Purge every purgeable file, batch after batch, then the expired traces."""
    now = now or timezone.now()
    totals = PurgeTotals()
    after = 0
    while True:
        # Keyset pagination: a batch whose files are all held again is not re-read.
        ids = list(
            retention.purgeable_files(now=now)
            .filter(pk__gt=after)
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        batch = purge_batch(dossier_ids=ids, now=now)
        totals.add(batch)
        if on_batch is not None:
            on_batch(batch)
        after = ids[-1]
    totals.traces = traces_purge(now=now)
    return totals
