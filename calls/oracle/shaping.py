"""The query parameters that shape and page a response: fields, expand, onlyData, links,
limit, offset, totalResults, orderBy and finder (contract §7). Unknown names → 400."""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import F, OrderBy
from django.db.models.functions import Lower, Upper

from calls.sql.custom import CustomValue

from .attributes import CHILD_NAME, INT64_MAX, INT64_MIN, STRING, Attribute
from .errors import bad_request

DEFAULT_LIMIT = 25
MAX_LIMIT = 500

# The query parameters: the request's QueryDict, or a batch part's own.
Params = Mapping[str, str]
# The relations the links of an item here carry.
LINK_RELS = {"self", "canonical", "child", "parent", "enclosure"}
# Every relation of Oracle's ADF links: ``links=`` takes them all (those that never occur
# here match nothing, as they would on an Oracle resource without them) and refuses others.
ORACLE_LINK_RELS = LINK_RELS | {"lov", "action", "custom"}


@dataclass(frozen=True)
class Shape:
    """Which attributes, children and links an item carries."""

    fields: frozenset[str] | None = None  # None: every inline attribute
    expand: bool = False
    child_fields: frozenset[str] | None = None
    only_data: bool = False
    links: frozenset[str] | None = None  # None: every rel

    def child_shape(self) -> "Shape":
        return Shape(fields=self.child_fields, only_data=self.only_data, links=self.links)


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int
    total_results: bool


def _names(raw: str, attributes: Mapping[str, Attribute], parameter: str) -> list[str]:
    names = [name.strip() for name in raw.split(",") if name.strip()]
    for name in names:
        if name not in attributes:
            raise bad_request(f"{parameter}: {name} is not an attribute of this resource.", name)
    return names


def _flag(params: Params, name: str) -> bool:
    raw = params.get(name)
    if raw is None:
        return False
    if raw.lower() not in ("true", "false"):
        raise bad_request(f"{name} must be true or false.")
    return raw.lower() == "true"


def parse_shape(
    params: Params,
    attributes: Mapping[str, Attribute],
    child: Mapping[str, Attribute] | None = None,
) -> Shape:
    only_data = _flag(params, "onlyData")
    links: frozenset[str] | None = None
    if "links" in params:
        links = frozenset(_split(params["links"]))
        unknown = links - ORACLE_LINK_RELS
        if unknown:
            raise bad_request(f"links: {sorted(unknown)[0]} is not a link relation.")

    expand = False
    if "expand" in params:
        for name in _split(params["expand"]):
            if child is None or name not in (CHILD_NAME, "all"):
                raise bad_request(f"expand: {name} is not a child of this resource.", name)
            expand = True

    fields: frozenset[str] | None = None
    child_fields: frozenset[str] | None = None
    if "fields" in params:
        top, *children = params["fields"].split(";")
        names = [n.strip() for n in top.split(",") if n.strip()]
        expand = child is not None and CHILD_NAME in names
        fields = frozenset(
            _names(
                ",".join(n for n in names if n != CHILD_NAME or child is None), attributes, "fields"
            )
        )
        for segment in children:
            name, _, child_names = segment.partition(":")
            if child is None or name.strip() != CHILD_NAME:
                raise bad_request(f"fields: {name.strip()} is not a child of this resource.")
            expand = True
            child_fields = frozenset(_names(child_names, child, "fields"))
    return Shape(fields, expand, child_fields, only_data, links)


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _non_negative(params: Params, name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    # isdigit() alone admits "²", which int() refuses.
    if not (raw.isascii() and raw.isdigit()):
        raise bad_request(f"{name} must be a non-negative integer.")
    return int(raw)


def parse_page(params: Params) -> Page:
    limit = _non_negative(params, "limit", DEFAULT_LIMIT)
    offset = _non_negative(params, "offset", 0)
    if offset > INT64_MAX:  # the database cannot bind it
        raise bad_request("offset must be a 64-bit integer.")
    return Page(min(limit, MAX_LIMIT), offset, _flag(params, "totalResults"))


# ``upper(Attr)`` / ``lower(Attr)``: a case-insensitive sort on a string attribute.
_FOLDED = re.compile(r"(upper|lower)\s*\(\s*([^()\s]*)\s*\)", re.IGNORECASE)
_FOLDS = {"upper": Upper, "lower": Lower}

Ordering = str | OrderBy


def parse_order(params: Params, attributes: Mapping[str, Attribute]) -> list[Ordering]:
    """``orderBy=CreationDate:desc,upper(PhoneNumber),CallId`` as ORM ordering, always
    ending on the key (so pages never overlap)."""
    ordering: list[Ordering] = []
    for clause in _split(params.get("orderBy", "")):
        name, _, direction = clause.partition(":")
        name, direction = name.strip(), direction.strip().lower() or "asc"
        folded = _FOLDED.fullmatch(name)
        if folded is not None:
            name = folded.group(2)
        attribute = attributes.get(name)
        if attribute is None or not attribute.queryable:
            raise bad_request(f"orderBy: {name} is not a sortable attribute.", name)
        if direction not in ("asc", "desc"):
            raise bad_request(f"orderBy: {direction} is not asc or desc.", name)
        # A declared attribute sorts by its typed value in ``custom``, a built-in by its column.
        value = (
            CustomValue(attribute.name, attribute.type) if attribute.custom else F(attribute.field)
        )
        if folded is None:
            if attribute.custom:
                ordering.append(value.desc() if direction == "desc" else value.asc())
            else:
                ordering.append(("-" if direction == "desc" else "") + attribute.field)
            continue
        function = folded.group(1).lower()
        if attribute.type != STRING:
            raise bad_request(f"orderBy: {function}() applies to string attributes only.", name)
        expression = _FOLDS[function](value)
        ordering.append(expression.desc() if direction == "desc" else expression.asc())
    if "id" not in ordering and "-id" not in ordering:
        ordering.append("id")
    return ordering


def parse_finder(params: Params, key: Attribute) -> int | None:
    """``finder=PrimaryKey;CallId=123``: the key value, or None without a finder."""
    raw = params.get("finder")
    if raw is None:
        return None
    name, _, arguments = raw.partition(";")
    if name.strip() != "PrimaryKey":
        raise bad_request(f"finder: {name.strip()} is not a finder of this resource.")
    attribute, _, value = arguments.partition("=")
    if attribute.strip() != key.name:
        raise bad_request(f"finder PrimaryKey takes {key.name}.", key.name)
    value = value.strip()
    digits = value.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()) or not INT64_MIN <= int(value) <= INT64_MAX:
        raise bad_request(f"finder: {key.name} must be an integer.", key.name)
    return int(value)
