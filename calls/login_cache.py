"""Verified logins remembered by this process: who an HTTP Basic credential or an API key
is, with the user's permissions, so that an authenticated API request costs no query for
them (``calls.oracle.authentication`` keys the entries and makes them).

An entry is used while both hold:

- it is younger than ``CALLBOOK_BASIC_AUTH_CACHE_SECONDS`` (the Basic-credential cache's
  lifetime; 0 turns this cache off), and
- the stamp it was made under is still the stamp in ``CACHES["default"]``. Every save or
  delete of a user, a group, a permission or an API key, and every change of a user's groups
  or permissions or of a group's permissions, sets a new stamp at once and again after its
  transaction commits (a request between the two could have read the old rows).

So a changed password, a deactivated user, a removed permission or a revoked key is refused
by the next request of every worker that shares the cache (as the throttles, the lockout
counts and the custom-attribute stamp already need); only a change that bypasses the model
signals (``QuerySet.update()``, raw SQL) waits out the lifetime. An API key's expiry is
checked at every use. Reading the stamp is one cache read: no query with a local cache, one
indexed row with ``DJANGO_CACHE=db``.
"""

import threading
import time
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .api_keys import ApiKey

STAMP_KEY = "callbook:logins"
MAX_ENTRIES = 10_000

_lock = threading.Lock()
# key → (the stamp it was made under, when it expires on time.monotonic(), the value)
_entries: dict[str, tuple[str, float, Any]] = {}


def stamp() -> str:
    """The current stamp; a new one when the cache has none (the first to add it wins).

    Read it before reading the rows an entry is made of, and make the entry under it: a
    change committed in between then leaves the entry already stale.
    """
    current = cache.get(STAMP_KEY)
    if current is None:
        cache.add(STAMP_KEY, uuid.uuid4().hex, timeout=None)
        current = cache.get(STAMP_KEY)
    return str(current)


def remembered(key: str) -> Any | None:
    """The value remembered under ``key``, unless it expired or a login changed since."""
    entry = _entries.get(key)
    if entry is None:
        return None
    made_under, expires, value = entry
    if time.monotonic() >= expires or made_under != stamp():
        _entries.pop(key, None)
        return None
    return value


def remember(key: str, value: Any, under: str) -> None:
    """Remember ``value`` under ``key``, valid while the stamp stays ``under``."""
    ttl = settings.CALLBOOK_BASIC_AUTH_CACHE_SECONDS
    if not ttl:
        return
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()  # a crude bound: the entries are cheap to make again
        _entries[key] = (under, time.monotonic() + ttl, value)


def forget_all() -> None:
    """Forget this process's entries (tests use it)."""
    with _lock:
        _entries.clear()


def changed() -> None:
    """Tell every worker that users, groups, permissions or API keys changed."""
    cache.set(STAMP_KEY, uuid.uuid4().hex, timeout=None)


def _changed(**kwargs: object) -> None:
    changed()
    transaction.on_commit(changed)


def _connect() -> None:
    user_model = get_user_model()
    for model in (user_model, Group, Permission, ApiKey):
        post_save.connect(_changed, sender=model, dispatch_uid=f"login_cache.save.{model}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"login_cache.delete.{model}")
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"login_cache.m2m.{through}")


_connect()
