"""The managers' dashboard (« Tableau de bord »): a few aggregates, each one query
whatever the number of files, on the indexes of the tables they read."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Communication
from dossiers.models import Dossier, Receivable

from .models import Payment, Promise
from .plans import add_months

ZERO = Decimal(0)
MONTHS = 12
ACTIONS_DAYS = 30
MONTH_NAMES = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]


@dataclass
class Dashboard:
    today: datetime.date
    buckets: list[tuple[str, Decimal, int]]  # label, amount, invoices
    collected: list[tuple[str, Decimal]]  # month label, amount
    promises: list[tuple[str, int, int]]  # month label, kept, broken
    actions: list[tuple[str, int, int]]  # channel label, automatic, manual
    collaborators: list[dict] = field(default_factory=list)

    @property
    def outstanding(self) -> Decimal:
        return sum((amount for _label, amount, _n in self.buckets), ZERO)

    @property
    def collected_total(self) -> Decimal:
        return sum((amount for _label, amount in self.collected), ZERO)

    @property
    def kept_rate(self) -> int | None:
        kept = sum(k for _m, k, _b in self.promises)
        broken = sum(b for _m, _k, b in self.promises)
        return round(100 * kept / (kept + broken)) if kept + broken else None


def _month_label(day: datetime.date) -> str:
    return f"{MONTH_NAMES[day.month - 1]} {day.year}"


def _bucket(field: str, starts: list[datetime.date]) -> Case:
    """The index of the span a date falls in, spans starting at ``starts`` (newest
    first): one CASE per row, grouped on, rather than one filtered aggregate per span
    (or a date function the database calls row by row, as SQLite does for Trunc)."""
    whens = [When(**{f"{field}__gte": start}, then=Value(i)) for i, start in enumerate(starts)]
    return Case(*whens, default=Value(len(starts)), output_field=IntegerField())


def age_buckets(*, today: datetime.date, dossiers=None) -> list[tuple[str, Decimal, int]]:
    """Unpaid balances by days past due: one grouped aggregate over the receivables."""
    labels = [_("Non échu"), _("0–30 j"), _("31–60 j"), _("61–90 j"), _("> 90 j")]
    starts = [today] + [today - datetime.timedelta(days=d) for d in (30, 60, 90)]
    queryset = Receivable.objects.filter(balance__gt=0)
    if dossiers is not None:
        queryset = queryset.filter(dossier__in=dossiers)
    found = {
        row["bucket"]: (row["total"], row["n"])
        for row in queryset.annotate(bucket=_bucket("due_date", starts))
        .values("bucket")
        .annotate(total=Sum("balance"), n=Count("id"))
        .order_by()
    }
    return [(label, *found.get(i, (ZERO, 0))) for i, label in enumerate(labels)]


def _months(today: datetime.date) -> list[datetime.date]:
    first = add_months(today.replace(day=1), -(MONTHS - 1))
    return [add_months(first, n) for n in range(MONTHS)]


def collected_per_month(*, today: datetime.date, dossiers=None) -> list[tuple[str, Decimal]]:
    months = _months(today)
    queryset = Payment.objects.filter(date__gte=months[0], date__lte=today)
    if dossiers is not None:
        queryset = queryset.filter(dossier__in=dossiers)
    newest_first = months[::-1]
    totals = {
        row["month"]: row["total"]
        for row in queryset.annotate(month=_bucket("date", newest_first))
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    return [(_month_label(m), totals.get(len(months) - 1 - i, ZERO)) for i, m in enumerate(months)]


def promises_per_month(*, today: datetime.date, dossiers=None) -> list[tuple[str, int, int]]:
    months = _months(today)
    queryset = Promise.objects.filter(
        status__in=[Promise.Status.KEPT, Promise.Status.BROKEN], closed_on__gte=months[0]
    )
    if dossiers is not None:
        queryset = queryset.filter(dossier__in=dossiers)
    counts: dict[tuple[int, str], int] = {}
    for row in (
        queryset.annotate(month=_bucket("closed_on", months[::-1]))
        .values("month", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[(len(months) - 1 - row["month"], row["status"])] = row["n"]
    return [
        (
            _month_label(m),
            counts.get((i, Promise.Status.KEPT), 0),
            counts.get((i, Promise.Status.BROKEN), 0),
        )
        for i, m in enumerate(months)
    ]


def actions_per_channel(*, today: datetime.date, dossiers=None) -> list[tuple[str, int, int]]:
    """Communications of the last 30 days by channel: automatic (no one sent them:
    the reminders) and manual."""
    since = datetime.datetime.combine(
        today - datetime.timedelta(days=ACTIONS_DAYS - 1), datetime.time.min
    )
    queryset = Communication.objects.filter(created_at__gte=timezone.make_aware(since))
    if dossiers is not None:
        queryset = queryset.filter(dossier__in=dossiers)
    row = queryset.aggregate(
        **{
            f"{channel}_{kind}": Count("id", filter=Q(channel=channel, sent_by__isnull=auto))
            for channel in Communication.Channel.values
            for kind, auto in (("auto", True), ("manual", False))
        }
    )
    return [
        (str(label), row[f"{channel}_auto"], row[f"{channel}_manual"])
        for channel, label in Communication.Channel.choices
    ]


def per_collaborator(*, today: datetime.date) -> list[dict]:
    """One row per collaborator: files, outstanding, collected this month, promises
    kept and broken (12 months), manual actions (30 days). Five grouped queries."""
    users = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(is_active=True, groups__permissions__codename="view_dossier")
        .distinct()
    }
    rows: dict[int | None, dict] = {}

    def row(user_id):
        if user_id not in rows:
            user = users.get(user_id)
            name = (user.get_full_name() or user.get_username()) if user else _("Non affecté")
            rows[user_id] = {
                "name": name,
                "files": 0,
                "outstanding": ZERO,
                "collected": ZERO,
                "kept": 0,
                "broken": 0,
                "actions": 0,
            }
        return rows[user_id]

    for user_id in users:
        row(user_id)
    for r in (
        Dossier.objects.values("assigned_to")
        .annotate(n=Count("id"), s=Sum("outstanding"))
        .order_by()
    ):
        item = row(r["assigned_to"])
        item["files"], item["outstanding"] = r["n"], r["s"] or ZERO
    month = today.replace(day=1)
    for r in (
        Payment.objects.filter(date__gte=month, date__lte=today)
        .values("dossier__assigned_to")
        .annotate(s=Sum("amount"))
        .order_by()
    ):
        row(r["dossier__assigned_to"])["collected"] = r["s"] or ZERO
    first = _months(today)[0]
    for r in (
        Promise.objects.filter(
            status__in=[Promise.Status.KEPT, Promise.Status.BROKEN], closed_on__gte=first
        )
        .values("dossier__assigned_to", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        key = "kept" if r["status"] == Promise.Status.KEPT else "broken"
        row(r["dossier__assigned_to"])[key] = r["n"]
    since = timezone.make_aware(
        datetime.datetime.combine(
            today - datetime.timedelta(days=ACTIONS_DAYS - 1), datetime.time.min
        )
    )
    for r in (
        Communication.objects.filter(created_at__gte=since, sent_by__isnull=False)
        .values("sent_by")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if r["sent_by"] in users:
            row(r["sent_by"])["actions"] = r["n"]
    return sorted(rows.values(), key=lambda item: (-item["outstanding"], item["name"]))


def dashboard(*, today: datetime.date, assigned_to=None) -> Dashboard:
    dossiers = None
    if assigned_to is not None:
        dossiers = Dossier.objects.filter(assigned_to=assigned_to).values("pk")
    return Dashboard(
        today=today,
        buckets=age_buckets(today=today, dossiers=dossiers),
        collected=collected_per_month(today=today, dossiers=dossiers),
        promises=promises_per_month(today=today, dossiers=dossiers),
        actions=actions_per_channel(today=today, dossiers=dossiers),
        collaborators=per_collaborator(today=today) if assigned_to is None else [],
    )
