"""The ``q`` query parameter: Oracle's two filter syntaxes, parsed into Django ``Q`` objects.

REST-Framework-Version 1 speaks query by example (``PhoneNumber 555*;LeftMessageFlag=true``,
``InteractionId>=10 and <= 30;PhoneNumber LIKE '+1415%'``), version 2 and later row-match
expressions (``PhoneNumber = '+14155550100' and (LeftMessageFlag = true or InteractionId >
100)``, where ``;`` also means AND). Both are parsed by a lark grammar; the
result is built only from the allow-listed attributes handed in and from Django lookup
expressions whose values are bound parameters, so no user text ever becomes SQL.

Semantics follow SQL, as Oracle's own translation to a WHERE clause does: comparisons are
lookup expressions (``Exact(F(...), v)``), so ``NOT`` and ``!=`` use three-valued logic and
never match a null. ``LIKE`` is case-sensitive on every backend (see ``CaseSensitiveLike``).
A child attribute (``TranscriptMessage.RoleCd = 'AGENT'``) matches parents having at least
one such child, through an ``EXISTS`` subquery, so parents are never duplicated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Exists, Expression, F, OuterRef, Q
from django.db.models.expressions import Combinable
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.db.models.functions import Lower, Upper
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
    Lookup,
)
from lark import Lark, Token, Transformer, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, VisitError

from calls.oracle.attributes import (
    BOOLEAN,
    DATETIME,
    INT64_MAX,
    INT64_MIN,
    INTEGER,
    NUMBER,
    STRING,
    Attribute,
)
from calls.sql.custom import CustomValue

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler
    from django.db.models.sql.query import Query

__all__ = ["QueryError", "parse_q"]

MAX_LENGTH = 4000  # characters of q
MAX_DEPTH = 32  # nested parentheses (plain or not) and NOTs
MAX_VALUES = 500  # literal values in one q: keeps every backend under its parameter limit
MAX_CONDITIONS = 50  # comparisons, LIKEs, INs, BETWEENs, IS NULLs (v1: each of a chain)
MAX_CHILD_CONDITIONS = 10  # of those on a child's attribute: each is an EXISTS subquery

_NO_CHILDREN: Mapping[str, tuple[str, Mapping[str, Attribute]]] = MappingProxyType({})


class QueryError(ValueError):
    """The ``q`` text is malformed or names an attribute it may not use.

    The message names the problem (the attribute, the value, or the position of the syntax
    error) and is safe to show to the client.
    """


# --------------------------------------------------------------------------- grammars

# Keywords are case-insensitive regular terminals with a priority above NAME and a guard
# against running into a longer name, so ``Notes`` is a name and ``not`` a keyword.
_KEYWORD_END = r"(?![\w.])"

# ``;`` between expressions also means AND, binding loosest: clients written for version 1
# join their conditions with it (empty ones, as from a trailing ``;``, are skipped).
_EXPRESSION_GRAMMAR = rf"""
?start: _SEPARATOR? disjunction (_SEPARATOR disjunction)* _SEPARATOR?
_SEPARATOR: /;(\s*;)*/

?disjunction: conjunction (_OR conjunction)*
?conjunction: negation (_AND negation)*
?negation: _NOT negation                                -> not_
         | _primary
_primary: "(" disjunction ")"
        | predicate

?predicate: operand COMPARE value                       -> compare
          | operand _LIKE value [_ESCAPE value]         -> like
          | operand _NOT _LIKE value [_ESCAPE value]    -> not_like
          | operand _IN "(" value ("," value)* ")"      -> in_
          | operand _NOT _IN "(" value ("," value)* ")" -> not_in
          | operand _BETWEEN value _AND value           -> between
          | operand _NOT _BETWEEN value _AND value      -> not_between
          | operand _IS NULL                            -> is_null
          | operand _IS _NOT NULL                       -> is_not_null

operand: NAME
       | FUNCTION "(" NAME ")"

?value: STRING | NUMBER | TRUE | FALSE | NULL

