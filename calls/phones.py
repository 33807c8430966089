"""Phone numbers in one spelling: E.164 (``+14155550100``), by Google's libphonenumber.

Integrations send ``+1 415-555-0100``, ``(415) 555 0100`` or ``0044 20 7946 0000`` for
numbers that staff want to see as one caller. ``PhoneNumber`` is kept exactly as sent (the
contract's value); ``PhoneCall.phone_number_e164`` holds this module's answer beside it,
for matching, caller history and privacy requests. A number without a country code is
read in ``CALLBOOK_PHONE_REGION``; one that cannot be read as a possible number of some
country gets no E.164 form (``None``), never a guess.
"""

import phonenumbers
from django.conf import settings

# E.164 allows 15 digits after the "+".
E164_MAX_LENGTH = 16
# Longer input is not a phone number; libphonenumber refuses over 250 characters anyway.
_MAX_INPUT = 64


def default_region() -> str | None:
    return settings.CALLBOOK_PHONE_REGION or None


def _parse(raw: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def to_e164(raw: str | None, region: str | None = None) -> str | None:
    """The E.164 form of ``raw``, or None when it is not a possible phone number.

    ``region`` (ISO 3166 alpha-2) is the country of numbers written without a country
    code; by default ``CALLBOOK_PHONE_REGION``. A number written with the ``00``
    international prefix (most of the world's) is read as international in any region,
    also where the prefix is another (``011`` in North America).
    """
    text = (raw or "").strip()
    if not text or len(text) > _MAX_INPUT:
        return None
    region = region if region is not None else default_region()
    number = _parse(text, region)
    if number is None and text.startswith("00"):
        number = _parse("+" + text[2:], None)
    if number is None:
        return None
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return formatted if len(formatted) <= E164_MAX_LENGTH else None
