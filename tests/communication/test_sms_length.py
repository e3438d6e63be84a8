"""Characters and segments counted as operators do."""

import pytest

from contacts.messaging.sms import sms_length, sms_normalize


@pytest.mark.parametrize(
    ("text", "encoding", "segments", "units"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 1, 160),
        ("a" * 161, "GSM-7", 2, 161),
        ("a" * 306, "GSM-7", 2, 306),
        ("a" * 307, "GSM-7", 3, 307),
        ("é" * 160, "GSM-7", 1, 160),  # é, è, à are in the GSM alphabet
        ("€" * 80, "GSM-7", 1, 160),  # extension characters count double
        ("€" * 81, "GSM-7", 2, 162),
        ("a" * 159 + "[", "GSM-7", 2, 161),
        ("ç" * 70, "UCS-2", 1, 70),  # lower-case ç is not GSM-7
        ("ç" * 71, "UCS-2", 2, 71),
        ("ê" * 134, "UCS-2", 2, 134),
        ("ê" * 135, "UCS-2", 3, 135),
        ("😀" * 35, "UCS-2", 1, 70),  # outside the BMP: two UTF-16 units
        ("😀" * 36, "UCS-2", 2, 72),
    ],
)
def test_segments(text, encoding, segments, units):
    length = sms_length(text)
    assert (length.encoding, length.segments, length.units) == (encoding, segments, units)


def test_remaining_and_characters():
    length = sms_length("Bonjour")
    assert length.characters == 7
    assert length.remaining == 153
    assert sms_length("a" * 200).remaining == 306 - 200


def test_normalize_keeps_french_amounts_in_gsm7():
    text = sms_normalize("Solde : 1\u00a0234,56\u00a0€ — merci d’appeler")
    assert "\u00a0" not in text and "’" not in text
    assert sms_length(text.replace("—", "-")).encoding == "GSM-7"


def test_seeded_sms_template_fits_one_gsm7_sms(db):
    from contacts.models import MessageTemplate

    body = MessageTemplate.objects.get(channel="sms").body
    assert sms_length(body).encoding == "GSM-7"
