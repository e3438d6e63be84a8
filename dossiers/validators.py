"""Validators shared by forms, models and imports."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize_siren(value: str) -> str:
    return "".join(value.split())


def validate_siren(value: str) -> None:
    digits = normalize_siren(value or "")
    if not digits:
        return
    if len(digits) != 9 or not digits.isdigit():
        raise ValidationError(
            _("Le SIREN « %(value)s » doit comporter exactement 9 chiffres."),
            code="siren_format",
            params={"value": value},
        )
    if not luhn_is_valid(digits):
        raise ValidationError(
            _("Le SIREN « %(value)s » est invalide : sa clé de contrôle (Luhn) ne correspond pas."),
            code="siren_luhn",
            params={"value": value},
        )
