"""The words of a call's transcript, kept on the call row (PostgreSQL only).

Migration 0013 keeps ``calls_phonecall.transcript_lexemes``, the set of lexemes of the
call's visible messages, by triggers on the message table, with a GIN index. A call whose
set lacks a word of the search cannot have a matching message, so the staff search tests
the set before it probes the call's messages: a call is one tsvector match instead of a
parse of each of its messages, and a word said in few calls is found through the index.

The set is a superset test, never the answer: a message must still match the query itself
(a phrase is a phrase within one message, ``-word`` is about that message).
"""

from typing import Any

from django.db.models import BooleanField, Expression, F
from django.db.models.sql.compiler import SQLCompiler

COLUMN = "transcript_lexemes"

# The query's words that a matching message must hold, as the set can test them: querytree
# drops the negated parts ("T" when nothing is left: every call may match), and phrases
# become "and" (the set keeps no positions; a stripped tsvector never matches a phrase).
# Immutable all through, so with the text bound client-side PostgreSQL folds it to one
# tsquery constant when it plans, which is what lets it use the GIN index.
_WORDS = "querytree(websearch_to_tsquery('english'::regconfig, %s))"
_MAY_MATCH = (
    f"({{column}} IS NULL OR {_WORDS} = 'T' "
    f"OR {{column}} @@ regexp_replace({_WORDS}, '<[0-9-]+>', '&', 'g')::tsquery)"
)


class TranscriptMayMatch(Expression):
    """Whether the call's transcript may hold a message matching the web-search ``text``.

    True for a call whose set is unknown (NULL: past the size limit of migration 0013).
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.pk: Any = F("pk")

    def resolve_expression(self, *args: Any, **kwargs: Any) -> "TranscriptMayMatch":
        resolved = self.copy()
        resolved.pk = self.pk.resolve_expression(*args, **kwargs)  # the call's table alias
        return resolved

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, tuple[str, ...]]:
        identifiers = (self.pk.alias, COLUMN) if self.pk.alias else (COLUMN,)
        column = ".".join(compiler.quote_name_unless_alias(name) for name in identifiers)
        return _MAY_MATCH.format(column=column), (self.text, self.text)
