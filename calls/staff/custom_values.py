"""The declared custom attributes of a call or a message, as the staff pages show them.

Each value is a ``(title, text, datetime)`` triple in the attributes' order: booleans read
Yes/No, date-times come as aware datetimes for the page's ``display_time`` (the viewer's
zone), a missing value is ``None``. Values of names no longer declared are not shown.
"""

import datetime
from typing import Any, NamedTuple

from ..declarations import Declaration, stored_value
from ..models import CustomAttribute
from .times import format_display

BOOLEAN, DATETIME = CustomAttribute.Type.BOOLEAN, CustomAttribute.Type.DATETIME


class Shown(NamedTuple):
    title: str
    text: str | None  # None: no value
    time: datetime.datetime | None  # a date-time value, for display_time


def shown(attribute: Declaration, stored: dict[str, Any] | None) -> Shown:
    value = stored_value(attribute.name, attribute.type, stored)
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


def shown_values(declared: tuple[Declaration, ...], stored: dict[str, Any] | None) -> list[Shown]:
    """Every attribute ``declared``, with its value or None."""
    return [shown(a, stored) for a in declared]
