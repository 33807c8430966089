"""Which event types some enabled endpoint listens to: the write path's only question.

Asked by every write, so it must cost nothing in the common case: the answer is kept per
process for ``CALLBOOK_WEBHOOKS_REFRESH_SECONDS`` (10) and forgotten at once when this
process saves or deletes an endpoint. Another app server hears of a new endpoint within
that time; the worker reads the endpoints again for every event, so a disabled one is
never sent to.
"""

import threading
import time

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import WebhookEndpoint

_lock = threading.Lock()
_state: tuple[float, frozenset[str]] | None = None


def _load() -> frozenset[str]:
    types: set[str] = set()
    for listed in WebhookEndpoint.objects.filter(enabled=True).values_list(
        "event_types", flat=True
    ):
        types.update(listed or ())
    return frozenset(types)


def subscribed_types() -> frozenset[str]:
    """The event types at least one enabled endpoint subscribes to (cached)."""
    global _state
    state = _state
    now = time.monotonic()
    if state is not None and now < state[0]:
        return state[1]
    types = _load()
    with _lock:
        _state = (now + settings.CALLBOOK_WEBHOOKS_REFRESH_SECONDS, types)
    return types


def forget() -> None:
    """Read the endpoints again at the next question (after a change, and in tests)."""
    global _state
    with _lock:
        _state = None


@receiver(post_save, sender=WebhookEndpoint)
@receiver(post_delete, sender=WebhookEndpoint)
def _endpoint_changed(**kwargs: object) -> None:
    # Now, and again after the commit: a read between the two would cache the old list.
    forget()
    transaction.on_commit(forget)
