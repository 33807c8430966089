"""The calls of a phone number, however it was written: normalised matching.

A number is normalised to E.164 with Google's ``phonenumbers`` (a number without a country
code is read for ``CALLBOOK_PHONE_REGION``), and so is each stored ``PhoneNumber``, so
``(415) 555-0100``, ``+1 415-555-0100`` and ``4155550100`` are one caller. Until the
normalised E.164 column of issue 13 is there to index, the database narrows the candidates
to numbers holding the last four digits in order (with anything between them) and Python
compares their normal forms: one scan of the table for a rare request.
"""

import re

import phonenumbers
from django.conf import settings
from django.db.models import QuerySet

from ..models import PhoneCall


class NotAPhoneNumber(ValueError):
    pass


def _region() -> str:
    return str(getattr(settings, "CALLBOOK_PHONE_REGION", "US")).upper()


def normalise(number: str, region: str | None = None) -> str | None:
    """``number`` in E.164 (``+14155550100``), or None when it cannot be a phone number."""
    try:
        parsed = phonenumbers.parse(number, region or _region())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def calls_of(number: str) -> QuerySet[PhoneCall]:
    """Every call whose ``PhoneNumber`` is ``number``, by their normal forms."""
    wanted = normalise(number)
    if wanted is None:
        raise NotAPhoneNumber(f"{number!r} is not a phone number")
    region = _region()
    last_four = wanted[-4:]
    pattern = "[^0-9]*".join(re.escape(digit) for digit in last_four)
    candidates = PhoneCall.objects.filter(phone_number__regex=pattern).values_list(
        "id", "phone_number"
    )
    ids = [pk for pk, raw in candidates.iterator() if raw and normalise(raw, region) == wanted]
    return PhoneCall.objects.filter(id__in=ids).order_by("id")
