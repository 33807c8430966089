"""What a deployment redacts and keeps: ``CALLBOOK_REDACT`` and ``CALLBOOK_REDACTION_POLICY``.

Policies, as Amazon Contact Lens offers them: ``none`` (the text is stored as said),
``redacted`` (the default: only the redacted text is stored) and ``redacted+original`` (the
redacted text is stored, and the original beside it, encrypted). Card security codes are
removed under every policy, from the stored text and from a kept original alike: PCI DSS
forbids keeping them in any form after authorisation.
"""

from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from . import crypto, payment, personal
from .payment import CARD, CVV, EXPIRY, Finding, Pending
from .personal import EMAIL, IBAN, NATIONAL_ID, PHONE

NONE, REDACTED, REDACTED_AND_ORIGINAL = "none", "redacted", "redacted+original"
POLICIES = (NONE, REDACTED, REDACTED_AND_ORIGINAL)

# Each kind and its marker in the stored text, in the order overlapping findings are
# decided: a card number is not also read as a phone number or a national id.
MARKERS = {
    CARD: "[CARD]",
    CVV: "[CVV]",
    EXPIRY: "[EXPIRY]",
    NATIONAL_ID: "[NATIONAL_ID]",
    IBAN: "[IBAN]",
    EMAIL: "[EMAIL]",
    PHONE: "[PHONE]",
}
KINDS = tuple(MARKERS)
DEFAULT_KINDS = (CARD, CVV, EXPIRY)
_PRIORITY = {kind: rank for rank, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Config:
    kinds: frozenset[str]  # what the stored text loses (the security code always)
    policy: str
    countries: tuple[str, ...]
    region: str

    @property
    def keeps_original(self) -> bool:
        return self.policy == REDACTED_AND_ORIGINAL


@cache
def _config(kinds: tuple[str, ...], policy: str, countries: tuple[str, ...], region: str) -> Config:
    stored = frozenset({CVV}) if policy == NONE else frozenset({*kinds, CVV})
    return Config(stored, policy, countries, region)


_SETTINGS = frozenset(
    {
        "CALLBOOK_REDACT",
        "CALLBOOK_REDACTION_POLICY",
        "CALLBOOK_REDACT_COUNTRIES",
        "CALLBOOK_PHONE_REGION",
    }
)
_current: list[Config] = []  # the settings' configuration, once read (per process)


def current() -> Config:
    """The settings' configuration: read once, and again when a test overrides them."""
    if not _current:
        _current.append(
            _config(
                tuple(k.lower() for k in settings.CALLBOOK_REDACT),
                settings.CALLBOOK_REDACTION_POLICY,
                tuple(c.lower() for c in settings.CALLBOOK_REDACT_COUNTRIES),
                str(getattr(settings, "CALLBOOK_PHONE_REGION", "US")).upper(),
            )
        )
    return _current[0]


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: object) -> None:
    if setting in _SETTINGS:
        _current.clear()


class Redaction(NamedTuple):  # a tuple: made for every message written, at C speed
    text: str  # what is stored
    original: str | None  # the encrypted original, when the policy keeps one and it differs
    counts: dict[str, int]  # the kinds replaced in the stored text
    pending: Pending  # what the next message of the conversation may answer


def find(
    text: str, *, config: Config, own_number: str | None, pending: Pending | None
) -> tuple[list[Finding], Pending]:
    """Every finding of the configured detectors, without overlaps, in text order."""
    found, after = payment.find(text, pending)
    kinds = config.kinds
    if EMAIL in kinds:
        found += personal.emails(text)
    if IBAN in kinds:
        found += personal.ibans(text)
    if NATIONAL_ID in kinds:
        found += personal.national_ids(text, config.countries)
    if PHONE in kinds:
        found += personal.phones(text, own_number=own_number, region=config.region)
    if len(found) < 2:
        return found, after
    kept: list[Finding] = []
    for finding in sorted(found, key=lambda f: (_PRIORITY[f.kind], f.start)):
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start), after


def _replace(text: str, findings: list[Finding]) -> str:
    parts, position = [], 0
    for finding in findings:
        parts += [text[position : finding.start], MARKERS[finding.kind]]
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


def redact(
    text: str, *, config: Config, own_number: str | None = None, pending: Pending | None = None
) -> Redaction:
    findings, after = find(text, config=config, own_number=own_number, pending=pending)
    if not findings:
        return Redaction(text, None, {}, after)
    stored = [f for f in findings if f.kind in config.kinds]
    redacted = _replace(text, stored)
    original = None
    if config.keeps_original:
        without_codes = _replace(text, [f for f in findings if f.kind == CVV])
        if without_codes != redacted:
            original = crypto.encrypt(without_codes)
    return Redaction(redacted, original, dict(Counter(f.kind for f in stored)), after)
