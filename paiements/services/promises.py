"""Promises to pay and their instalments: recorded, evaluated, kept or broken."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from dossiers.models import Dossier, JournalEntry, Receivable
from dossiers.services import dossier_lock, journal_record
from dossiers.templatetags.recouvrement import format_euros

from ..allocation import ZERO
from ..models import Instalment, Payment, Promise
from .status import dossier_status_sync, dossier_status_sync_bulk

Action = JournalEntry.Action


def grace_days() -> int:
    return int(getattr(settings, "PROMISE_GRACE_DAYS", 3))


def _d(day: datetime.date) -> str:
    return formats.date_format(day, "d/m/Y")


def _validate_plan(plan, *, today: datetime.date, covered: Decimal) -> None:
    if not plan:
        raise ValidationError(_("Indiquez au moins une échéance (date et montant)."))
    dates = [day for day, _amount in plan]
    if len(set(dates)) != len(dates):
        raise ValidationError(_("Deux échéances ne peuvent pas tomber le même jour."))
    if min(dates) < today:
        raise ValidationError(_("Une échéance ne peut pas être dans le passé."))
    if any(amount is None or amount <= ZERO for _day, amount in plan):
        raise ValidationError(_("Le montant de chaque échéance doit être positif."))
    total = sum((amount for _day, amount in plan), ZERO)
    if total > covered:
        raise ValidationError(
            _("Le total promis (%(total)s) dépasse le montant dû (%(due)s).")
            % {"total": format_euros(total), "due": format_euros(covered)}
        )


@transaction.atomic
def promise_create(
    *,
    dossier: Dossier,
    plan: list[tuple[datetime.date, Decimal]],
    today: datetime.date,
    receivables: list[Receivable] | None = None,
    comment: str = "",
    user=None,
) -> Promise:
    """Record a promise (one instalment) or an instalment plan, on the whole
    outstanding or on chosen invoices. A running promise of the file is replaced.
    The file goes to *paiement* while the promise runs."""
    dossier = dossier_lock(dossier_id=dossier.pk)
    receivables = list(receivables or [])
    if any(r.dossier_id != dossier.pk for r in receivables):
        raise ValidationError(_("Ces factures ne sont pas celles du dossier."))
    covered = sum((r.balance for r in receivables), ZERO) if receivables else dossier.outstanding
    plan = sorted(plan)
    _validate_plan(plan, today=today, covered=covered)
    running = Promise.objects.filter(dossier=dossier, status=Promise.Status.RUNNING).first()
    if running is not None:
        _close(running, Promise.Status.CANCELLED, today)
        journal_record(
            dossier=dossier,
            action=Action.PROMISE_CANCELLED,
            actor=user,
            message=_("Promesse du %(date)s remplacée par une nouvelle.")
            % {"date": _d(running.start_date)},
            data={"promise": running.pk},
        )
    promise = Promise.objects.create(
        dossier=dossier, start_date=today, comment=comment[:500], created_by=user
    )
    if receivables:
        promise.receivables.set(receivables)
    Instalment.objects.bulk_create(
        [Instalment(promise=promise, due_date=day, amount=amount) for day, amount in plan]
    )
    total = sum((amount for _day, amount in plan), ZERO)
    if len(plan) == 1:
        message = _("Promesse de paiement de %(amount)s pour le %(date)s") % {
            "amount": format_euros(total),
            "date": _d(plan[0][0]),
        }
    else:
        message = _("Échéancier de %(count)d échéances, %(amount)s du %(first)s au %(last)s") % {
            "count": len(plan),
            "amount": format_euros(total),
            "first": _d(plan[0][0]),
            "last": _d(plan[-1][0]),
        }
    if receivables:
        message += _(" (factures %(numbers)s)") % {
            "numbers": ", ".join(r.number for r in receivables)
        }
    journal_record(
        dossier=dossier,
        action=Action.PROMISE_CREATED,
        actor=user,
        message=message + ".",
        data={
            "promise": promise.pk,
            "instalments": [[day.isoformat(), str(amount)] for day, amount in plan],
        },
    )
    dossier_status_sync(dossier=dossier, user=user)
    return promise


def _close(promise: Promise, status: str, today: datetime.date) -> None:
    promise.status, promise.closed_on = status, today
    promise.save(update_fields=["status", "closed_on"])


@transaction.atomic
def promise_cancel(*, promise: Promise, today: datetime.date, user) -> Promise:
    dossier_lock(dossier_id=promise.dossier_id)
    promise = Promise.objects.select_related("dossier").get(pk=promise.pk)
    if promise.status != Promise.Status.RUNNING:
        raise ValidationError(_("Cette promesse n'est plus en cours."))
    _close(promise, Promise.Status.CANCELLED, today)
    journal_record(
        dossier=promise.dossier,
        action=Action.PROMISE_CANCELLED,
        actor=user,
        message=_("Promesse du %(date)s annulée.") % {"date": _d(promise.start_date)},
        data={"promise": promise.pk},
    )
    dossier_status_sync(dossier=promise.dossier, user=user)
    return promise


def _journal(dossier_id: int, action: str, message: str, data: dict) -> JournalEntry:
    return JournalEntry(
        dossier_id=dossier_id,
        action=action,
        actor_kind=JournalEntry.ActorKind.SYSTEM,
        message=message,
        data=data,
    )


@transaction.atomic
def promises_evaluate(
    *, today: datetime.date, dossier_ids: list[int] | None = None
) -> dict[str, int]:
    """Say which instalments are kept or missed, for every running promise.

    An instalment is *tenue* once the payments of the file dated from the promise's
    day up to its due date plus the grace period (``PROMISE_GRACE_DAYS``, default 3)
    cover it and the instalments before it; *non tenue* once that day has passed
    without. One missed instalment breaks the promise (the file goes back *en
    cours*, its reminders resume); all kept complete it. A fixed number of queries
    whatever the number of promises; journal entries in one INSERT.
    """
    grace = datetime.timedelta(days=grace_days())
    promises = Promise.objects.filter(status=Promise.Status.RUNNING).select_for_update()
    if dossier_ids is not None:
        promises = promises.filter(dossier_id__in=dossier_ids)
    promises = list(promises.order_by("id"))
    counts = {"kept": 0, "missed": 0, "completed": 0, "broken": 0}
    if not promises:
        return counts
    # Joined on the running status rather than « IN (every promise) »: SQLite limits
    # the number of parameters of a statement.
    instalments = Instalment.objects.filter(promise__status=Promise.Status.RUNNING)
    paid_rows = Payment.objects.filter(
        dossier__promises__status=Promise.Status.RUNNING,
        date__gte=min(p.start_date for p in promises),
    )
    if dossier_ids is not None:
        instalments = instalments.filter(promise__dossier_id__in=dossier_ids)
        paid_rows = paid_rows.filter(dossier_id__in=dossier_ids)
    by_promise: dict[int, list[Instalment]] = defaultdict(list)
    for instalment in instalments.order_by("due_date", "id"):
        by_promise[instalment.promise_id].append(instalment)
    paid: dict[int, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    for dossier_id, day, amount in paid_rows.order_by("date").values_list(
        "dossier_id", "date", "amount"
    ):
        paid[dossier_id].append((day, amount))

    changed: list[Instalment] = []
    closed: list[Promise] = []
    entries: list[JournalEntry] = []
    for promise in promises:
        payments = [(d, a) for d, a in paid[promise.dossier_id] if d >= promise.start_date]
        owed = ZERO
        outcome = Promise.Status.KEPT
        for instalment in by_promise[promise.pk]:
            owed += instalment.amount
            if instalment.state == Instalment.State.KEPT:
                continue
            limit = min(today, instalment.due_date + grace)
            received = sum((a for d, a in payments if d <= limit), ZERO)
            if received >= owed:
                instalment.state = Instalment.State.KEPT
                changed.append(instalment)
                counts["kept"] += 1
                entries.append(
                    _journal(
                        promise.dossier_id,
                        Action.INSTALMENT_KEPT,
                        _("Échéance du %(date)s (%(amount)s) tenue.")
                        % {
                            "date": _d(instalment.due_date),
                            "amount": format_euros(instalment.amount),
                        },
                        {"promise": promise.pk, "instalment": instalment.pk},
                    )
                )
            elif today > instalment.due_date + grace:
                instalment.state = Instalment.State.MISSED
                changed.append(instalment)
                counts["missed"] += 1
                outcome = Promise.Status.BROKEN
                entries.append(
                    _journal(
                        promise.dossier_id,
                        Action.PROMISE_BROKEN,
                        _(
                            "Promesse non tenue : échéance du %(date)s (%(amount)s) impayée "
                            "(%(received)s reçus sur %(owed)s attendus)."
                        )
                        % {
                            "date": _d(instalment.due_date),
                            "amount": format_euros(instalment.amount),
                            "received": format_euros(received),
                            "owed": format_euros(owed),
                        },
                        {"promise": promise.pk, "instalment": instalment.pk},
                    )
                )
                break
            else:
                outcome = Promise.Status.RUNNING
                break
        if outcome == Promise.Status.RUNNING:
            continue
        promise.status, promise.closed_on = outcome, today
        closed.append(promise)
        if outcome == Promise.Status.KEPT:
            counts["completed"] += 1
            entries.append(
                _journal(
                    promise.dossier_id,
                    Action.PROMISE_KEPT,
                    _("Promesse du %(date)s tenue : toutes les échéances sont payées.")
                    % {"date": _d(promise.start_date)},
                    {"promise": promise.pk},
                )
            )
        else:
            counts["broken"] += 1
    # One UPDATE per new state (per 500 rows), not a CASE per row as bulk_update builds.
    for state in (Instalment.State.KEPT, Instalment.State.MISSED):
        ids = [i.pk for i in changed if i.state == state]
        for start in range(0, len(ids), 500):
            Instalment.objects.filter(pk__in=ids[start : start + 500]).update(state=state)
    for status in (Promise.Status.KEPT, Promise.Status.BROKEN):
        ids = [p.pk for p in closed if p.status == status]
        for start in range(0, len(ids), 500):
            Promise.objects.filter(pk__in=ids[start : start + 500]).update(
                status=status, closed_on=today
            )
    JournalEntry.objects.bulk_create(entries, batch_size=500)
    if closed:
        dossier_status_sync_bulk(
            dossier_ids=[p.dossier_id for p in closed], reason=_("Fin de la promesse de paiement.")
        )
    return counts
