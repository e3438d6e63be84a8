"""What makes two contact means the same means (SPEC §2, §10): one normalisation,
shared by the contact form, the search and the bulk import.

- phone: E.164 (region FR by default), with its line type (mobile, fixe, autre);
- e-mail: stripped and lower-cased;
- postal: the address lines and the postcode, upper-cased, without accents or
  punctuation, spaces collapsed, joined by ``|`` (``L1|L2|L3|POSTCODE``).

Parsing a phone number costs about 30 µs with phonenumbers: results are cached,
since imports and telephony exports repeat the same numbers.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

PHONE_MOBILE = "mobile"
PHONE_LANDLINE = "fixe"
PHONE_OTHER = "autre"

_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
_LANDLINE_TYPES = {phonenumbers.PhoneNumberType.FIXED_LINE}


# French overseas departments and collectivities with their own numbering plans.
OVERSEAS_REGIONS = ("GP", "MQ", "GF", "RE", "YT", "PM")
#: Numbers dialled nationally from France (0…): metropolitan France, the overseas
#: departments, and Saint-Barthélemy and Saint-Martin, which share Guadeloupe's plan.
NATIONAL_REGIONS = frozenset({"FR", *OVERSEAS_REGIONS, "BL", "MF"})


class NormalizationError(ValueError):
    """The value cannot be a means of that kind (message in French, for people)."""


# Bounded so that an import of a million rows stays under 200 MB (an entry costs
# about 300 bytes); a telephony export repeats its numbers within far fewer rows.
@functools.lru_cache(maxsize=32_768)
def _parse_phone(raw: str, region: str) -> tuple[str, str] | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    # number_type() is UNKNOWN exactly when is_valid_number() is false (both match the
    # number against its region's patterns; checked on 60,000 numbers): one match.
    number_type = phonenumbers.number_type(number)
    if number_type == phonenumbers.PhoneNumberType.UNKNOWN:
        return None
    if number_type in _MOBILE_TYPES:
        phone_type = PHONE_MOBILE
    elif number_type in _LANDLINE_TYPES:
        phone_type = PHONE_LANDLINE
    else:
        phone_type = PHONE_OTHER
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), phone_type


def normalize_phone(raw: str, region: str = "FR") -> tuple[str, str]:
    """Return ``(e164, phone_type)`` for a number typed in any usual way
    (``06 12 34 56 78``, ``+33 6 12 34 56 78``, ``0033612345678``).

    Raises NormalizationError when it is not a valid number.
    """
    value = (raw or "").strip()
    if not value or any(c.isalpha() for c in value):
        raise NormalizationError(
            _("« %(value)s » n'est pas un numéro de téléphone valide.") % {"value": raw}
        )
    region = region or "FR"
    parsed = _parse_phone(value, region)
    if parsed is None and region == "FR" and not value.startswith(("+", "00")):
        # A national number of an overseas department (0590 Guadeloupe, 0262 La
        # Réunion, 0694 Guyane…) is French too, but not in the FR numbering plan.
        parsed = next((found for r in OVERSEAS_REGIONS if (found := _parse_phone(value, r))), None)
    if parsed is None:
        raise NormalizationError(
            _("« %(value)s » n'est pas un numéro de téléphone valide.") % {"value": raw}
        )
    return parsed


@functools.lru_cache(maxsize=32_768)
def _phone_display(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) in NATIONAL_REGIONS:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_display(value) -> str:
    """A stored number as an agent in France dials it: French numbers (overseas
    departments included) nationally (``06 12 34 56 78``, ``0590 12 34 56``), any
    other internationally (``+32 2 555 12 12``), never a foreign number that reads
    as a French one. ``value``: an E.164 string or a ``PhoneNumber``."""
    if not value:
        return ""
    if isinstance(value, phonenumbers.PhoneNumber):
        value = phonenumbers.format_number(value, phonenumbers.PhoneNumberFormat.E164)
    return _phone_display(str(value))


@functools.lru_cache(maxsize=16_384)
def _check_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def normalize_email(raw: str) -> str:
    """The lower-cased address; raises NormalizationError when it is not an e-mail."""
    value = (raw or "").strip().lower()
    if not value or not _check_email(value):
        raise NormalizationError(
            _("« %(value)s » n'est pas une adresse e-mail valide.") % {"value": raw}
        )
    return value


_NOT_WORD = re.compile(r"[^0-9A-Z]+")


def postal_part(text: str) -> str:
    """One address line as compared: no accents, upper case, no punctuation."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return _NOT_WORD.sub(" ", ascii_text.replace("Œ", "OE").replace("Æ", "AE")).strip()


def postal_value_key(line1: str, line2: str = "", line3: str = "", postcode: str = "") -> str:
    """The identity of a postal address: normalised lines and postcode."""
    return "|".join(
        [
            postal_part(line1),
            postal_part(line2),
            postal_part(line3),
            postal_part(postcode).replace(" ", ""),
        ]
    )


__all__ = [
    "PHONE_LANDLINE",
    "PHONE_MOBILE",
    "PHONE_OTHER",
    "NormalizationError",
    "normalize_email",
    "normalize_phone",
    "phone_display",
    "postal_part",
    "postal_value_key",
]
