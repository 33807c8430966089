"""Calls and transcript messages at scale, straight into the tables.

PostgreSQL gets ``COPY`` (psycopg's ``cursor.copy``) of rows formatted here, in batches of
one transaction each; SQLite gets large ``executemany`` batches. Rows are realistic
(phone numbers, external ids, interaction ids, roles, a few sentences of text), every
NOT NULL column is filled, call and message numbers are unique (``BC``/``BM`` plus the
row id), and creation dates are spread over the three years before ``end`` in id order.

Nothing here goes through the ORM or the services: no history rows, no version bumps.
It is for benchmarks and load tests, never for real data.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from tqdm import tqdm

if TYPE_CHECKING:
    import psycopg
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper

# One row of a table, in the order of its columns: values of every column type.
Row = tuple[Any, ...]

CALL_COLUMNS = (
    "id",
    "created_by",
    "creation_date",
    "last_updated_by",
    "last_update_date",
    "last_update_login",
    "call_number",
    "call_details_url",
    "recording",
    "recording_format",
    "recording_url",
    "transcript_url",
    "deleted_flag",
    "external_system_call_id",
    "interaction_id",
    "left_message_flag",
    "phone_number",
    "phone_number_e164",
    "recording_duration_ms",
    "call_time",
    "version",
)
MESSAGE_COLUMNS = (
    "id",
    "created_by",
    "creation_date",
    "last_updated_by",
    "last_update_date",
    "last_update_login",
    "call_id",
    "message_number",
    "message_content",
    "message_type_cd",
    "posted_by_display_name",
    "posted_by_party_id",
    "role_cd",
    "visibility_cd",
    "deleted_flag",
    "version",
)
CALL_TABLE = "calls_phonecall"
MESSAGE_TABLE = "calls_transcriptmessage"

SPAN = timedelta(days=3 * 365)
_WORDS = [
    "hello",
    "thanks",
    "calling",
    "about",
    "invoice",
    "order",
    "delivery",
    "refund",
    "account",
    "password",
    "reset",
    "address",
    "change",
    "appointment",
    "tomorrow",
    "morning",
    "afternoon",
    "please",
    "confirm",
    "number",
    "email",
    "problem",
    "resolved",
    "escalate",
    "manager",
    "callback",
    "schedule",
    "payment",
    "card",
    "declined",
    "shipping",
    "tracking",
    "warranty",
    "replacement",
    "cancel",
    "subscription",
    "upgrade",
    "plan",
    "discount",
]
_AGENTS = ("Dana Agent", "Lee Support", "Sam Desk", "Kim Care", "Ola Help")


def _sentences(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [
        " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 18))).capitalize() + "."
        for _ in range(count)
    ]


SENTENCES = _sentences(997)


def phone_number(call_id: int) -> str:
    """A distinct-looking E.164 number per call (unique up to 10 million calls)."""
    return f"+1415{(call_id * 7_919) % 10_000_000:07d}"


def recording_duration_ms(call_id: int) -> int:
    """Durations spread over 20 s to about 20 minutes, so the list's duration sort and
    filters read a realistic range."""
    return 20_000 + (call_id * 104_729) % 1_200_000


def call_number(call_id: int) -> str:
    return f"BC{call_id:012d}"


def message_number(message_id: int) -> str:
    return f"BM{message_id:014d}"


def interaction_id(call_id: int) -> int:
    return 500_000_000 + call_id // 3


@dataclass
class Plan:
    """What to load: ``calls`` calls with ``messages`` messages each, from the given ids."""

    calls: int
    messages: int
    first_call_id: int = 1
    first_message_id: int = 1
    end: datetime | None = None  # the newest creation date; now by default
    total_calls: int | None = None  # the span of dates is spread over this many calls
    recording: str = ""  # a storage name to give every call (the bench's big recording)

    def creation_date(self, call_id: int) -> datetime:
        end = self.end or _NOW
        total = max(self.total_calls or (self.first_call_id + self.calls - 1), 1)
        position = min(call_id, total) / total
        return end - SPAN * (1 - position)


_NOW = datetime.now(UTC).replace(microsecond=0)


def _call_row(plan: Plan, call_id: int) -> Row:
    created = plan.creation_date(call_id)
    return (
        call_id,
        "bench",
        created,
        "bench",
        created,
        None,
        call_number(call_id),
        f"https://pbx.example.com/calls/{call_id}" if call_id % 4 == 0 else None,
        plan.recording,
        "audio/mpeg" if plan.recording else None,
        None,
        None,
        call_id % 97 == 0,
        f"EXT-{call_id}",
        interaction_id(call_id),
        call_id % 5 == 0,
        phone_number(call_id),
        phone_number(call_id),  # already E.164, as calls.phones would keep it
        recording_duration_ms(call_id) if plan.recording else None,
        created,  # no start time in the custom values: when it reached Callbook
        1,
    )


def _message_row(plan: Plan, call_id: int, message_id: int, index: int, created: datetime) -> Row:
    agent = index % 2 == 0
    text = " ".join(SENTENCES[(message_id * k) % len(SENTENCES)] for k in (1, 3))
    return (
        message_id,
        "bench",
        created + timedelta(seconds=index * 7),
        "bench",
        created + timedelta(seconds=index * 7),
        None,
        call_id,
        message_number(message_id),
        text,
        "TEXT",
        _AGENTS[call_id % len(_AGENTS)] if agent else "Customer",
        f"P{call_id % 100_000}" if not agent else None,
        "AGENT" if agent else "CUSTOMER",
        "INTERNAL" if message_id % 23 == 0 else "EXTERNAL",
        False,
        1,
    )


def rows(plan: Plan, first: int, count: int) -> tuple[list[Row], list[Row]]:
    """Calls ``first``..``first+count-1`` of the plan and their messages, as row tuples."""
    calls: list[Row] = []
    messages: list[Row] = []
    for call_id in range(first, first + count):
        call = _call_row(plan, call_id)
        calls.append(call)
        base = plan.first_message_id + (call_id - plan.first_call_id) * plan.messages
        for index in range(plan.messages):
            messages.append(_message_row(plan, call_id, base + index, index, call[2]))
    return calls, messages


def _copy_text(values: Row) -> str:
    out = []
    for value in values:
        if value is None:
            out.append("\\N")
        elif value is True:
            out.append("t")
        elif value is False:
            out.append("f")
        elif isinstance(value, datetime):
            out.append(value.isoformat())
        else:
            out.append(str(value))  # generated values hold no tab, newline or backslash
    return "\t".join(out)


def _copy(
    cursor: psycopg.Cursor[Any], table: str, columns: tuple[str, ...], batch: list[Row]
) -> None:
    buffer = io.StringIO()
    for row in batch:
        buffer.write(_copy_text(row))
        buffer.write("\n")
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def _batches(plan: Plan, batch_calls: int, progress: bool) -> Iterator[tuple[list[Row], list[Row]]]:
    with tqdm(total=plan.calls, unit="call", disable=not progress, desc="calls") as bar:
        for first in range(plan.first_call_id, plan.first_call_id + plan.calls, batch_calls):
            count = min(batch_calls, plan.first_call_id + plan.calls - first)
            yield rows(plan, first, count)
            bar.update(count)


def _detach(cursor: CursorWrapper, table: str) -> list[str]:
    """Drop the table's secondary indexes, unique and foreign-key constraints.

    Returns the statements that put them back. Building an index once over the loaded rows
    is many times faster than maintaining it (and checking each foreign key) row by row.
    """
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [
        *(definition for _, definition in indexes),
        *(
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            for name, definition in constraints
        ),
    ]


def load_postgresql(
    connection: BaseDatabaseWrapper,
    plan: Plan,
    *,
    batch_calls: int = 10_000,
    progress: bool = True,
    detach: bool | None = None,
) -> None:
    """COPY the plan into PostgreSQL through a Django connection, one transaction a batch.

    ``detach`` (default: for 100,000 calls or more) drops the secondary indexes and
    constraints for the load and builds them again afterwards.
    """
    restore: list[str] = []
    if detach if detach is not None else plan.calls >= 100_000:
        with connection.cursor() as cursor:
            restore = _detach(cursor, MESSAGE_TABLE) + _detach(cursor, CALL_TABLE)
    try:
        for calls, messages in _batches(plan, batch_calls, progress):
            with (
                transaction.atomic(using=connection.alias),
                connection.connection.cursor() as cursor,
            ):
                cursor.execute("SET LOCAL synchronous_commit = off")
                # The driver's cursor skips calls.timeouts, so the session may still hold a
                # request's statement timeout; a batch (and the triggers it fires) has none.
                cursor.execute("SET LOCAL statement_timeout = 0")
                _copy(cursor, CALL_TABLE, CALL_COLUMNS, calls)
                if messages:
                    _copy(cursor, MESSAGE_TABLE, MESSAGE_COLUMNS, messages)
    finally:
        with connection.cursor() as cursor:
            if restore:
                cursor.execute("SET maintenance_work_mem = '256MB'")
            # Calls' constraints first: the messages' foreign key needs the calls' key.
            for statement in tqdm(
                list(reversed(restore)), desc="indexes", disable=not (progress and restore)
            ):
                cursor.execute(statement)
    with connection.cursor() as cursor:
        for table in (CALL_TABLE, MESSAGE_TABLE):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
            )
        # The trigger that keeps each call's transcript words (migration 0013) updated every
        # call loaded once: VACUUM frees those first versions (not inside a transaction).
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        cursor.execute(f"{command} {CALL_TABLE}")
        cursor.execute(f"{command} {MESSAGE_TABLE}")


def load_sqlite(
    connection: BaseDatabaseWrapper, plan: Plan, *, batch_calls: int = 5_000, progress: bool = True
) -> None:
    """The same through a Django SQLite connection with ``executemany``."""
    call_sql = (
        f"INSERT INTO {CALL_TABLE} ({', '.join(CALL_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(CALL_COLUMNS))})"
    )
    message_sql = (
        f"INSERT INTO {MESSAGE_TABLE} ({', '.join(MESSAGE_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(MESSAGE_COLUMNS))})"
    )
    for calls, messages in _batches(plan, batch_calls, progress):
        with transaction.atomic(using=connection.alias):
            raw = connection.connection
            raw.executemany(call_sql, [_sqlite_row(r) for r in calls])
            raw.executemany(message_sql, [_sqlite_row(r) for r in messages])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _sqlite_row(row: Row) -> Row:
    return tuple(
        v.isoformat(sep=" ").replace("+00:00", "") if isinstance(v, datetime) else v for v in row
    )


def next_ids(cursor: CursorWrapper) -> tuple[int, int]:
    """The first free call id and message id (a DB-API cursor of either database)."""
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {CALL_TABLE}")
    call_id = cursor.fetchone()[0]
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {MESSAGE_TABLE}")
    return call_id, cursor.fetchone()[0]


def load(
    connection: BaseDatabaseWrapper,
    *,
    calls: int,
    messages: int,
    progress: bool = True,
    **plan_options: Any,
) -> Plan:
    """Append ``calls`` × ``messages`` after the existing rows, through a Django connection.

    Returns the plan (its ``first_call_id`` tells which ids were loaded).
    """
    with connection.cursor() as cursor:
        first_call, first_message = next_ids(cursor)
    plan = Plan(calls, messages, first_call, first_message, **plan_options)
    if connection.vendor == "postgresql":
        load_postgresql(connection, plan, progress=progress)
    elif connection.vendor == "sqlite":
        load_sqlite(connection, plan, progress=progress)
    else:
        raise ValueError(f"no loader for {connection.vendor}")
    return plan
