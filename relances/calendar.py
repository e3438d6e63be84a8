"""When a step may go out: sending windows per channel, French public holidays, and the
contact cap and gap of a file. Pure functions of their arguments and the settings."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone

# A window search never needs more than a few weeks (a long weekend, a bridge).
SEARCH_DAYS = 60


@lru_cache(maxsize=16)
def _french_holidays(year: int) -> holidays.HolidayBase:
    return holidays.France(years=year)


def is_public_holiday(day: datetime.date) -> bool:
    return day in _french_holidays(day.year)


def _window(channel: str) -> dict:
    return settings.RELANCES_WINDOWS[channel]


def _ranges(channel: str) -> list[tuple[datetime.time, datetime.time]]:
    ranges = []
    for start, end in _window(channel)["hours"]:
        start_t = datetime.time.fromisoformat(start)
        end_t = datetime.time.max if end == "24:00" else datetime.time.fromisoformat(end)
        ranges.append((start_t, end_t))
    return ranges


def is_allowed_day(channel: str, day: datetime.date) -> bool:
    if settings.RELANCES_HOLIDAYS and is_public_holiday(day):
        return False
    return day.weekday() in _window(channel)["days"]


def next_allowed_moment(channel: str, earliest: datetime.datetime) -> datetime.datetime:
    """The first moment at or after ``earliest`` inside the channel's window."""
    tz = timezone.get_current_timezone()
    local = timezone.localtime(earliest, tz)
    day = local.date()
    for _ in range(SEARCH_DAYS):
        if is_allowed_day(channel, day):
            for start, end in _ranges(channel):
                opens = timezone.make_aware(datetime.datetime.combine(day, start), tz)
                closes = timezone.make_aware(datetime.datetime.combine(day, end), tz)
                if local < closes:
                    return max(local, opens)
        day += datetime.timedelta(days=1)
        local = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), tz)
    raise ValueError(f"No sending window for {channel!r} in {SEARCH_DAYS} days")


def is_in_window(channel: str, moment: datetime.datetime) -> bool:
    return next_allowed_moment(channel, moment) == moment


def after_cap_and_gap(
    earliest: datetime.datetime, contacts: Iterable[datetime.datetime]
) -> datetime.datetime:
    """Move ``earliest`` past the minimum gap and the rolling cap of automatic contacts.

    ``contacts``: when the file's previous automatic contacts went out.
    """
    gap = datetime.timedelta(days=settings.RELANCES_GAP_DAYS)
    span = datetime.timedelta(days=settings.RELANCES_CAP_DAYS)
    cap = settings.RELANCES_CAP
    moments = sorted(contacts)
    moment = earliest
    if moments:
        moment = max(moment, moments[-1] + gap)
    # At most `cap` contacts in any `span`: the new one must wait until the cap-th
    # latest contact leaves the window.
    if cap and len(moments) >= cap:
        moment = max(moment, moments[-cap] + span)
    return moment


def first_allowed_moment(
    channel: str, earliest: datetime.datetime, contacts: Iterable[datetime.datetime] = ()
) -> datetime.datetime:
    """The first moment that respects the window, the holidays, the cap and the gap."""
    return next_allowed_moment(channel, after_cap_and_gap(earliest, contacts))


def start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
