"""Personal data in a message: e-mail addresses, phone numbers, national ids and IBANs.

Each detector finds candidates with a pattern and keeps those its validator accepts:
python-stdnum's for national identity numbers and IBANs (check digits, ranges), Google's
``phonenumbers`` for phone numbers. The call's own number is not personal data *in* the
transcript (it is the call's attribute), so it stays.
"""

import re
from collections.abc import Callable
from functools import cache
from types import ModuleType

import phonenumbers
from stdnum import iban
from stdnum.br import cpf
from stdnum.ca import sin
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.in_ import aadhaar
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.us import ssn

from .payment import Finding

EMAIL, PHONE, NATIONAL_ID, IBAN = "email", "phone", "national_id", "iban"

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.I)


def emails(text: str) -> list[Finding]:
    if "@" not in text:
        return []
    return [Finding(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text)]


def ibans(text: str) -> list[Finding]:
    return [
        Finding(IBAN, m.start(), m.end()) for m in _IBAN.finditer(text) if iban.is_valid(m.group())
    ]


def _nino(value: str) -> bool:
    """A UK National Insurance number by HMRC's allocation rules (it has no check digit,
    and python-stdnum has no module for it): two prefix letters, six digits, A–D."""
    value = re.sub(r"\s", "", value).upper()
    if not re.fullmatch(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]", value):
        return False
    return value[:2] not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def _module(module: ModuleType) -> Callable[[str], bool]:
    is_valid: Callable[[str], bool] = module.is_valid
    return is_valid


_D = r"(?<![\w-])"  # not inside a longer word or number
_E = r"(?![\w-])"
# country → (what a candidate looks like, its validator); national identity numbers of
# people (not companies' or tax offices'), as python-stdnum names them.
NATIONAL_IDS: dict[str, list[tuple[re.Pattern[str], Callable[[str], bool]]]] = {
    "us": [(re.compile(_D + r"\d{3}[- ]\d{2}[- ]\d{4}" + _E), _module(ssn))],
    "gb": [
        (re.compile(_D + r"[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]" + _E, re.I), _nino),
        (re.compile(_D + r"\d{3}[- ]\d{3}[- ]\d{4}" + _E), _module(nhs)),
    ],
    "ca": [(re.compile(_D + r"\d{3}[- ]\d{3}[- ]\d{3}" + _E), _module(sin))],
    "de": [(re.compile(_D + r"\d{2} ?\d{3} ?\d{3} ?\d{3}" + _E), _module(idnr))],
    "fr": [(re.compile(_D + r"[12] ?\d{2} ?\d{2} ?\d{2} ?\d{3} ?\d{3} ?\d{2}" + _E), _module(nir))],
    "es": [
        (re.compile(_D + r"\d{8}-?[A-Z]" + _E, re.I), _module(dni)),
        (re.compile(_D + r"[XYZ]-?\d{7}-?[A-Z]" + _E, re.I), _module(nie)),
    ],
    "it": [
        (
            re.compile(_D + r"[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]" + _E, re.I),
            _module(codicefiscale),
        )
    ],
    "nl": [(re.compile(_D + r"\d{4}\.?\d{2}\.?\d{3}" + _E), _module(bsn))],
    "br": [(re.compile(_D + r"\d{3}\.\d{3}\.\d{3}-\d{2}" + _E), _module(cpf))],
    "in": [(re.compile(_D + r"\d{4} ?\d{4} ?\d{4}" + _E), _module(aadhaar))],
}


def national_ids(text: str, countries: tuple[str, ...]) -> list[Finding]:
    found = []
    for country in countries:
        for pattern, is_valid in NATIONAL_IDS[country]:
            found += [
                Finding(NATIONAL_ID, m.start(), m.end())
                for m in pattern.finditer(text)
                if is_valid(m.group())
            ]
    return found


@cache
def _e164(number: str, region: str) -> str | None:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phones(text: str, *, own_number: str | None, region: str) -> list[Finding]:
    """Valid phone numbers in ``text`` (for ``region`` when written without a country
    code), except the call's own number however it is written."""
    if not any(c.isdigit() for c in text):
        return []
    own = _e164(own_number, region) if own_number else None
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID):
        number = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if number != own:
            found.append(Finding(PHONE, match.start, match.end))
    return found
