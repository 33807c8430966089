"""The custom attribute declarations in effect, and the stamp that tells every worker they
changed.

A declaration is domain data (an admin's row of ``CustomAttribute``, or one declared out of
the box); ``calls.oracle.custom`` turns the declarations into rows of the attribute table,
and the staff pages show their values without the Oracle dialect.

Each worker keeps the declared attributes it last loaded with the stamp they were loaded
under; a request reads the stamp (one cache read: no query with a local cache, one indexed
row with ``DJANGO_CACHE=db``) and reloads the declarations only when it moved. A change of
a declaration sets a new stamp after its transaction commits, so the next request of every
worker sees it, without a restart. A stamp lost from the cache (evicted, cleared) is made
anew, which makes every worker reload once: never stale, at worst one extra query.
"""

import threading
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from . import timing
from .models import CustomAttribute

STAMP_KEY = "callbook:custom-attributes"

CALLS = CustomAttribute.Resource.CALLS.value
MESSAGES = CustomAttribute.Resource.MESSAGES.value
_TYPES = CustomAttribute.Type


@dataclass(frozen=True)
class Declaration:
    """One custom attribute as declared: a row of ``CustomAttribute``, or a default."""

    name: str
    resource: str  # CALLS or MESSAGES
    type: str  # a CustomAttribute.Type: string, integer, number, boolean or datetime
    title: str
    max_length: int | None = None

    @classmethod
    def of(cls, row: CustomAttribute) -> "Declaration":
        return cls(row.name, row.resource, row.type, row.title, row.max_length)


# Declared out of the box (before any admin does): a row of the same resource and name
# overrides one. A feature that needs an attribute adds it here, and it behaves like any
# declared attribute. The times of calls and messages (calls.timing), named by settings.
DEFAULTS: tuple[Declaration, ...] = (
    Declaration(timing.call_start_name(), CALLS, _TYPES.DATETIME, "Call start"),
    Declaration(timing.message_start_name(), MESSAGES, _TYPES.INTEGER, "Start (ms)"),
    Declaration(timing.message_end_name(), MESSAGES, _TYPES.INTEGER, "End (ms)"),
)


def in_effect(declared: list[Declaration]) -> list[Declaration]:
    """The defaults and ``declared`` (a declaration wins over a default), by name."""
    merged = {(d.resource, d.name): d for d in DEFAULTS}
    merged.update({(d.resource, d.name): d for d in declared})
    return sorted(merged.values(), key=lambda d: (d.resource, d.name))


def declared() -> list[Declaration]:
    """The declarations in the database (one query)."""
    return [Declaration.of(row) for row in CustomAttribute.objects.all()]


def stamp() -> str:
    """The current stamp; a new one when the cache has none (the first to add it wins)."""
    current = cache.get(STAMP_KEY)
    if current is None:
        cache.add(STAMP_KEY, uuid.uuid4().hex, timeout=None)
        current = cache.get(STAMP_KEY)
    return str(current)


def changed() -> str:
    """Tell every worker the declarations changed (call it after the commit); the new stamp."""
    new = uuid.uuid4().hex
    cache.set(STAMP_KEY, new, timeout=None)
    return new


_lock = threading.Lock()
_state: tuple[str | None, tuple[Declaration, ...]] = (None, tuple(in_effect([])))


def current() -> tuple[Declaration, ...]:
    """The declarations in effect now: one cache read, and one query when they changed."""
    global _state
    now = stamp()
    known, loaded = _state
    if now == known:
        return loaded
    with _lock:
        loaded = tuple(in_effect(declared()))
        _state = (now, loaded)
    return loaded


def of_resource(resource: str) -> tuple[Declaration, ...]:
    """``current()``'s declarations of one resource (CALLS or MESSAGES)."""
    return tuple(d for d in current() if d.resource == resource)


def reset() -> None:
    """Forget what this process loaded and start a new stamp with no declarations.

    For tests, whose database starts without declarations: the first request then costs
    no query, as in a warm worker.
    """
    global _state
    _state = (changed(), tuple(in_effect([])))


def _conforms(kind: str, value: Any) -> bool:
    if kind in (_TYPES.STRING, _TYPES.DATETIME):
        return isinstance(value, str)
    if kind == _TYPES.BOOLEAN:
        return isinstance(value, bool)
    if kind == _TYPES.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == _TYPES.NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return False


def stored_value(name: str, kind: str, stored: dict[str, Any] | None) -> Any:
    """The value named ``name`` in a row's ``custom`` dict: None when missing, or when it was
    stored under another type (a declaration re-made with a different type)."""
    value = (stored or {}).get(name)
    return value if value is not None and _conforms(kind, value) else None
