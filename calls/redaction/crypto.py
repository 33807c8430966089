"""Kept originals are encrypted at rest: Fernet (AES-128-CBC with HMAC-SHA256, from
``cryptography``), with keys from the environment only.

``CALLBOOK_REDACTION_KEYS`` is a comma-separated list of Fernet keys: the first encrypts,
every one decrypts (``MultiFernet``), so a key is rotated by putting a new one in front and
running ``manage.py redact_transcripts --rotate-keys`` before the old one is removed. A key
is never logged and never in an error message.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class OriginalUnreadable(Exception):
    """A kept original that none of the configured keys opens."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "CALLBOOK_REDACTION_KEYS is required when CALLBOOK_REDACTION_POLICY keeps originals"
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "CALLBOOK_REDACTION_KEYS must hold Fernet keys (32 url-safe base64 bytes each)"
        ) from None


def _current() -> MultiFernet:
    return _fernet(tuple(settings.CALLBOOK_REDACTION_KEYS))


def encrypt(text: str) -> str:
    return _current().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise OriginalUnreadable("no configured key opens this original") from None


def rotate(token: str) -> str:
    """The same original, encrypted with the first (current) key."""
    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise OriginalUnreadable("no configured key opens this original") from None


def check_keys() -> str | None:
    """Why the configured keys are unusable, or None."""
    try:
        _current()
    except ImproperlyConfigured as error:
        return str(error)
    return None
