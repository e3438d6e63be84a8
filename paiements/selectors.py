"""Reads of the paiements app: the file's panel, what the reminders must leave out,
and the agents' worklist items."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from dossiers.models import Dossier
from dossiers.templatetags.recouvrement import format_euros
from recouvrement.prepared import prepared

from .models import Allocation, Dispute, ExternalAction, Instalment, Payment, Promise

#: how long a broken promise stays in the agent's worklist
BROKEN_PROMISE_DAYS = 30


def held_receivables() -> QuerySet:
    """The ids of the receivables in an open dispute, as a subquery: they leave the
    reminders' amount (``relances.planning.scenario_amounts``)."""
    return Dispute.receivables.through.objects.filter(dispute__status=Dispute.Status.OPEN).values(
        "receivable_id"
    )


def held_receivable_ids(*, dossier_ids: Iterable[int]) -> set[int]:
    """Receivables in an open dispute: they leave the reminders' amount (one query)."""
    through = Dispute.receivables.through
    return set(
        through.objects.filter(
            dispute__status=Dispute.Status.OPEN, dispute__dossier_id__in=list(dossier_ids)
        ).values_list("receivable_id", flat=True)
    )


def dossier_credit(*, dossier: Dossier) -> Decimal:
    return dossier.payments.aggregate(s=Sum("unallocated"))["s"] or Decimal(0)


# The panel's reads, compiled once per process (recouvrement.prepared, issue 15).
# What were prefetches are prepared too: a prefetch's ``IN`` list of its parents'
# ids changes its SQL with the file, so it was compiled on every render (about a
# third of the panel). Each reads by the file (or the one promise) instead, and
# its rows go on their parents as plain lists (``allocation_list``,
# ``instalment_list``, ``receivable_list``), in the order the prefetch gave.
def _latest_payments(dossier_id: int) -> QuerySet[Payment]:
    return Payment.objects.filter(dossier_id=dossier_id).order_by("-date", "-id")[:50]


_panel_payments = prepared(_latest_payments)
_panel_allocations = prepared(
    lambda dossier_id: (
        Allocation.objects.filter(payment__in=_latest_payments(dossier_id).values("id"))
        .select_related("receivable")
        .order_by("id")
    )
)
_panel_latest_promise = prepared(
    lambda dossier_id: (
        Promise.objects.filter(dossier_id=dossier_id)
        .exclude(status=Promise.Status.CANCELLED)
        .order_by("-created_at", "-id")[:1]
    )
)
_panel_instalments = prepared(
    lambda promise_id: Instalment.objects.filter(promise_id=promise_id).order_by("due_date", "id")
)
# The receivables in the order of their model (what the prefetches gave), the id
# last so that equal dates and numbers come out the same every time.
_RECEIVABLE_ORDER = ("receivable__due_date", "receivable__number", "receivable_id")
_panel_promise_receivables = prepared(
    lambda promise_id: (
        Promise.receivables.through.objects.filter(promise_id=promise_id)
        .select_related("receivable")
        .order_by(*_RECEIVABLE_ORDER)
    )
)
_panel_open_disputes = prepared(
    lambda dossier_id: Dispute.objects.filter(
        dossier_id=dossier_id, status=Dispute.Status.OPEN
    ).select_related("reason", "assigned_to")
)
_panel_dispute_receivables = prepared(
    lambda dossier_id: (
        Dispute.receivables.through.objects.filter(
            dispute__dossier_id=dossier_id, dispute__status=Dispute.Status.OPEN
        )
        .select_related("receivable")
        .order_by(*_RECEIVABLE_ORDER)
    )
)
_panel_open_actions = prepared(
    lambda dossier_id: ExternalAction.objects.filter(
        dossier_id=dossier_id, answered_at__isnull=True
    ).order_by("deadline", "id")
)
_panel_action_receivables = prepared(
    lambda dossier_id: (
        ExternalAction.receivables.through.objects.filter(
            externalaction__dossier_id=dossier_id, externalaction__answered_at__isnull=True
        )
        .select_related("receivable")
        .order_by(*_RECEIVABLE_ORDER)
    )
)


