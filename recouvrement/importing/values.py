"""Parsing of cell values as French files write them. Each parser raises
ValueError with a message for people (French source text, through gettext) that
names what was expected; gettext is only called when a value is refused."""

from __future__ import annotations

import datetime
import functools
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'€")
_FR_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FR_DATETIME = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?$"
)
TWO_PLACES = Decimal("0.01")

TRUE_WORDS = {"oui", "o", "1", "vrai", "true", "yes", "y", "x"}
FALSE_WORDS = {"non", "n", "0", "faux", "false", "no"}


def text(value: Any) -> str:
    """A cell as stripped text (XLSX numbers that are identifiers lose their ``.0``)."""
    if type(value) is str:  # CSV cells: the common case first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


@functools.lru_cache(maxsize=65_536)
def _decimal_from_text(raw: str) -> Decimal:
    cleaned = raw.translate(_SPACES)
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned = "-" + cleaned[1:-1]
    if "," in cleaned and "." in cleaned:
        # 1.234,56 (French thousands with dots) or 1,234.56 (English).
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_not_an_amount(raw)) from None
    if not number.is_finite():
        raise ValueError(_not_an_amount(raw))
    # Before quantize, which cannot give 1e309 two decimals (InvalidOperation).
    if abs(number) >= Decimal("1e12"):
        raise ValueError(_("« %(value)s » est un montant trop grand.") % {"value": raw})
    if number != number.quantize(TWO_PLACES):
        raise ValueError(
            _("« %(value)s » a plus de deux décimales : un montant est en centimes.")
            % {"value": raw}
        )
    return number.quantize(TWO_PLACES)


def _not_an_amount(value: Any) -> str:
    return _("« %(value)s » n'est pas un montant (exemple : 1 234,56).") % {"value": value}


def parse_amount(value: Any) -> Decimal:
    """``1 234,56``, ``1234.56``, ``1.234,56 €`` or an XLSX number, as Decimal."""
    if isinstance(value, bool):
        raise ValueError(_not_an_amount(value))
    if isinstance(value, int | float | Decimal):
        # Through str() so that 0.1 stays 0.10 and not 0.1000000000000000055….
        return _decimal_from_text(repr(value) if isinstance(value, float) else str(value))
    return _decimal_from_text(str(value).strip())


@functools.lru_cache(maxsize=32_768)
def _date_from_text(raw: str) -> datetime.date:
    match = _FR_DATE.match(raw)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return datetime.date(year, month, day)
        match = _ISO_DATE.match(raw) or _ISO_DATE.match(raw[:10])
        if match and (len(raw) == 10 or raw[10] in "T "):
            year, month, day = (int(g) for g in match.groups())
            return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(
            _("« %(value)s » n'est pas une date qui existe.") % {"value": raw}
        ) from None
    raise _NotADate(raw)


class _NotADate(ValueError):
    """Text that is not written as a date. Its message is made when it is read:
    ``parse_datetime`` catches it for values that are valid in another form, and
    those must not pay for a translation."""

    def __str__(self) -> str:
        return _("« %(value)s » n'est pas une date (attendu : JJ/MM/AAAA ou AAAA-MM-JJ).") % {
            "value": self.args[0]
        }


def parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return _date_from_text(str(value).strip())


def _midnight_of(raw: str) -> datetime.datetime:
    return datetime.datetime.combine(_date_from_text(raw), datetime.time())


def parse_datetime(value: Any) -> datetime.datetime:
    """A date and time (local time, Europe/Paris, unless the value carries an offset);
    a date alone means midnight."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    else:
        raw = str(value).strip()
        match = _FR_DATETIME.match(raw)
        if match:
            day, month, year, hour, minute, second = match.groups()
            try:
                moment = datetime.datetime(
                    int(year), int(month), int(day), int(hour), int(minute), int(second or 0)
                )
            except ValueError:
                raise ValueError(
                    _("« %(value)s » n'est pas une date et heure qui existe.") % {"value": raw}
                ) from None
        else:
            try:
                if len(raw) > 10:
                    # A date with a time (« 2024-03-01T10:00 », with or without an
                    # offset) is ISO 8601: read as a date, it would lose its time
                    # (and an impossible time would become midnight).
                    moment = datetime.datetime.fromisoformat(raw)
                else:
                    try:
                        moment = _midnight_of(raw)
                    except ValueError:  # compact ISO: 20240301
                        moment = datetime.datetime.fromisoformat(raw)
            except ValueError:
                raise ValueError(
                    _("« %(value)s » n'est pas une date (attendu : JJ/MM/AAAA HH:MM ou ISO 8601).")
                    % {"value": raw}
                ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_bool(value: Any) -> bool | None:
    """oui/non, 1/0, vrai/faux; empty means "not said" (None)."""
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if not raw:
        return None
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ValueError(
        _("« %(value)s » : répondez « oui » ou « non » (ou 1 / 0).") % {"value": value}
    )