_OR.2: /or{_KEYWORD_END}/i
_AND.2: /and{_KEYWORD_END}/i
_NOT.2: /not{_KEYWORD_END}/i
_LIKE.2: /like{_KEYWORD_END}/i
_ESCAPE.2: /escape{_KEYWORD_END}/i
_IN.2: /in{_KEYWORD_END}/i
_BETWEEN.2: /between{_KEYWORD_END}/i
_IS.2: /is{_KEYWORD_END}/i
NULL.2: /null{_KEYWORD_END}/i
TRUE.2: /true{_KEYWORD_END}/i
FALSE.2: /false{_KEYWORD_END}/i
FUNCTION.2: /(upper|lower)(?=\s*\()/i

NAME: /[^\W\d]\w*(?:\.[^\W\d]\w*)*/
STRING: /'(?:[^']|'')*'/
NUMBER: /[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/
COMPARE: /<>|!=|<=|>=|=|<|>/

%ignore /\s+/
"""

# Query by example: ``;``-separated clauses (AND), each an attribute and one or more
# conditions on it chained with ``and``/``or`` (``Deptno>=10 and <= 30``). A condition is a
# value with an optional operator (``=`` when none), ``LIKE``/``NOT LIKE`` a pattern,
# ``IS [NOT] NULL`` or ``[NOT] BETWEEN`` two values. An unquoted value runs to the next ``;``
# (its trailing blanks are trimmed), unless an ``and``/``or`` followed by something that can
# only start a condition (an operator, an operator word, a quote, or a word then a quote or
# ``(``) ends it first; so ``Smith and Jones`` stays one value. A BETWEEN's lower bound ends
# at its ``and``. The lexer is contextual: each terminal is tried only where the grammar
# allows it, and OP and the keywords outrank a value, so ``LIKE 'x'`` is an operator.
_CHAIN = r"(?:and|or)\s+(?:[<>!=']|(?:like|not|is|between)(?![\w.])|[^\W\d_]\w*\s+['(])"

_EXAMPLE_GRAMMAR = rf"""
start: clause? (";" clause?)*

clause: NAME condition (CONNECTIVE condition)*

condition: [OP] value                       -> compare
         | _LIKE value                      -> like
         | _NOT _LIKE value                 -> not_like
         | _BETWEEN bound _AND value        -> between
         | _NOT _BETWEEN bound _AND value   -> not_between
         | _IS _NULL                        -> is_null
         | _IS _NOT _NULL                   -> is_not_null

?value: QUOTED | TEXT
?bound: QUOTED | BOUND

NAME: /[^\W\d]\w*(?:\.[^\W\d]\w*)*/
OP.3: /<>|!=|<=|>=|=|<|>/
_LIKE.3: /like{_KEYWORD_END}/i
_NOT.3: /not{_KEYWORD_END}/i
_BETWEEN.3: /between{_KEYWORD_END}/i
_IS.3: /is{_KEYWORD_END}/i
_AND.3: /and{_KEYWORD_END}/i
_NULL.3: /null{_KEYWORD_END}/i
CONNECTIVE.3: /(?:and|or){_KEYWORD_END}/i
QUOTED.2: /'(?:[^']|'')*'/
TEXT: /[^;\s](?:(?!\s+{_CHAIN})[^;])*/i
BOUND: /[^;\s](?:(?!\s+and{_KEYWORD_END})[^;])*/i

