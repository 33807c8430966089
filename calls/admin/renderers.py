"""How the admin draws the transcript inline: its widgets rendered in Python."""

from collections.abc import Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.html import conditional_escape


class TranscriptInlineRenderer(DjangoTemplates):
    """Django's form renderer, with the inline's few widget templates done in Python.

    Django renders every widget, and every (empty) error list, through a template: a
    500-message transcript is ~5,500 widgets and ~4,000 error lists, seconds of template
    work per page. The plain input, checkbox, hidden and textarea widgets and the empty
    error list are produced here with the same markup as Django's templates (a test
    compares them); anything else falls through to the templates.
    """

    _INPUTS = {
        "django/forms/widgets/text.html",
        "django/forms/widgets/number.html",
        "django/forms/widgets/hidden.html",
        "django/forms/widgets/checkbox.html",
        "django/forms/widgets/input.html",
    }
    _ERRORS = {"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"}

    @staticmethod
    def _attrs(attrs: Mapping[str, Any]) -> str:
        return "".join(
            f" {conditional_escape(name)}"
            + ("" if value is True else f'="{conditional_escape(_text(value))}"')
            for name, value in attrs.items()
            if value is not False
        )

    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        if template_name in self._ERRORS and not context.get("errors"):
            return ""
        if template_name in self._INPUTS:
            widget = context["widget"]
            value = widget["value"]
            shown = "" if value is None else f' value="{conditional_escape(_text(value))}"'
            return (
                f'<input type="{conditional_escape(widget["type"])}" '
                f'name="{conditional_escape(widget["name"])}"{shown}'
                f"{self._attrs(widget['attrs'])}>"
            )
        if template_name == "django/forms/widgets/textarea.html":
            widget = context["widget"]
            value = widget["value"]
            return (
                f'<textarea name="{conditional_escape(widget["name"])}"'
                f"{self._attrs(widget['attrs'])}>\n"
                f"{conditional_escape(value) if value else ''}</textarea>"
            )
        return super().render(template_name, context, request)


def _text(value: object) -> str:
    # The templates' |stringformat:'s', which keeps a safe string safe.
    return value if isinstance(value, str) else str(value)


TRANSCRIPT_RENDERER = TranscriptInlineRenderer()
