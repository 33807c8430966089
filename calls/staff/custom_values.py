"""The declared custom attributes of a call or a message, as the staff pages show them.

Each value is a ``(title, text, datetime)`` triple in the attributes' order: booleans read
Yes/No, date-times come as aware datetimes for the page's ``display_time`` (the viewer's
zone), a missing value is ``None``. Values of names no longer declared are not shown.
"""

import datetime
from typing import Any, NamedTuple

from ..oracle import custom
from ..oracle.attributes import BOOLEAN, DATETIME, Attribute
from .times import format_display


class Shown(NamedTuple):
    title: str
    text: str | None  # None: no value
    time: datetime.datetime | None  # a date-time value, for display_time


def shown(attribute: Attribute, stored: dict[str, Any] | None) -> Shown:
    value = custom.stored_value(attribute, stored)
    if value is None:
        return Shown(attribute.title, None, None)
    if attribute.type == BOOLEAN:
        return Shown(attribute.title, "Yes" if value else "No", None)
    if attribute.type == DATETIME:
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return Shown(attribute.title, value, None)
        return Shown(attribute.title, format_display(moment), moment)
    return Shown(attribute.title, str(value), None)


def shown_values(attributes: tuple[Attribute, ...], stored: dict[str, Any] | None) -> list[Shown]:
    """Every declared custom attribute among ``attributes``, with its value or None."""
    return [shown(a, stored) for a in custom.custom_attributes(attributes)]
