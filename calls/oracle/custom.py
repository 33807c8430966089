"""Custom attributes (Oracle's ``_c`` fields): the declared ones joined to the built-ins.

``current()`` is the ``AttributeSet`` a request works with: the built-in attributes of
``attributes.py`` followed by the declared custom ones (``calls.declarations``: the rows of
``calls.models.CustomAttribute`` and those declared out of the box). The serializers, the
rendering, ``q``, ``fields``/``orderBy``, ``describe``, the OpenAPI document, the exports and
the admin take their attributes from it, so a custom attribute is one more row of the
same table, never a special case.

``calls.declarations`` keeps what each process loaded under the declarations' stamp: a
request costs one cache read, and a declaration made anywhere is seen by the next request
of every worker. Values are stored JSON-ready in the row's ``custom`` column: strings,
integers, numbers and booleans as JSON, date-times as canonical UTC text (which sorts as
time does).
"""

import functools
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from calls import declarations
from calls.declarations import CALLS, MESSAGES, Declaration

from .attributes import (
    CALL_ATTRIBUTES,
    MESSAGE_ATTRIBUTES,
    STRING,
    Attribute,
    AttributeSet,
)


def attribute_for(declaration: Declaration) -> Attribute:
    """The attribute-table row of a declaration: optional, creatable and updatable."""
    return Attribute(
        declaration.name,
        f"custom.{declaration.name}",
        declaration.type,
        declaration.title,
        declaration.max_length if declaration.type == STRING else None,
        custom=True,
        rendered_when_null=declaration not in declarations.DEFAULTS,
    )


def build(ordered: Iterable[Declaration]) -> AttributeSet:
    """The built-ins, then the declarations in effect (``declarations.current()``)."""
    ordered = tuple(ordered)
    return AttributeSet(
        CALL_ATTRIBUTES + tuple(attribute_for(d) for d in ordered if d.resource == CALLS),
        MESSAGE_ATTRIBUTES + tuple(attribute_for(d) for d in ordered if d.resource == MESSAGES),
    )


# The attributes before any admin declares one: the built-ins and the defaults
# (``declarations.DEFAULTS``). ``docs/openapi.json`` documents these.
OUT_OF_THE_BOX = build(declarations.in_effect([]))


@functools.lru_cache(maxsize=8)
def _built(declared: tuple[Declaration, ...]) -> AttributeSet:
    return build(declared)


def current() -> AttributeSet:
    """The attributes in effect now: one cache read, and one query when they changed."""
    return _built(declarations.current())


def for_request(request: Any) -> AttributeSet:
    """``current()`` once per request: a batch's parts and every step share one set."""
    attributes = getattr(request, "callbook_attributes", None)
    if attributes is None:
        attributes = current()
        request.callbook_attributes = attributes
    return attributes


def custom_attributes(attributes: tuple[Attribute, ...]) -> tuple[Attribute, ...]:
    return tuple(a for a in attributes if a.custom)


# Values --------------------------------------------------------------------------------


def canonical_timestamp(value: datetime) -> str:
    """A date-time as stored and answered: UTC with milliseconds, as the built-ins are."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def stored_value(attribute: Attribute, stored: dict[str, Any] | None) -> Any:
    """The value of ``attribute`` in a row's ``custom`` dict (``declarations.stored_value``)."""
    return declarations.stored_value(attribute.name, attribute.type, stored)
