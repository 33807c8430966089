"""Signing secrets: made, kept encrypted at rest, rotated, and used to sign (Standard Webhooks).

A secret is ``whsec_`` and the base64 of 32 random bytes (the spec asks for 24 to 64). It is
stored only as a Fernet token under ``CALLBOOK_WEBHOOK_KEY`` (several keys, comma-separated:
the first encrypts, every one decrypts, so the key itself can be rotated), or when that is
unset under a key derived from ``SECRET_KEY`` with HKDF. A database dump alone therefore
reveals no secret.
"""

import base64
import secrets
from datetime import datetime
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _derived_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"callbook-webhooks", info=b"secrets")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode("utf-8")))


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    try:
        fernets = [Fernet(key.encode("ascii")) for key in keys] or [
            Fernet(_derived_key(secret_key))
        ]
    except ValueError as error:
        raise ImproperlyConfigured(
            "CALLBOOK_WEBHOOK_KEY must hold Fernet keys (32 url-safe base64 bytes each)"
        ) from error
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.CALLBOOK_WEBHOOK_KEYS), settings.SECRET_KEY)


def encrypt(secret: str) -> str:
    return fernet().encrypt(secret.encode("ascii")).decode("ascii")


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys decrypts (a key was removed)."""


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise SecretUnreadable(
            "the endpoint's secret was encrypted with a key that is no longer configured"
        ) from None


def signature_headers(
    *, message_id: str, at: datetime, body: str, secrets_in_use: list[str]
) -> dict[str, str]:
    """``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` (one ``v1,…`` per
    secret, space-separated, so a receiver holding either secret verifies it)."""
    signatures = [
        Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body)
        for secret in secrets_in_use
    ]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
