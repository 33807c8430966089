"""Kept answers of requests that carried an ``Idempotency-Key`` (the IETF httpapi draft).

One row per user and key: the request's fingerprint, and once it finished its status,
headers and body. ``calls.oracle.idempotency`` decides what a request with a key gets; this
module keeps the rows. A row is kept ``RETENTION`` (24 hours), after which the key may be
used again; ``manage.py prune_idempotency_keys`` deletes the old rows.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

RETENTION = timedelta(hours=24)
# A request still unfinished after this long died with its process (gunicorn's timeout is
# 120 s): its write rolled back with it (the answer is stored in the write's transaction),
# so a retry may take the key over.
ABANDONED_AFTER = timedelta(minutes=5)
MAX_KEY_LENGTH = 255


class IdempotencyRecord(models.Model):
    """A request with an ``Idempotency-Key``: running (``status`` null) or finished."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_records"
    )
    key = models.CharField(max_length=MAX_KEY_LENGTH)
    fingerprint = models.CharField(max_length=64)
    started_at = models.DateTimeField(default=timezone.now)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    headers = models.JSONField(default=dict)
    body = models.BinaryField(default=b"")

    class Meta:
        constraints = [
            # The database decides which of two concurrent first requests runs.
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_once_per_user"),
        ]
        indexes = [
            # prune_idempotency_keys: rows older than the retention.
            models.Index(fields=["started_at"], name="idempotency_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


def claim(user_id: int, key: str, fingerprint: str, now: datetime) -> IdempotencyRecord | None:
    """Start the request with this key: None when it is ours to run, else the row in the way.

    Committed at once (its own transaction), so a concurrent request with the same key
    sees it while this one still runs.
    """
    for _ in range(2):
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    user_id=user_id, key=key, fingerprint=fingerprint, started_at=now
                )
            return None
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()
            if existing is None:
                continue  # deleted meanwhile (pruned): try again
            stale = existing.started_at < now - (
                RETENTION if existing.status is not None else ABANDONED_AFTER
            )
            if not stale:
                return existing
            # Expired, or abandoned by a dead process: take it over, if no one else just did.
            taken = IdempotencyRecord.objects.filter(
                pk=existing.pk, started_at=existing.started_at
            ).update(fingerprint=fingerprint, started_at=now, status=None, headers={}, body=b"")
            if taken:
                return None
    raise RuntimeError("the idempotency key could not be claimed")


def finish(user_id: int, key: str, status: int, headers: dict[str, str], body: bytes) -> None:
    IdempotencyRecord.objects.filter(user_id=user_id, key=key).update(
        status=status, headers=headers, body=body
    )


def release(user_id: int, key: str) -> None:
    """Forget a request whose answer is not kept (a 5xx: a retry should run it again)."""
    IdempotencyRecord.objects.filter(user_id=user_id, key=key, status__isnull=True).delete()


def prune(now: datetime) -> int:
    deleted, _ = IdempotencyRecord.objects.filter(started_at__lt=now - RETENTION).delete()
    return deleted
