"""The declared custom attributes as admin form fields, on the call and on each message.

``with_custom_fields`` makes a subclass of a ModelForm with one field per declared
attribute (its title as the label, its type's field and limits: the same rules as the
API's), filled from the instance's ``custom`` values and written back into them when the
form is cleaned. Values of attributes not declared stay as they are.
"""

from datetime import datetime
from typing import Any

from django import forms

from .. import timing
from ..oracle import custom
from ..oracle.attributes import (
    BOOLEAN,
    DATETIME,
    INT64_MAX,
    INT64_MIN,
    INTEGER,
    NUMBER,
    STRING,
    Attribute,
)
from ..oracle.custom_fields import NUMBER_MAX


def form_field(attribute: Attribute) -> forms.Field:
    common: dict[str, Any] = {"required": False, "label": attribute.title}
    if attribute.type == STRING:
        return forms.CharField(max_length=attribute.max_length, strip=False, **common)
    if attribute.type == INTEGER:
        return forms.IntegerField(min_value=INT64_MIN, max_value=INT64_MAX, **common)
    if attribute.type == NUMBER:
        return forms.FloatField(min_value=-NUMBER_MAX, max_value=NUMBER_MAX, **common)
    if attribute.type == BOOLEAN:
        return forms.NullBooleanField(**common)
    if attribute.type == DATETIME:
        return forms.DateTimeField(**common)
    raise ValueError(f"no form field for {attribute.name} ({attribute.type})")


def form_value(attribute: Attribute, stored: dict[str, Any] | None) -> Any:
    """The form's initial value of ``attribute`` from a row's ``custom`` values."""
    value = custom.stored_value(attribute, stored)
    if value is not None and attribute.type == DATETIME:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


def json_value(attribute: Attribute, value: Any) -> Any:
    """A cleaned form value as ``custom`` stores it (what the API's fields produce)."""
    if value is None or value == "":
        return None
    if attribute.type == DATETIME:
        return custom.canonical_timestamp(value)
    return value


def with_custom_fields(
    form_class: type[forms.ModelForm], attributes: tuple[Attribute, ...]
) -> type[forms.ModelForm]:
    """``form_class`` with a field per custom attribute of ``attributes``."""
    declared = custom.custom_attributes(attributes)
    if not declared:
        return form_class

    def __init__(self: forms.ModelForm, *args: Any, **kwargs: Any) -> None:
        form_class.__init__(self, *args, **kwargs)
        stored = self.instance.custom
        for attribute in declared:
            self.fields[attribute.name].initial = form_value(attribute, stored)

    def clean(self: forms.ModelForm) -> dict[str, Any]:
        cleaned = form_class.clean(self) or self.cleaned_data
        # custom is no form field: what is put on the instance here is what gets saved.
        values = dict(self.instance.custom or {})
        for attribute in declared:
            if attribute.name not in self.changed_data or attribute.name not in cleaned:
                continue
            value = json_value(attribute, cleaned[attribute.name])
            if value is None:
                values.pop(attribute.name, None)
            else:
                values[attribute.name] = value
        self.instance.custom = values
        # A message's times as they would be stored: 0 <= start <= end (calls.timing).
        found = timing.problem(values)
        if found is not None and found.name in self.fields:
            self.add_error(found.name, f"{found.name} {found.detail}")
        return cleaned

    body: dict[str, Any] = {a.name: form_field(a) for a in declared}
    body.update(__init__=__init__, clean=clean, custom_names=[a.name for a in declared])
    return type(form_class.__name__, (form_class,), body)


def model_fields(changed: list[str], form_class: type[forms.BaseForm]) -> list[str]:
    """The model fields a form's ``changed_data`` stands for: custom names are ``custom``."""
    names = set(getattr(form_class, "custom_names", ()))
    fields = [name for name in changed if name not in names]
    if any(name in names for name in changed):
        fields.append("custom")
    return fields
