"""Request fields of declared custom attributes: the built-in fields, optional and nullable,
plus the two types only custom attributes have (``number`` and a writable ``datetime``).

Each field's value is what ``custom`` stores: JSON-ready (a date-time as canonical UTC
text), under ``custom.<name>`` in the validated data; null removes the value.
"""

import math
from datetime import UTC, datetime
from typing import Any

from rest_framework import serializers

from .attributes import BOOLEAN, DATETIME, INTEGER, NUMBER, STRING, Attribute
from .custom import canonical_timestamp
from .serializers import StrictBooleanField, StrictCharField, StrictIntegerField

# The range of a number: a finite double (what PostgreSQL's double precision holds).
NUMBER_MAX = 1.7976931348623157e308


class StrictNumberField(serializers.Field):
    """A JSON number, integral or not; never a boolean, a string, NaN or infinity."""

    default_error_messages = {
        "invalid": "must be a number.",
        "range": "must be a finite number within the range of a double.",
    }

    def to_internal_value(self, data: Any) -> int | float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        try:
            finite = math.isfinite(data) and abs(data) <= NUMBER_MAX
        except OverflowError:  # an integer too large for a double
            finite = False
        if not finite:
            self.fail("range")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class StrictDateTimeField(serializers.Field):
    """An ISO 8601 date or timestamp as a JSON string; stored as canonical UTC text.

    Without an offset it is UTC, as a date-time in ``q`` is.
    """

    default_error_messages = {
        "invalid": "must be an ISO 8601 date-time string such as '2024-05-16T10:20:25.453+00:00'.",
    }

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        try:
            value = datetime.fromisoformat(data.strip())
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            return canonical_timestamp(value)
        except (ValueError, OverflowError):
            self.fail("invalid")

    def to_representation(self, value: Any) -> Any:
        return value


def custom_field(attribute: Attribute) -> serializers.Field:
    """The field of one declared attribute: never required, null allowed (it clears it)."""
    common: dict[str, Any] = {"source": attribute.field, "required": False, "allow_null": True}
    if attribute.type == STRING:
        return StrictCharField(max_length=attribute.max_length, **common)
    if attribute.type == INTEGER:
        return StrictIntegerField(**common)
    if attribute.type == NUMBER:
        return StrictNumberField(**common)
    if attribute.type == BOOLEAN:
        return StrictBooleanField(**common)
    if attribute.type == DATETIME:
        return StrictDateTimeField(**common)
    raise ValueError(f"no field for the custom attribute {attribute.name} ({attribute.type})")
