"""API keys that are safe at rest: named, several per user, expiring, revocable, hashed.

A key is ``cbk_`` + 8 random characters (its prefix, shown in lists) + ``_`` + 43 random
url-safe characters: 256 bits of secret. Only its SHA-256 digest is stored, beside the first
12 characters (the prefix) that find the row: the keys are long and random, so a password
hash (PBKDF2, argon2) would cost CPU on every request and add no safety; a database dump
does not reveal a usable key. DRF tokens of earlier versions (40 hex characters) were moved
here by migration 0006, hashed the same way, so their clients keep working.
"""

import hashlib
import hmac
import secrets
import string
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LABEL = "cbk_"
PREFIX_LENGTH = 12  # "cbk_" and 8 characters; a migrated DRF token's first 12 hex digits
_ALPHABET = string.ascii_lowercase + string.digits
# last_used_at is written at most this often per key, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def prefix_of(key: str) -> str:
    return key[:PREFIX_LENGTH]


class ApiKey(models.Model):
    """One API key of a user: ``Authorization: Token <key>`` or ``Bearer <key>``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    # Unique: the lookup of every authenticated request (the unique index serves it).
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["user_id", "name", "id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def matches(self, key: str) -> bool:
        return hmac.compare_digest(self.digest, digest(key))


def _new_key() -> str:
    head = "".join(secrets.choice(_ALPHABET) for _ in range(PREFIX_LENGTH - len(LABEL)))
    return f"{LABEL}{head}_{secrets.token_urlsafe(32)}"


def api_key_create(
    *, user: "User", name: str, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """A new key for ``user``: the row, and the key itself (shown once, never stored)."""
    while True:
        key = _new_key()
        if not ApiKey.objects.filter(prefix=prefix_of(key)).exists():
            break
    api_key = ApiKey.objects.create(
        user=user, name=name, prefix=prefix_of(key), digest=digest(key), expires_at=expires_at
    )
    return api_key, key


def api_key_revoke(api_key: ApiKey) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])


def api_key_authenticate(key: str) -> ApiKey | None:
    """The usable key matching ``key`` with its user loaded, in one query (and at most one
    UPDATE a minute, for ``last_used_at``); None for anything else."""
    if len(key) < PREFIX_LENGTH:
        return None
    api_key = ApiKey.objects.select_related("user").filter(prefix=prefix_of(key)).first()
    now = timezone.now()
    if api_key is None or not api_key.matches(key) or not api_key.usable(now):
        return None
    api_key_used(api_key, now)
    return api_key


def api_key_used(api_key: ApiKey, now: datetime) -> bool:
    """Note the use of ``api_key`` in ``last_used_at`` (at most one UPDATE a minute, which
    sends no signal); whether it wrote."""
    last = api_key.last_used_at
    if last is not None and now - last < LAST_USED_PRECISION:
        return False
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
    return True