def _attach(parents: list, rows, *, parent_id: str, name: str, item=None) -> None:
    """Sets on each parent ``name``: the list of its rows (``item`` of each row, else
    the row itself), in the rows' order. Nothing is read for no parent, as a prefetch."""
    by_id = {parent.pk: parent for parent in parents}
    for parent in parents:
        setattr(parent, name, [])
    if not parents:
        return
    for row in rows():
        parent = by_id.get(getattr(row, parent_id))
        if parent is not None:
            getattr(parent, name).append(row if item is None else getattr(row, item))


def payments_panel(request, dossier: Dossier) -> dict:
    """The client file's payments panel (a panel of ``fiche.views.PANELS``)."""
    return {"paiements": dossier_panel(dossier=dossier, user=request.user)}


def dossier_panel(*, dossier: Dossier, user) -> dict:
    """Context of templates/paiements/_dossier_panel.html (a fixed number of queries)."""
    pk = dossier.pk
    # Who recorded a payment is not shown here: no join of the users (issue 15).
    payments = _panel_payments(dossier_id=pk)
    _attach(
        payments,
        lambda: _panel_allocations(dossier_id=pk),
        parent_id="payment_id",
        name="allocation_list",
    )
    # A new promise cancels the running one: the latest one not cancelled is either
    # the running promise or the last that ended (one query, plus its instalments and
    # receivables).
    latest = _panel_latest_promise(dossier_id=pk)
    for promise_rows, name, item in (
        (_panel_instalments, "instalment_list", None),
        (_panel_promise_receivables, "receivable_list", "receivable"),
    ):
        _attach(
            latest,
            lambda rows=promise_rows: rows(promise_id=latest[0].pk),
            parent_id="promise_id",
            name=name,
            item=item,
        )
    latest = next(iter(latest), None)
    running = latest is not None and latest.status == Promise.Status.RUNNING
    promise, last_promise = (latest, None) if running else (None, latest)
    disputes = _panel_open_disputes(dossier_id=pk)
    _attach(
        disputes,
        lambda: _panel_dispute_receivables(dossier_id=pk),
        parent_id="dispute_id",
        name="receivable_list",
        item="receivable",
    )
    disputed = {r.pk: d for d in disputes for r in d.receivable_list}
    actions = _panel_open_actions(dossier_id=pk)
    _attach(
        actions,
        lambda: _panel_action_receivables(dossier_id=pk),
        parent_id="externalaction_id",
        name="receivable_list",
        item="receivable",
    )
    credit = sum((p.unallocated for p in payments), Decimal(0))
    if len(payments) == 50:
        credit = dossier_credit(dossier=dossier)
    return {
        "payments": payments,
        "credit": credit,
        "promise": promise,
        "last_promise": last_promise,
        "disputes": disputes,
        "disputed": disputed,
        "disputed_ids": set(disputed),
        "external_actions": actions,
        # A balance means receivables: the query only for a file with nothing due.
        "settled": dossier.outstanding == 0 and dossier.receivables.exists(),
        "can_add_payment": user.has_perm("paiements.add_payment"),
        "can_receipt": user.has_perm("pieces.add_piece"),
        "can_add_promise": user.has_perm("paiements.add_promise"),
        "can_add_dispute": user.has_perm("paiements.add_dispute"),
        "can_change_dispute": user.has_perm("paiements.change_dispute"),
        "can_add_external": user.has_perm("paiements.add_externalaction"),
        "can_change_external": user.has_perm("paiements.change_externalaction"),
    }


def _url(dossier_id: int) -> str:
    return reverse("dossiers:detail", args=[dossier_id])


# What « À faire » holds of the money side, one rule each (user_id, today, since:
# the first day a broken promise is still shown). The page lists them
# (worklist_items) and the navigation counts them (worklist_counts) from these.
def _instalments_due(*, user_id: int, today: datetime.date, since: datetime.date) -> QuerySet:
    return Instalment.objects.filter(
        promise__dossier__assigned_to_id=user_id,
        promise__status=Promise.Status.RUNNING,
        state=Instalment.State.PENDING,
        due_date__lte=today,
    )