%ignore /\s+/
"""

_EXPRESSION_PARSER = Lark(_EXPRESSION_GRAMMAR, parser="lalr", maybe_placeholders=True)
_EXAMPLE_PARSER = Lark(_EXAMPLE_GRAMMAR, parser="lalr", maybe_placeholders=True)

# What the parser expected, in words, for syntax error messages.
_TERMINAL_WORDS = {
    "NAME": "an attribute name",
    "COMPARE": "a comparison operator",
    "OP": "an operator",
    "STRING": "a quoted string",
    "QUOTED": "a value",
    "TEXT": "a value",
    "BOUND": "a value",
    "CONNECTIVE": "AND or OR",
    "NUMBER": "a number",
    "TRUE": "true",
    "FALSE": "false",
    "NULL": "null",
    "_NULL": "NULL",
    "FUNCTION": "UPPER or LOWER",
    "_OR": "OR",
    "_AND": "AND",
    "_NOT": "NOT",
    "_LIKE": "LIKE",
    "_ESCAPE": "ESCAPE",
    "_IN": "IN",
    "_BETWEEN": "BETWEEN",
    "_IS": "IS",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "SEMICOLON": "';'",
    "_SEPARATOR": "';'",
    "$END": "the end",
}


# ------------------------------------------------------------------ SQL building blocks

ANY = "%"  # a LIKE pattern's any-run wildcard, as a token (literal text is a str chunk)
ONE = "_"  # a LIKE pattern's one-character wildcard


@dataclass(frozen=True)
class _Wildcard:
    kind: str  # ANY or ONE


_ANY = _Wildcard(ANY)
_ONE = _Wildcard(ONE)


class CaseSensitiveLike(Lookup):
    """``lhs LIKE pattern``, case-sensitive on every supported backend.

    The right-hand side is a tuple of literal ``str`` chunks and ``_Wildcard`` tokens, turned
    into the backend's own pattern language at compile time and bound as one parameter.
    PostgreSQL's LIKE is case-sensitive (escape character ``\\``, its default). SQLite's LIKE
    ignores ASCII case, so SQLite gets ``GLOB``, which does not; literal ``*``, ``?`` and
    ``[`` are written as one-character classes there. (``__regex`` would also be portable,
    but SQLite evaluates it with Python's backtracking ``re``, where ``%a%a%a%a%b`` against a
    long value takes time growing with a high power of its length; LIKE and GLOB do not.)
    """

    lookup_name = "q_like"  # never registered on a field; built directly
    prepare_rhs = False

    def get_source_expressions(self) -> list[Expression]:
        return [self.lhs]

    def set_source_expressions(self, new_exprs: Sequence[Combinable | Expression]) -> None:
        (self.lhs,) = new_exprs

    # Django takes the parameters as any sequence and its own lookups return lists; the
    # stubs' ``as_sql`` promises a tuple.
    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[str | int]]:
        lhs_sql, params = self.process_lhs(compiler, connection)
        pattern = "".join(
            part.kind if isinstance(part, _Wildcard) else _escape_like(part) for part in self.rhs
        )
        return f"{lhs_sql} LIKE %s", [*params, pattern]

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[str | int]]:
        lhs_sql, params = self.process_lhs(compiler, connection)
        pattern = "".join(
            _GLOB_WILDCARDS[part.kind] if isinstance(part, _Wildcard) else _escape_glob(part)
            for part in self.rhs
        )
        return f"{lhs_sql} GLOB %s", [*params, pattern]


_GLOB_WILDCARDS = {ANY: "*", ONE: "?"}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _escape_glob(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


class HasChild(Expression):
    """``EXISTS (SELECT … FROM child WHERE child.fk = outer.pk AND condition)``.

    Only the reverse relation's name is known when ``q`` is parsed; the child model is
    looked up from the model of the query the ``Q`` is applied to, when it is resolved.
    """

    output_field = BooleanField()

    def __init__(self, relation: str, condition: Q):
        super().__init__()
        self.relation = relation
        self.condition = condition

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.relation!r}, {self.condition!r})"

    # Resolving may give another expression (F resolves to a column); the stubs' Self is too
    # narrow for that.
    def resolve_expression(  # type: ignore[override]
        self,
        query: Query | None = None,
        allow_joins: bool = True,
        reuse: set[str] | None = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> Exists:
        # Only a query's filter resolves it, and ``relation`` names a reverse relation of the
        # query's model (the child's foreign key to it).
        assert query is not None and query.model is not None
        rel = query.model._meta.get_field(self.relation)
        assert isinstance(rel, ForeignObjectRel)
        children = rel.related_model._default_manager.filter(
            **{rel.field.name: OuterRef("pk")}
        ).filter(self.condition)
        return Exists(children).resolve_expression(query, allow_joins, reuse, summarize, for_save)


_ORDER_LOOKUPS = {
    "<": LessThan,
    "<=": LessThanOrEqual,
    ">": GreaterThan,
    ">=": GreaterThanOrEqual,
}
_NOT_EQUAL = {"!=", "<>"}


# ------------------------------------------------------------------------ values


@dataclass(frozen=True)
class _Literal:
    kind: str  # "string" (quoted), "text" (unquoted, v1), "number", "true", "false", "null"
    text: str  # the value's text, unquoted

    def describe(self) -> str:
        if self.kind in ("string", "text"):
            return repr(self.text)
        return self.text


def _literal(token: Token) -> _Literal:
    if token.type in ("STRING", "QUOTED"):
        return _Literal("string", token.value[1:-1].replace("''", "'"))
    if token.type in ("TEXT", "BOUND"):
        return _Literal("text", token.value.strip())
    if token.type == "NUMBER":
        return _Literal("number", token.value)
    return _Literal(token.type.lower().lstrip("_"), token.value)


def _parse_int(text: str) -> int | None:
    body = text.strip()
    digits = body[1:] if body[:1] in ("+", "-") else body
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 20:
        return None
    return int(body)


def _parse_number(text: str) -> float | None:
    """A decimal number (custom attributes of type number), finite; else None."""
    body = text.strip()
    if not body.isascii() or not body or len(body) > 40 or body.lower().lstrip("+-")[:1] in "in":
        return None  # also refuses "inf" and "nan", which float() reads
    try:
        value = float(body)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _parse_datetime(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip())
        if value.tzinfo is None:  # a date alone, or a time without offset: UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


@dataclass(frozen=True)
class _Operand:
    """A resolved left-hand side: the attribute, its expression, and the child it is in."""

    label: str  # as written, for messages: ``UPPER(PhoneNumber)``
    attribute: Attribute
    expression: Expression | F
    relation: str | None  # reverse relation name when the attribute belongs to a child

    def coerce(self, literal: _Literal) -> str | int | float | bool | datetime:
        """The Python value of ``literal`` compared with this operand, or QueryError."""
        attribute = self.attribute
        kind, text = literal.kind, literal.text
        if kind == "null":
            raise QueryError(f"{self.label}: compare with null using IS NULL or IS NOT NULL")
        if attribute.type == STRING:
            if kind in ("true", "false"):
                raise QueryError(f"{self.label} is a string; {text} is not (quote it)")
            return text
        if attribute.type == INTEGER:
            value = _parse_int(text) if kind not in ("true", "false") else None
            if value is None:
                raise QueryError(f"{self.label} is an integer; {literal.describe()} is not")
            if not INT64_MIN <= value <= INT64_MAX:
                raise QueryError(f"{self.label}: {text} is outside the 64-bit integer range")
            return value
        if attribute.type == NUMBER:
            number = _parse_number(text) if kind not in ("true", "false") else None
            if number is None:
                raise QueryError(f"{self.label} is a number; {literal.describe()} is not")
            return number
        if attribute.type == BOOLEAN:
            word = text.strip().lower() if kind != "number" else ""
            if word not in ("true", "false"):
                raise QueryError(
                    f"{self.label} is a boolean; {literal.describe()} is not true or false"
                )
            return word == "true"
        if attribute.type == DATETIME:
            moment = _parse_datetime(text) if kind in ("string", "text") else None
            if moment is None:
                raise QueryError(
                    f"{self.label} is a date-time; {literal.describe()} is not an ISO 8601 "
                    "date or timestamp such as '2024-05-16' or '2024-05-16T10:20:25.453+00:00'"
                )
            return moment
        raise QueryError(f"{self.label} cannot be used in q")  # pragma: no cover


# ---------------------------------------------------------------------- the builder


class _Builder:
    """Turns resolved operands and literals into ``Q`` objects; shared by both syntaxes."""

    def __init__(
        self,
        attributes: Mapping[str, Attribute],
        children: Mapping[str, tuple[str, Mapping[str, Attribute]]],
    ) -> None:
        self.attributes = attributes
        self.children = children
        self.values = 0
        self.conditions = 0
        self.child_conditions = 0

    def operand(self, name: str, function: str | None = None) -> _Operand:
        attribute, relation = self._attribute(name)
        label = name
        expression: Expression | F = (
            CustomValue(attribute.name, attribute.type) if attribute.custom else F(attribute.field)
        )
        if function is not None:
            function = function.upper()
            label = f"{function}({name})"
            if attribute.type != STRING:
                raise QueryError(f"{label}: {function} applies to string attributes only")
            expression = Upper(expression) if function == "UPPER" else Lower(expression)
        return _Operand(label, attribute, expression, relation)

    def _attribute(self, name: str) -> tuple[Attribute, str | None]:
        attributes, relation, local = self.attributes, None, name
        if "." in name:
            child, _, local = name.partition(".")
            if child not in self.children or "." in local:
                raise QueryError(f"unknown attribute {name!r}")
            relation, attributes = self.children[child]
        attribute = attributes.get(local)
        if attribute is None:
            raise QueryError(f"unknown attribute {name!r}")
        if not attribute.queryable or attribute.type not in (
            STRING,
            INTEGER,
            NUMBER,
            BOOLEAN,
            DATETIME,
        ):
            raise QueryError(f"attribute {name!r} cannot be used in q")
        return attribute, relation

    def _condition(self, operand: _Operand) -> None:
        """Count one condition; every builder method below makes exactly one."""
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise QueryError(f"q has more than {MAX_CONDITIONS} conditions")
        if operand.relation is not None:
            self.child_conditions += 1
            if self.child_conditions > MAX_CHILD_CONDITIONS:
                raise QueryError(
                    f"q has more than {MAX_CHILD_CONDITIONS} conditions on child attributes"
                )

    def _count(self, n: int = 1) -> None:
        self.values += n
        if self.values > MAX_VALUES:
            raise QueryError(f"q has more than {MAX_VALUES} values")

    @staticmethod
    def _wrap(operand: _Operand, condition: Q) -> Q:
        if operand.relation is None:
            return condition
        return Q(HasChild(operand.relation, condition))

    def compare(self, operand: _Operand, op: str, literal: _Literal) -> Q:
        self._condition(operand)
        self._count()
        value = operand.coerce(literal)
        lhs = operand.expression
        if operand.attribute.type == BOOLEAN and op not in ("=", *_NOT_EQUAL):
            raise QueryError(f"{operand.label} is a boolean: only = and != apply")
        if op == "=":
            condition = Q(Exact(lhs, value))
        elif op in _NOT_EQUAL:
            condition = ~Q(Exact(lhs, value))
        else:
            condition = Q(_ORDER_LOOKUPS[op](lhs, value))
        return self._wrap(operand, condition)

    def like(
        self,
        operand: _Operand,
        literal: _Literal,
        escape: _Literal | None,
        *,
        negated: bool,
        wildcards: str = "%*",
        one: str = "_",
    ) -> Q:
        self._condition(operand)
        self._count()
        if operand.attribute.type != STRING:
            raise QueryError(f"{operand.label}: LIKE applies to string attributes only")
        if literal.kind not in ("string", "text"):
            raise QueryError(f"{operand.label}: the LIKE pattern must be a quoted string")
        escape_char = None
        if escape is not None:
            if escape.kind != "string" or len(escape.text) != 1:
                raise QueryError(f"{operand.label}: ESCAPE takes a single quoted character")
            escape_char = escape.text
        pattern = _like_pattern(literal.text, wildcards, one, escape_char, operand.label)
        lhs = operand.expression
        if not any(isinstance(part, _Wildcard) for part in pattern):  # only literal text
            condition = Q(Exact(lhs, "".join(p for p in pattern if isinstance(p, str))))
        elif all(part is _ANY for part in pattern):
            condition = Q(_not_null(lhs))
        else:
            condition = Q(CaseSensitiveLike(lhs, pattern))
        if negated:
            condition = ~condition
        return self._wrap(operand, condition)

    def in_(self, operand: _Operand, literals: list[_Literal], *, negated: bool) -> Q:
        self._condition(operand)
        self._count(len(literals))
        values = [operand.coerce(literal) for literal in literals]
        condition = Q(In(operand.expression, values))
        if negated:
            condition = ~condition
        return self._wrap(operand, condition)

    def between(self, operand: _Operand, low: _Literal, high: _Literal, *, negated: bool) -> Q:
        self._condition(operand)
        self._count(2)
        if operand.attribute.type == BOOLEAN:
            raise QueryError(f"{operand.label} is a boolean: BETWEEN does not apply")
        lhs = operand.expression
        condition = Q(
            GreaterThanOrEqual(lhs, operand.coerce(low)),
            LessThanOrEqual(lhs, operand.coerce(high)),
        )
        if negated:
            condition = ~condition
        return self._wrap(operand, condition)

    def is_null(self, operand: _Operand, *, negated: bool) -> Q:
        self._condition(operand)
        condition = Q(_not_null(operand.expression))
        if not negated:
            condition = ~condition
        return self._wrap(operand, condition)


def _not_null(lhs: Expression | F) -> Lookup:
    return IsNull(lhs, False)


def _like_pattern(
    text: str, wildcards: str, one: str, escape: str | None, label: str
) -> tuple[str | _Wildcard, ...]:
    parts: list[str | _Wildcard] = []
    chunk: list[str] = []

    def flush() -> None:
        if chunk:
            parts.append("".join(chunk))
            chunk.clear()

    chars = iter(text)
    for c in chars:
        if escape is not None and c == escape:
            following = next(chars, None)
            if following is None:
                raise QueryError(f"{label}: the LIKE pattern ends with its escape character")
            chunk.append(following)
        elif c in wildcards:
            flush()
            if not parts or parts[-1] is not _ANY:  # %% is %
                parts.append(_ANY)
        elif c in one:
            flush()
            parts.append(_ONE)
        else:
            chunk.append(c)
    flush()
    return tuple(parts)


# ------------------------------------------------------------------- the two syntaxes


class _ExpressionTransformer(Transformer[Token, Q]):
    """Row-match expressions (version 2 and later)."""

    def __init__(self, builder: _Builder):
        super().__init__()
        self.b = builder

    def start(self, children: list[Q]) -> Q:
        return Q(*children, _connector=Q.AND)

    def disjunction(self, children: list[Q]) -> Q:
        return Q(*children, _connector=Q.OR)

    def conjunction(self, children: list[Q]) -> Q:
        return Q(*children, _connector=Q.AND)

    def not_(self, children: list[Q]) -> Q:
        (condition,) = children
        return ~condition

    def operand(self, children: list[Token]) -> _Operand:
        if len(children) == 1:
            return self.b.operand(children[0].value)
        function, name = children
        return self.b.operand(name.value, function.value)

    # A predicate's children: the transformed operand, then the tokens of the rule.

    def compare(self, children: list[Any]) -> Q:
        operand, op, value = children
        return self.b.compare(operand, op.value, _literal(value))

    def like(self, children: list[Any], negated: bool = False) -> Q:
        operand, value, escape = children
        escape_literal = None if escape is None else _literal(escape)
        return self.b.like(operand, _literal(value), escape_literal, negated=negated)

    def not_like(self, children: list[Any]) -> Q:
        return self.like(children, negated=True)

    def in_(self, children: list[Any], negated: bool = False) -> Q:
        operand, *values = children
        return self.b.in_(operand, [_literal(v) for v in values], negated=negated)

    def not_in(self, children: list[Any]) -> Q:
        return self.in_(children, negated=True)

    def between(self, children: list[Any], negated: bool = False) -> Q:
        operand, low, high = children
        return self.b.between(operand, _literal(low), _literal(high), negated=negated)

    def not_between(self, children: list[Any]) -> Q:
        return self.between(children, negated=True)

    def is_null(self, children: list[_Operand]) -> Q:
        return self.b.is_null(children[0], negated=False)

    def is_not_null(self, children: list[_Operand]) -> Q:
        return self.b.is_null(children[0], negated=True)


# A v1 condition is built once its clause names the attribute: a function of the operand.
_Condition = Callable[[_Operand], Q]

# Words that start a condition in other filter languages (v2's IN among them) but not in
# query by example: a value starting with one is refused rather than compared as text.
_FOREIGN_OPERATORS = frozenset(
    {"IN", "CONTAINS", "ILIKE", "RLIKE", "REGEXP", "SIMILAR", "MATCHES", "GLOB", "EXISTS"}
    | {"STARTSWITH", "ENDSWITH", "EQ", "NE", "LT", "LE", "GT", "GE"}
)
# A word directly followed by a quote or a parenthesis: operator syntax, not a value.
_OPERATOR_WORD = re.compile(r"([^\W\d_]\w*)(?:\s+['(]|\s*\()")
_LEADING_WORD = re.compile(r"([^\W\d_]\w*)\s")
_V1_OPERATORS = "=, !=, <>, <, <=, >, >=, LIKE, NOT LIKE, IS NULL, IS NOT NULL, BETWEEN"


class _ExampleTransformer(Transformer[Token, Q]):
    """Query by example (version 1)."""

    def __init__(self, builder: _Builder):
        super().__init__()
        self.b = builder

    def start(self, children: list[Q]) -> Q:
        return Q(*children, _connector=Q.AND)

    def clause(self, children: list[Any]) -> Q:
        """``Name cond (and|or cond)*``: AND binds tighter than OR, as in SQL."""
        name, first, *rest = children
        operand = self.b.operand(name.value)
        groups: list[list[Q]] = [[first(operand)]]
        for connective, condition in zip(rest[::2], rest[1::2], strict=True):
            if connective.value.lower() == "or":
                groups.append([])
            groups[-1].append(condition(operand))
        return Q(*(Q(*group, _connector=Q.AND) for group in groups), _connector=Q.OR)

    def compare(self, children: list[Any]) -> _Condition:
        op_token: Token | None  # None: no operator, which is =
        value: Token
        op_token, value = children
        op = "=" if op_token is None else op_token.value
        literal = _literal(value)
        bare = op_token is None and value.type == "TEXT"

        def build(operand: _Operand) -> Q:
            if bare:
                _refuse_operator_word(operand, literal.text)
            if operand.attribute.type == STRING and "*" in literal.text:
                if op == "=" or op in _NOT_EQUAL:
                    return self.b.like(
                        operand, literal, None, negated=op != "=", wildcards="*", one=""
                    )
                raise QueryError(f"{operand.label}: the wildcard * works with = and != only")
            return self.b.compare(operand, op, literal)

        return build

    def like(self, children: list[Token], negated: bool = False) -> _Condition:
        (value,) = children
        literal = _literal(value)
        return lambda operand: self.b.like(operand, literal, None, negated=negated)

    def not_like(self, children: list[Token]) -> _Condition:
        return self.like(children, negated=True)

    def between(self, children: list[Token], negated: bool = False) -> _Condition:
        low, high = (_literal(token) for token in children)
        return lambda operand: self.b.between(operand, low, high, negated=negated)

    def not_between(self, children: list[Token]) -> _Condition:
        return self.between(children, negated=True)

    def is_null(self, children: list[Token]) -> _Condition:
        return lambda operand: self.b.is_null(operand, negated=False)

    def is_not_null(self, children: list[Token]) -> _Condition:
        return lambda operand: self.b.is_null(operand, negated=True)


def _refuse_operator_word(operand: _Operand, text: str) -> None:
    """An unquoted value that reads as an operator this syntax lacks is a QueryError.

    Compared as text it would silently match nothing (``PhoneNumber CONTAINS '555'``).
    """
    match = _OPERATOR_WORD.match(text) or _LEADING_WORD.match(text)
    if match is None:
        return
    word = match.group(1)
    if match.re is _LEADING_WORD and word.upper() not in _FOREIGN_OPERATORS:
        return  # a value of several words: ``EXT one two``
    hint = " (IN needs REST-Framework-Version 2)" if word.upper() == "IN" else ""
    raise QueryError(
        f"{operand.label}: {word} is not an operator of query by example{hint}; "
        f"use {_V1_OPERATORS}, or quote a value that starts with this word"
    )


# ------------------------------------------------------------------------ entry point


def parse_q(
    text: str,
    *,
    version: int,
    attributes: Mapping[str, Attribute],
    children: Mapping[str, tuple[str, Mapping[str, Attribute]]] = _NO_CHILDREN,
) -> Q:
    """Parse ``q`` for REST-Framework-Version ``version`` into a ``Q`` for ``.filter()``.

    ``attributes`` maps the Oracle names of the queried resource to their attributes;
    ``children`` maps a child's name to (reverse relation name, its attributes). Raises
    QueryError, and nothing else, for any text that is not a valid query. Blank text is no
    condition at all (``Q()``).
    """
    if not isinstance(text, str):
        raise QueryError("q must be text")
    if len(text) > MAX_LENGTH:
        raise QueryError(f"q is longer than {MAX_LENGTH} characters")
    if "\x00" in text:
        raise QueryError("q contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryError("q is not valid Unicode text") from None
    if not text.strip():
        return Q()

    expression = version >= 2
    if expression:
        _check_parentheses(text)
    parser = _EXPRESSION_PARSER if expression else _EXAMPLE_PARSER
    builder = _Builder(attributes, children)
    transformer = (_ExpressionTransformer if expression else _ExampleTransformer)(builder)
    try:
        tree = parser.parse(text)
        _check_depth(tree)
        return transformer.transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, QueryError):
            raise e.orig_exc from None
        if isinstance(e.orig_exc, RecursionError):
            raise QueryError("q is nested too deeply") from None
        raise
    except UnexpectedInput as e:
        raise QueryError(_syntax_message(text, e)) from None
    except LarkError as e:  # pragma: no cover - every parse failure is an UnexpectedInput
        raise QueryError(f"q is malformed: {e.__class__.__name__}") from None
    except RecursionError:
        raise QueryError("q is nested too deeply") from None


def _check_parentheses(text: str) -> None:
    """Refuse parentheses nested more than MAX_DEPTH deep, quoted strings aside.

    The parser folds plain parentheses away, so the tree's depth does not show them; this
    counts them in the text (those of ``IN (...)`` and ``UPPER(...)`` count too).
    """
    depth, quoted = 0, False
    for char in text:
        if char == "'":
            quoted = not quoted  # '' (an escaped quote) toggles twice: still inside
        elif quoted:
            continue
        elif char == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise QueryError(f"q has parentheses nested more than {MAX_DEPTH} levels deep")
        elif char == ")":
            depth -= 1


def _check_depth(tree: Tree) -> None:
    """Refuse trees deeper than MAX_DEPTH, before anything recurses over them."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise QueryError(f"q is nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))


def _syntax_message(text: str, error: UnexpectedInput) -> str:
    position = getattr(error, "pos_in_stream", None)
    if position is None or position < 0:
        position = len(text)
    if isinstance(error, UnexpectedCharacters):
        found = repr(text[position : position + 12])
        expected = error.allowed or set()
    else:
        token = getattr(error, "token", None)
        if token is None or token.type == "$END":
            found = "end of q"
            position = len(text)
        else:
            found = repr(str(token)[:12])
        expected = getattr(error, "expected", None) or set()
    words = sorted({_TERMINAL_WORDS.get(name, name) for name in expected})
    message = f"q has a syntax error at character {position + 1}: unexpected {found}"
    if words:
        message += "; expected " + ", ".join(words)
    return message
