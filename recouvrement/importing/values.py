"""Parsing of cell values as French files write them. Each parser raises
ValueError with a French message that names what was expected."""

from __future__ import annotations

import datetime
import functools
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

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
        raise ValueError(f"« {raw} » n'est pas un montant (exemple : 1 234,56).") from None
    if not number.is_finite():
        raise ValueError(f"« {raw} » n'est pas un montant (exemple : 1 234,56).")
    if number != number.quantize(TWO_PLACES):
        raise ValueError(f"« {raw} » a plus de deux décimales : un montant est en centimes.")
    if abs(number) >= Decimal("1e12"):
        raise ValueError(f"« {raw} » est un montant trop grand.")
    return number.quantize(TWO_PLACES)


def parse_amount(value: Any) -> Decimal:
    """``1 234,56``, ``1234.56``, ``1.234,56 €`` or an XLSX number, as Decimal."""
    if isinstance(value, bool):
        raise ValueError(f"« {value} » n'est pas un montant (exemple : 1 234,56).")
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
        raise ValueError(f"« {raw} » n'est pas une date qui existe.") from None
    raise ValueError(f"« {raw} » n'est pas une date (attendu : JJ/MM/AAAA ou AAAA-MM-JJ).")


def parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return _date_from_text(str(value).strip())


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
                raise ValueError(f"« {raw} » n'est pas une date et heure qui existe.") from None
        else:
            try:
                moment = datetime.datetime.combine(_date_from_text(raw), datetime.time())
            except ValueError:
                try:
                    moment = datetime.datetime.fromisoformat(raw)
                except ValueError:
                    raise ValueError(
                        f"« {raw} » n'est pas une date (attendu : JJ/MM/AAAA HH:MM ou ISO 8601)."
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
    raise ValueError(f"« {value} » : répondez « oui » ou « non » (ou 1 / 0).")