def _promises_broken(*, user_id: int, today: datetime.date, since: datetime.date) -> QuerySet:
    return Instalment.objects.filter(
        promise__dossier__assigned_to_id=user_id,
        promise__status=Promise.Status.BROKEN,
        promise__closed_on__gte=since,
        state=Instalment.State.MISSED,
    ).exclude(  # A new promise on the file settles the matter.
        promise__dossier__promises__status=Promise.Status.RUNNING
    )


def _disputes_to_follow(*, user_id: int, today: datetime.date, since: datetime.date) -> QuerySet:
    # The dispute's own agent, else the file's.
    return Dispute.objects.filter(
        Q(assigned_to_id=user_id) | Q(assigned_to__isnull=True, dossier__assigned_to_id=user_id),
        status=Dispute.Status.OPEN,
        follow_up_date__lte=today,
    )


def _answers_awaited(*, user_id: int, today: datetime.date, since: datetime.date) -> QuerySet:
    return ExternalAction.objects.filter(
        dossier__assigned_to_id=user_id, answered_at__isnull=True, deadline__lte=today
    )


def _rule_values(user, today: datetime.date) -> dict:
    return {
        "user_id": user.pk,
        "today": today,
        "since": today - datetime.timedelta(days=BROKEN_PROMISE_DAYS),
    }


def _counted(rule) -> prepared:
    return prepared(
        lambda user_id, today, since: (
            rule(user_id=user_id, today=today, since=since).order_by().values("pk")
        )
    )


_COUNTED = tuple(
    _counted(rule)
    for rule in (_instalments_due, _promises_broken, _disputes_to_follow, _answers_awaited)
)


def worklist_counts(*, user, today: datetime.date) -> list[tuple[str, tuple]]:
    """The SQL and parameters of one ``SELECT`` of the keys of each kind of
    ``worklist_items`` (as many rows as items), compiled once per process: the
    navigation counts them inside its own statement (relances.selectors)."""
    values = _rule_values(user, today)
    parts = []
    for shape in _COUNTED:
        queryset = shape.queryset(**values)
        parts.append(queryset.query.get_compiler(using=queryset.db).as_sql())
    return parts


def worklist_items(*, user, today: datetime.date) -> list[dict]:
    """What is due today or late on the user's files: instalments (due, or missed
    and their promise broken), dispute follow-ups, external-action deadlines. Each
    item: kind, label, dossier, due_date, amount, url. Five queries."""
    values = _rule_values(user, today)
    items: list[dict] = []
    instalments = (
        _instalments_due(**values).select_related("promise__dossier").order_by("due_date", "id")
    )
    for instalment in instalments:
        dossier = instalment.promise.dossier
        items.append(
            {
                "kind": "instalment_due",
                "label": _("%(amount)s du %(date)s à vérifier")  # beside its kind, « Échéance »
                % {
                    "amount": format_euros(instalment.amount),
                    "date": f"{instalment.due_date:%d/%m/%Y}",
                },
                "dossier": dossier,
                "due_date": instalment.due_date,
                "amount": instalment.amount,
                "url": _url(dossier.pk),
            }
        )
    broken = (
        _promises_broken(**values).select_related("promise__dossier").order_by("due_date", "id")
    )
    for instalment in broken:
        dossier = instalment.promise.dossier
        items.append(
            {
                "kind": "promise_broken",
                # (The kind, « Promesse non tenue », is shown beside it.)
                "label": _("Échéance du %(date)s impayée")
                % {"date": f"{instalment.due_date:%d/%m/%Y}"},
                "dossier": dossier,
                "due_date": instalment.due_date,
                "amount": instalment.amount,
                "url": _url(dossier.pk),
            }
        )
    disputes = list(
        _disputes_to_follow(**values)
        .select_related("dossier", "reason")
        .order_by("follow_up_date", "id")
    )
    amounts: dict[int, Decimal] = defaultdict(Decimal)
    through = Dispute.receivables.through
    for dispute_id, balance in through.objects.filter(
        dispute_id__in=[d.pk for d in disputes]
    ).values_list("dispute_id", "receivable__balance"):
        amounts[dispute_id] += balance
    for dispute in disputes:
        items.append(
            {
                "kind": "dispute_follow_up",
                "label": _("Relancer le litige (%(reason)s)") % {"reason": dispute.reason.label},
                "dossier": dispute.dossier,
                "due_date": dispute.follow_up_date,
                "amount": amounts[dispute.pk],
                "url": _url(dispute.dossier_id),
            }
        )
    actions = _answers_awaited(**values).select_related("dossier").order_by("deadline", "id")
    for action in actions:
        items.append(
            {
                "kind": "external_deadline",
                "label": _("Réponse attendue de %(recipient)s")
                % {"recipient": action.get_recipient_display().lower()},
                "dossier": action.dossier,
                "due_date": action.deadline,
                "amount": None,
                "url": _url(action.dossier_id),
            }
        )
    items.sort(key=lambda item: (item["due_date"], item["kind"]))
    return items


