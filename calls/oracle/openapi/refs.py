"""What every part of the document builds with: ``$ref`` pointers and content maps."""

from collections.abc import Iterable
from typing import Any

from .. import media

ITEM_TYPES = (media.ITEM, media.JSON)
ERROR_TYPES = (media.ERROR, media.JSON)


def ref(kind: str, name: str) -> dict[str, Any]:
    """A pointer into ``components``: ``kind`` is schemas, parameters, headers or responses."""
    return {"$ref": f"#/components/{kind}/{name}"}


def schema(name: str) -> dict[str, Any]:
    return ref("schemas", name)


def content(types: Iterable[str], body: dict[str, Any]) -> dict[str, Any]:
    """The same body schema under each media type."""
    return {media_type: {"schema": body} for media_type in types}


def parameter_refs(*names: str) -> list[dict[str, Any]]:
    return [ref("parameters", name) for name in names]
