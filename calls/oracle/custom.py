"""Custom attributes (Oracle's ``_c`` fields): the declared ones joined to the built-ins.

``current()`` is the ``AttributeSet`` a request works with: the built-in attributes of
``attributes.py`` followed by the declared custom ones (``calls.models.CustomAttribute``,
and ``DEFAULTS``, declared out of the box). The serializers, the rendering, ``q``,
``fields``/``orderBy``, ``describe``, the OpenAPI document, the exports, the admin and the
staff pages take their attributes from it, so a custom attribute is one more row of the
same table, never a special case.

Each process keeps the set it built with the declarations' stamp (``calls.declarations``):
a request costs one cache read, and a declaration made anywhere is seen by the next request
of every worker. Values are stored JSON-ready in the row's ``custom`` column: strings,
integers, numbers and booleans as JSON, date-times as canonical UTC text (which sorts as
time does).
"""

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from calls import declarations
from calls.models import CustomAttribute

from .attributes import (
    BOOLEAN,
    BUILT_IN,
    CALL_ATTRIBUTES,
    DATETIME,
    INTEGER,
    MESSAGE_ATTRIBUTES,
    NUMBER,
    STRING,
    Attribute,
    AttributeSet,
)

CALLS = CustomAttribute.Resource.CALLS.value
MESSAGES = CustomAttribute.Resource.MESSAGES.value


@dataclass(frozen=True)
class Declaration:
    """One custom attribute as declared: a row of ``CustomAttribute``, or a default."""

    name: str
    resource: str  # CALLS or MESSAGES
    type: str  # STRING, INTEGER, NUMBER, BOOLEAN or DATETIME
    title: str
    max_length: int | None = None

    @classmethod
    def of(cls, row: CustomAttribute) -> "Declaration":
        return cls(row.name, row.resource, row.type, row.title, row.max_length)


# Declared out of the box (before any admin does): a row of the same resource and name
# overrides one. Empty today; a feature that needs an attribute (say a message's start
# offset) adds it here, and it behaves like any declared attribute.
DEFAULTS: tuple[Declaration, ...] = ()


def attribute_for(declaration: Declaration) -> Attribute:
    """The attribute-table row of a declaration: optional, creatable and updatable."""
    return Attribute(
        declaration.name,
        f"custom.{declaration.name}",
        declaration.type,
        declaration.title,
        declaration.max_length if declaration.type == STRING else None,
        custom=True,
    )


def in_effect(declared: list[Declaration]) -> list[Declaration]:
    """The defaults and ``declared`` (a declaration wins over a default), by name."""
    merged = {(d.resource, d.name): d for d in DEFAULTS}
    merged.update({(d.resource, d.name): d for d in declared})
    return sorted(merged.values(), key=lambda d: (d.resource, d.name))


def build(declared: list[Declaration]) -> AttributeSet:
    """The built-ins, then the declarations in effect."""
    ordered = in_effect(declared)
    return AttributeSet(
        CALL_ATTRIBUTES + tuple(attribute_for(d) for d in ordered if d.resource == CALLS),
        MESSAGE_ATTRIBUTES + tuple(attribute_for(d) for d in ordered if d.resource == MESSAGES),
    )


def declared() -> list[Declaration]:
    """The declarations in the database (one query)."""
    return [Declaration.of(row) for row in CustomAttribute.objects.all()]


_lock = threading.Lock()
_state: tuple[str | None, AttributeSet] = (None, BUILT_IN)


def current() -> AttributeSet:
    """The attributes in effect now: one cache read, and one query when they changed."""
    global _state
    stamp = declarations.stamp()
    known, attributes = _state
    if stamp == known:
        return attributes
    with _lock:
        attributes = build(declared())
        _state = (stamp, attributes)
    return attributes


def for_request(request: Any) -> AttributeSet:
    """``current()`` once per request: a batch's parts and every step share one set."""
    attributes = getattr(request, "callbook_attributes", None)
    if attributes is None:
        attributes = current()
        request.callbook_attributes = attributes
    return attributes


def reset() -> None:
    """Forget what this process loaded and start a new stamp with no declarations.

    For tests, whose database starts without declarations: the first request then costs
    no query, as in a warm worker.
    """
    global _state
    _state = (declarations.changed(), build([]))


def custom_attributes(attributes: tuple[Attribute, ...]) -> tuple[Attribute, ...]:
    return tuple(a for a in attributes if a.custom)


# Values --------------------------------------------------------------------------------


def canonical_timestamp(value: datetime) -> str:
    """A date-time as stored and answered: UTC with milliseconds, as the built-ins are."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _conforms(kind: str, value: Any) -> bool:
    if kind in (STRING, DATETIME):
        return isinstance(value, str)
    if kind == BOOLEAN:
        return isinstance(value, bool)
    if kind == INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return False


def stored_value(attribute: Attribute, stored: dict[str, Any] | None) -> Any:
    """The value of ``attribute`` in a row's ``custom`` dict: None when missing, or when it
    was stored under another type (a declaration re-made with a different type)."""
    value = (stored or {}).get(attribute.name)
    return value if value is not None and _conforms(attribute.type, value) else None