#: what the reminders call each kind of step around a promise (relances.ScenarioStep.Kind)
BEFORE, AFTER = "before_instalment", "after_missed"


def remindable_q(kind: str, *, today: datetime.date, prefix: str = "") -> Q:
    """The instalments a reminder of ``kind`` may still speak of today, the one rule
    for planning, sending and cancelling them (``prefix``: the path to the instalment
    from another model, e.g. ``"instalment__"`` from a planned action):

    - before an instalment: still pending, its promise running, not yet past due
      (a reminder is never sent for an instalment already kept, nor once the promise
      is broken, completed or replaced);
    - after a missed one: missed, its promise broken, and no new promise running on
      the file (a new promise settles the matter).
    """
    p = prefix
    if kind == BEFORE:
        return Q(
            **{
                f"{p}state": Instalment.State.PENDING,
                f"{p}promise__status": Promise.Status.RUNNING,
                f"{p}due_date__gte": today,
            }
        )
    return Q(
        **{f"{p}state": Instalment.State.MISSED, f"{p}promise__status": Promise.Status.BROKEN}
    ) & ~Q(**{f"{p}promise__dossier__promises__status": Promise.Status.RUNNING})


def instalments_remindable(kind: str, *, today: datetime.date) -> QuerySet:
    """The instalments a reminder of ``kind`` may still speak of (``remindable_q``)."""
    return Instalment.objects.filter(remindable_q(kind, today=today))


def instalment_reminders(
    *,
    today: datetime.date,
    days_before: int | None,
    days_after: int | None,
    catch_up_days: int = 0,
    dossier_ids=None,
    with_files: bool = True,
) -> dict[str, list[Instalment]]:
    """For the reminders' steps around a plan: the remindable instalments due from
    today to ``days_before`` days ahead (« rappel avant échéance »), and the missed
    ones due from ``days_after + catch_up_days`` to ``days_after`` days ago (« relance
    après échéance manquée »; the catch-up lets a planner that missed a few days still
    send it). ``None``: no such step. Two queries at most; each instalment comes with
    its promise and, ``with_files``, its file."""
    found: dict[str, list[Instalment]] = {"before": [], "after": []}
    windows = {
        "before": (BEFORE, days_before, lambda n: (today, today + datetime.timedelta(days=n))),
        "after": (
            AFTER,
            days_after,
            lambda n: (
                today - datetime.timedelta(days=n + catch_up_days),
                today - datetime.timedelta(days=n),
            ),
        ),
    }
    for key, (kind, days, window) in windows.items():
        if days is None:
            continue
        queryset = instalments_remindable(kind, today=today).filter(due_date__range=window(days))
        if dossier_ids is not None:
            queryset = queryset.filter(promise__dossier_id__in=list(dossier_ids))
        related = "promise__dossier" if with_files else "promise"
        found[key] = list(queryset.select_related(related).order_by("due_date", "id"))
    return found
