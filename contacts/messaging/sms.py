"""SMS length: characters and segments, as the operators count them.

GSM-7 (the default alphabet, 3GPP TS 23.038): 160 characters in one SMS, 153 per
segment once concatenated; characters of the extension table take two. Any other
character switches the whole message to UCS-2: 70 in one SMS, 67 per segment, and
characters outside the BMP (emoji) take two UTF-16 units.
The same rules are implemented in static/js/sms-counter.js for the live counter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int  # characters as a person counts them
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # capacity of a segment for this message

    @property
    def remaining(self) -> int:
        return self.segments * self.per_segment - self.units if self.segments else 0


def sms_length(text: str) -> SmsLength:
    text = text or ""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = math.ceil(units / multi)
    return SmsLength(
        encoding=encoding,
        characters=len(text),
        units=units,
        segments=segments,
        per_segment=single if segments <= 1 else multi,
    )


def sms_normalize(text: str) -> str:
    """Typography that is not in GSM-7 (French spaces in amounts, curly quotes) would
    switch a whole SMS to UCS-2 and halve its length: plain equivalents instead."""
    table = str.maketrans({"\u00a0": " ", "\u202f": " ", "’": "'", "“": '"', "”": '"'})
    from recouvrement.text import text_clean

    return text_clean(text or "").translate(table)
