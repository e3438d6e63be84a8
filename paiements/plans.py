"""Instalment plans (*échéanciers*): N equal instalments weekly or monthly."""

from __future__ import annotations

import calendar
import datetime
from decimal import ROUND_DOWN, Decimal

WEEKLY = "hebdomadaire"
MONTHLY = "mensuel"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day (31/01 + 1 → 28/02)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def plan_dates(*, first: datetime.date, count: int, period: str) -> list[datetime.date]:
    if period == WEEKLY:
        return [first + datetime.timedelta(weeks=n) for n in range(count)]
    return [add_months(first, n) for n in range(count)]


def plan_split(*, total: Decimal, count: int) -> list[Decimal]:
    """``count`` amounts of cents summing to ``total``; the last one takes the rest."""
    share = (total / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return [share] * (count - 1) + [total - share * (count - 1)]


def plan_build(
    *, total: Decimal, count: int, first: datetime.date, period: str
) -> list[tuple[datetime.date, Decimal]]:
    return list(
        zip(
            plan_dates(first=first, count=count, period=period),
            plan_split(total=total, count=count),
            strict=True,
        )
    )
