"""Endpoint writes: create (the secret is returned once), rotate, disable, enable.

Every write of an endpoint goes through here, so the URL rules, the secret's encryption and
the rotation window hold whichever door (admin, ``manage.py webhooks``) it came through.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import signing
from .addresses import check_url
from .events import EVENT_TYPES
from .models import WebhookEndpoint
from .subscriptions import forget


def _check_types(event_types: Sequence[str]) -> list[str]:
    unknown = [name for name in event_types if name not in EVENT_TYPES]
    if unknown:
        raise ValueError(f"unknown event type {unknown[0]!r}")
    if not event_types:
        raise ValueError("name at least one event type")
    return list(dict.fromkeys(event_types))


def endpoint_create(
    *, url: str, event_types: Sequence[str], description: str = "", enabled: bool = True
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret in plain text: the only time anyone sees it."""
    check_url(url)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        url=url,
        description=description,
        event_types=_check_types(event_types),
        enabled=enabled,
        secret=signing.encrypt(secret),
    )
    return endpoint, secret


def endpoint_rotate_secret(endpoint: WebhookEndpoint) -> str:
    """A new secret; the old one goes on signing beside it for the overlap window."""
    secret = signing.new_secret()
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = timezone.now() + timedelta(
            hours=settings.CALLBOOK_WEBHOOK_SECRET_OVERLAP_HOURS
        )
        locked.secret = signing.encrypt(secret)
        locked.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    endpoint.refresh_from_db()
    return secret


def secrets_in_use(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets that sign a message now: the current one, and the previous one until its
    overlap ends."""
    current = [signing.decrypt(endpoint.secret)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and now < expires:
        current.append(signing.decrypt(endpoint.previous_secret))
    return current


def endpoint_disable(endpoint: WebhookEndpoint, reason: str) -> None:
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        enabled=False, disabled_at=now, disabled_reason=reason[:255]
    )
    endpoint.enabled, endpoint.disabled_at, endpoint.disabled_reason = False, now, reason[:255]
    forget()


def endpoint_enable(endpoint: WebhookEndpoint) -> None:
    endpoint.enabled = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.failing_since = None
    endpoint.save(update_fields=["enabled", "disabled_at", "disabled_reason", "failing_since"])
