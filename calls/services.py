"""Every write to calls and their messages: one transaction each.

Who-columns and the change indicator (``version``) are kept here and nowhere else. A change
of a message bumps its own version and its call's, so the call's ETag covers its transcript.
Recording bytes go to storage before the transaction and are removed again if it fails;
replaced or deleted recordings are removed only after the commit.
"""

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from . import declarations, redaction, timing
from .audio.duration import recording_duration_ms
from .day_counts import finished_days_changed, is_before_today
from .models import AccessRecord, CustomAttribute, ErasureRecord, PhoneCall, TranscriptMessage
from .phones import to_e164
from .redaction import existing
from .sql import history
from .sql.deletes import delete_rows
from .webhooks import events
from .webhooks.outbox import record as record_events
from .webhooks.outbox import record_call as record_call_events

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the username for the who-columns and an id of the login."""

    username: str
    login: str | None = None


class ServiceError(Exception):
    """A write refused for a reason the caller can act on; nothing was written.

    Errors name model fields; each dialect (the Oracle API, the import) says them in its own
    words.
    """


class DuplicateNumber(ServiceError):
    """A call or message number that must be unique is already taken."""

    def __init__(self, model: type[PhoneCall | TranscriptMessage], field: str, value: str):
        super().__init__(f"{model.__name__}.{field} {value!r} already exists")
        self.model = model
        self.field = field
        self.value = value


class MissingValue(ServiceError):
    """A value the database needs on create was not given."""

    def __init__(self, field: str):
        super().__init__(f"{field} is required")
        self.field = field


class VersionMismatch(ServiceError):
    """The caller's expected version (its ETag) is not the current one."""

    def __init__(self, current: int):
        super().__init__(f"the current version is {current}")
        self.current = current


class StorageUnavailable(ServiceError):
    """The recording could not be written to storage; nothing else was written."""


class MessageNotFound(ServiceError):
    """An upsert named a message id that is not a message of the call."""

    def __init__(self, index: int, message_id: int):
        super().__init__(f"message {message_id} is not a message of this call")
        self.index = index
        self.message_id = message_id


class CallOnHold(ServiceError):
    """The call is on legal hold: neither it nor any of its messages (``messages``) can be
    deleted until the hold is released (a hold preserves the record; edits stay allowed,
    the history keeps the versions they replace)."""

    def __init__(self, call_number: str, *, messages: bool = False):
        what = "its transcript messages cannot be deleted" if messages else "it cannot be deleted"
        super().__init__(f"call {call_number} is on legal hold: {what}")
        self.call_number = call_number
        self.messages = messages


class InvalidTiming(ServiceError):
    """A message's start or end offset is negative, or its end comes before its start.

    ``index``: the message's position among those a write was given (None: the only one);
    ``name``: the custom attribute at fault.
    """

    def __init__(self, index: int | None, name: str, detail: str):
        super().__init__(f"{name} {detail}")
        self.index = index
        self.name = name
        self.detail = detail


class Written(NamedTuple):
    """What a write of a call made: the call, and the messages it created or changed (in
    the order they were given)."""

    call: PhoneCall
    messages: list[TranscriptMessage]
    created: bool


def _stamp_created(values: dict[str, Any], actor: Actor, now: datetime) -> dict[str, Any]:
    if "custom" in values:
        values = {**values, "custom": _merged_custom({}, values["custom"])}
    return {
        **values,
        "created_by": actor.username,
        "creation_date": now,
        "last_updated_by": actor.username,
        "last_update_date": now,
        "last_update_login": actor.login,
    }


def _stamp_updated(instance: PhoneCall | TranscriptMessage, actor: Actor, now: datetime) -> None:
    instance.last_updated_by = actor.username
    instance.last_update_date = now
    instance.last_update_login = actor.login


_UPDATED_COLUMNS = ("last_updated_by", "last_update_date", "last_update_login")


def _with_derived(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` of a call plus the columns derived from them: the number's E.164 form."""
    if "phone_number" in values:
        return {**values, "phone_number_e164": to_e164(values["phone_number"])}
    return values


def _derive_call_time(call: PhoneCall) -> bool:
    """Set ``call_time`` from the call's custom values (its start) or its creation date;
    whether it changed. A call that now happened on a finished day changes that day's
    count on the staff chart (a call moved away from one is seen by ``_lock_call``)."""
    moment = timing.call_time(call.custom, call.creation_date)
    if moment == call.call_time:
        return False
    call.call_time = moment
    if is_before_today(moment):
        finished_days_changed()
    return True


def _check_timing(messages: Iterable[TranscriptMessage], *, single: bool = False) -> None:
    """Refuse messages whose times, as they will be stored, break ``0 <= start <= end``."""
    for index, message in enumerate(messages):
        found = timing.problem(message.custom)
        if found is not None:
            raise InvalidTiming(None if single else index, found.name, found.detail)


def _normalize_message(values: dict[str, Any]) -> dict[str, Any]:
    if "visibility_cd" in values and values["visibility_cd"] is None:
        return {**values, "visibility_cd": TranscriptMessage.EXTERNAL}
    return values


def _current_version(model: type[PhoneCall | TranscriptMessage], pk: int, *, lock: bool) -> int:
    queryset = model.objects.select_for_update() if lock else model.objects
    current = queryset.filter(pk=pk).values_list("version", flat=True).first()
    if current is None:
        raise model.DoesNotExist
    return current


def _check(current: int, expected: set[int] | None) -> None:
    if expected is not None and current not in expected:
        raise VersionMismatch(current)


def _lock_call(pk: int, *, deleting_messages_of: str | None = None) -> tuple[int, str]:
    """Lock the call's row: its version and recording name as they are under the lock.

    A call of a finished day (by its ``call_time``) being written changes what the staff
    chart keeps of that day (``calls.day_counts``): its kept counts are forgotten after the
    commit.

    A recording being replaced is the one in the locked row, not the one the caller read
    before: two concurrent replacements then each remove the file the other's commit left,
    and no file is orphaned.

    ``deleting_messages_of`` (the call's number): the write deletes messages, which a hold
    refuses (``CallOnHold``), as the locked row says.
    """
    row = (
        PhoneCall.objects.select_for_update()
        .filter(pk=pk)
        .values_list("version", "recording", "call_time", "legal_hold_since")
        .first()
    )
    if row is None:
        raise PhoneCall.DoesNotExist
    version, recording, happened, held = row
    if deleting_messages_of is not None and held is not None:
        raise CallOnHold(deleting_messages_of, messages=True)
    if is_before_today(happened):
        finished_days_changed()
    return version, recording


def _bump_call(
    call: PhoneCall,
    actor: Actor,
    now: datetime,
    expected: set[int] | None = None,
    *,
    deleting_messages: bool = False,
) -> str:
    """Lock the call's row, check the caller's expected version, then raise it by one.

    Every write to a call or its messages starts here, so writers of one call queue on its
    row lock and the version read under the lock is the one the new ETag derives from.
    Returns the recording name stored in the locked row.
    """
    current, recording = _lock_call(
        call.pk, deleting_messages_of=call.call_number if deleting_messages else None
    )
    _check(current, expected)
    _raise_version(call, current, actor, now)
    return recording


def _raise_version(call: PhoneCall, current: int, actor: Actor, now: datetime) -> None:
    """Raise the locked call's version (read as ``current`` under the lock) by one."""
    PhoneCall.objects.filter(pk=call.pk).update(
        version=current + 1,
        last_updated_by=actor.username,
        last_update_date=now,
        last_update_login=actor.login,
    )
    call.version = current + 1
    _stamp_updated(call, actor, now)


# The recordings written to storage inside ``recordings_stored_during()``, for callers
# that roll back an enclosing transaction of their own (a batch) after a write succeeded.
_stored_during: ContextVar[list[str] | None] = ContextVar("stored_recordings", default=None)


@contextmanager
def recordings_stored_during() -> Iterator[list[str]]:
    """Collect the storage names of the recordings written inside the block."""
    names: list[str] = []
    token = _stored_during.set(names)
    try:
        yield names
    finally:
        _stored_during.reset(token)


def discard_recordings(names: Iterable[str]) -> None:
    """Remove recordings whose rows were rolled back (see ``recordings_stored_during``)."""
    storage = PhoneCall._meta.get_field("recording").storage
    for name in names:
        storage.delete(name)


class _StoredRecording:
    """A recording written to storage ahead of a transaction; removed if that fails.

    Its duration is read from its metadata on the way (``duration_ms``; None when unknown),
    outside the transaction like the write itself.
    """

    def __init__(self, call: PhoneCall, content: bytes | File | None) -> None:
        self.call = call
        self.content = content
        self.name: str | None = None
        self.duration_ms: int | None = None

    def __enter__(self) -> "_StoredRecording":
        if self.content is not None:
            self.duration_ms = recording_duration_ms(self.content)
            upload = self.content if isinstance(self.content, File) else ContentFile(self.content)
            field = self.call.recording
            try:
                self.name = field.storage.save(
                    field.field.generate_filename(self.call, "r"), upload
                )
            except Exception as error:  # any backend's failure: disk, network, credentials
                raise StorageUnavailable(str(error)) from error
            collector = _stored_during.get()
            if collector is not None:
                collector.append(self.name)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        if exc_type is not None and self.name:
            self.call.recording.storage.delete(self.name)
        return False


def _delete_file_on_commit(storage: Storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _message_rows(
    call: PhoneCall, messages: Iterable[dict[str, Any]], actor: Actor, now: datetime
) -> list[TranscriptMessage]:
    return [
        TranscriptMessage(call=call, **_stamp_created(_normalize_message(m), actor, now))
        for m in messages
    ]


def _insert_messages(
    call: PhoneCall, rows: list[TranscriptMessage], now: datetime
) -> list[TranscriptMessage]:
    """Insert new messages of ``call`` and their history rows: one statement on PostgreSQL,
    two elsewhere (``history.inserted``)."""
    history.inserted(TranscriptMessage, rows, now, user_of=call)
    return rows


def _update_messages(
    call: PhoneCall, rows: list[TranscriptMessage], fields: Sequence[str], now: datetime
) -> None:
    """Save ``fields`` of changed messages of ``call`` and their history rows."""
    if rows:
        TranscriptMessage.objects.bulk_update(rows, fields)
        history.record(
            TranscriptMessage, "id", [row.pk for row in rows], history.CHANGED, now, user_of=call
        )


def _raise_duplicate(call_number: str | None, message_numbers: Sequence[str]) -> None:
    """After an IntegrityError: name the number that is taken, if one is."""
    if call_number is not None and PhoneCall.objects.filter(call_number=call_number).exists():
        raise DuplicateNumber(PhoneCall, "call_number", call_number)
    taken = (
        TranscriptMessage.objects.filter(message_number__in=message_numbers)
        .values_list("message_number", flat=True)
        .first()
    )
    if taken:
        raise DuplicateNumber(TranscriptMessage, "message_number", taken)
    duplicates = {n for n in message_numbers if message_numbers.count(n) > 1}
    if duplicates:
        raise DuplicateNumber(TranscriptMessage, "message_number", sorted(duplicates)[0])


def _given_numbers(messages: Sequence[dict[str, Any]]) -> list[str]:
    return [m["message_number"] for m in messages if m.get("message_number") is not None]


def _created_events(recording: str | None) -> list[str]:
    # A create is one write: the call, with its recording when it came along.
    return [events.CALL_CREATED, *([events.RECORDING_STORED] if recording else [])]


def _updated_events(*, values: bool, messages: bool, stored: bool, removed: bool) -> list[str]:
    """The webhook events of one update: each kind of change once, however many rows."""
    return [
        name
        for name, happened in (
            (events.CALL_UPDATED, values),
            (events.TRANSCRIPT_UPDATED, messages),
            (events.RECORDING_STORED, stored),
            (events.RECORDING_REMOVED, removed),
        )
        if happened
    ]


def phone_call_create(
    *,
    actor: Actor,
    values: dict[str, Any],
    messages: Sequence[dict[str, Any]] = (),
    recording: bytes | File | None = None,
) -> Written:
    """Create a call and its messages (in the order given) in one transaction."""
    if values.get("interaction_id") is None:
        raise MissingValue("interaction_id")
    now = timezone.now()
    messages = redaction.redact_messages(messages, own_number=values.get("phone_number"))
    call = PhoneCall(**_stamp_created(_with_derived(values), actor, now))
    try:
        with _StoredRecording(call, recording) as stored, transaction.atomic():
            _derive_call_time(call)
            if stored.name:
                call.recording.name = stored.name
                call.recording_duration_ms = stored.duration_ms
            history.inserted(PhoneCall, [call], now, user_of=call)
            rows = _message_rows(call, messages, actor, now)
            _check_timing(rows)
            rows = _insert_messages(call, rows, now)
            record_call_events(_created_events(stored.name), call.pk, call.call_number, now)
    except IntegrityError:
        _raise_duplicate(values.get("call_number"), _given_numbers(messages))
        raise
    return Written(call, rows, created=True)


def _merged_custom(stored: dict[str, Any] | None, sent: dict[str, Any]) -> dict[str, Any]:
    """Custom attribute values: ``stored`` with those ``sent``, where null removes one.

    Names not sent stay as they are, among them the values of declarations since removed
    (they show again when the attribute is declared again).
    """
    result = dict(stored or {})
    for name, value in sent.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def _fresh_custom(model: type[PhoneCall | TranscriptMessage], pk: int) -> dict[str, Any]:
    """The stored custom values, read under the call's row lock: a concurrent write of
    another custom attribute of the same row is merged, not overwritten."""
    return model.objects.filter(pk=pk).values_list("custom", flat=True).get()


def _apply(instance: PhoneCall | TranscriptMessage, values: dict[str, Any]) -> list[str]:
    for name, value in values.items():
        if name == "custom":
            value = _merged_custom(instance.custom, value)
        setattr(instance, name, value)
    return list(values)


def _last_message_text(call: PhoneCall, before: int | None = None) -> redaction.Previous:
    """The stored text of the call's last message (before message id ``before``), asked
    for only when redaction needs the conversation's context (one query then)."""

    def read() -> str | None:
        messages = TranscriptMessage.objects.filter(call_id=call.pk)
        if before is not None:
            messages = messages.filter(id__lt=before)
        return messages.order_by("-id").values_list("message_content", flat=True).first()

    return read


def _match_messages(
    call: PhoneCall, messages: Sequence[dict[str, Any]]
) -> list[TranscriptMessage | None]:
    """The existing message of ``call`` each one names: by MessageId, then MessageNumber.

    A MessageId that is not a message of the call is refused; an unmatched number is new.
    """
    ids = [m["id"] for m in messages if m.get("id") is not None]
    numbers = _given_numbers(messages)
    existing = (
        list(call.messages.filter(Q(id__in=ids) | Q(message_number__in=numbers)))
        if (ids or numbers)
        else []
    )
    by_id = {m.id: m for m in existing}
    by_number = {m.message_number: m for m in existing}
    matches: list[TranscriptMessage | None] = []
    for index, values in enumerate(messages):
        message_id = values.get("id")
        if message_id is not None:
            match = by_id.get(message_id)
            if match is None:
                raise MessageNotFound(index, message_id)
        else:
            number = values.get("message_number")
            match = by_number.get(number) if number is not None else None
        matches.append(match)
    return matches


def _write_messages(
    call: PhoneCall,
    messages: Sequence[dict[str, Any]],
    matches: Sequence[TranscriptMessage | None],
    actor: Actor,
    now: datetime,
    *,
    single: bool = False,
) -> list[TranscriptMessage]:
    """Update each matched message with its values and add the unmatched ones.

    ``single``: one message was sent on its own (its errors name no position)."""
    result, changed, new, fields = [], [], [], set()
    for values, match in zip(messages, matches, strict=True):
        values = _normalize_message(dict(values))
        values.pop("id", None)
        if match is None:
            row = TranscriptMessage(call=call, **_stamp_created(values, actor, now))
            new.append(row)
        else:
            values.pop("message_number", None)
            fields.update(_apply(match, values))
            _stamp_updated(match, actor, now)
            match.version += 1
            changed.append(match)
            row = match
        result.append(row)
    _check_timing(result, single=single)
    _update_messages(call, changed, [*sorted(fields), *_UPDATED_COLUMNS, "version"], now)
    _insert_messages(call, new, now)
    return result


def _upsert_messages(
    call: PhoneCall, messages: Sequence[dict[str, Any]], actor: Actor, now: datetime
) -> list[TranscriptMessage]:
    """Update the messages matched by MessageId, then MessageNumber; add the others."""
    messages = redaction.redact_messages(
        messages, own_number=call.phone_number, previous=_last_message_text(call)
    )
    return _write_messages(call, messages, _match_messages(call, messages), actor, now)


def phone_call_update(
    *,
    actor: Actor,
    call: PhoneCall,
    values: dict[str, Any],
    messages: Sequence[dict[str, Any]] | None = None,
    recording: bytes | File | None = None,
    clear_recording: bool = False,
    expected_version: set[int] | None = None,
) -> Written:
    """Change the attributes given (a PATCH), and upsert nested messages if any.

    ``expected_version``: the versions the caller's If-Match accepts (None: any).
    """
    now = timezone.now()
    rows: list[TranscriptMessage] = []
    try:
        with _StoredRecording(call, recording) as stored, transaction.atomic():
            old_recording = _bump_call(call, actor, now, expected_version)
            values = _with_derived(values)
            if "custom" in values:
                call.custom = _fresh_custom(PhoneCall, call.pk)
            _apply(call, values)
            if stored.name or clear_recording:
                call.recording.name = stored.name or ""
                call.recording_duration_ms = stored.duration_ms
            fields = [*values, *_UPDATED_COLUMNS]
            if "custom" in values and _derive_call_time(call):
                fields.append("call_time")
            if stored.name or clear_recording:
                fields.extend(("recording", "recording_duration_ms"))
                _delete_file_on_commit(call.recording.storage, old_recording)
            call.save(update_fields=fields)
            if messages:
                rows = _upsert_messages(call, messages, actor, now)
            record_call_events(
                _updated_events(
                    values=bool(values),
                    messages=bool(messages),
                    stored=bool(stored.name),
                    removed=clear_recording and bool(old_recording),
                ),
                call.pk,
                call.call_number,
                now,
            )
    except IntegrityError:
        _raise_duplicate(None, _given_numbers(messages or ()))
        raise
    return Written(call, rows, created=False)


def phone_call_upsert(
    *,
    actor: Actor,
    call_id: int | None,
    values: dict[str, Any],
    messages: Sequence[dict[str, Any]] = (),
    recording: bytes | File | None = None,
    authorize: Callable[[PhoneCall | None], None] | None = None,
    attempts: int = 5,
) -> Written:
    """Update the call matching ``call_id``, else ``call_number``; create it if none does.

    ``authorize`` is called with the match (None: a create) before anything is written;
    whatever it raises refuses the upsert, so the permission can depend on what it does.
    The database's unique constraint decides races: a concurrent creator of the same
    CallNumber makes our insert fail, and the retry then finds and updates its row.
    """
    call_number = values.get("call_number")
    for attempt in range(attempts):
        with transaction.atomic():
            match = None
            if call_id is not None:
                match = PhoneCall.objects.select_for_update().filter(pk=call_id).first()
            if match is None and call_number:
                match = (
                    PhoneCall.objects.select_for_update().filter(call_number=call_number).first()
                )
            if authorize is not None:
                authorize(match)
            if match is not None:
                update = {k: v for k, v in values.items() if k != "call_number"}
                return phone_call_update(
                    actor=actor,
                    call=match,
                    values=update,
                    messages=messages,
                    recording=recording,
                )
        try:
            return phone_call_create(
                actor=actor, values=values, messages=messages, recording=recording
            )
        except DuplicateNumber as duplicate:
            if duplicate.model is not PhoneCall or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def phone_call_delete(*, call: PhoneCall, expected_version: set[int] | None = None) -> None:
    """Delete a call, its messages and their history rows and, after the commit, its
    recording; a call on legal hold (as its locked row says) is refused with ``CallOnHold``.
    """
    with transaction.atomic():
        row = (
            PhoneCall.objects.select_for_update()
            .filter(pk=call.pk)
            .values_list("version", "recording", "legal_hold_since")
            .first()
        )
        if row is None:
            raise PhoneCall.DoesNotExist
        current, name, held = row
        if held is not None:
            raise CallOnHold(call.call_number)
        _check(current, expected_version)
        record_call_events([events.CALL_DELETED], call.pk, call.call_number, timezone.now())
        _erase_calls([(call.pk, name)])


def phone_call_set_recording(
    *, actor: Actor, call: PhoneCall, content: File | bytes | None
) -> PhoneCall:
    """Replace the recording with ``content``, or clear it when ``content`` is None."""
    return phone_call_update(
        actor=actor, call=call, values={}, recording=content, clear_recording=content is None
    ).call


def message_create(*, actor: Actor, call: PhoneCall, values: dict[str, Any]) -> TranscriptMessage:
    now = timezone.now()
    try:
        with transaction.atomic():
            _bump_call(call, actor, now)
            (values,) = redaction.redact_messages(
                [values], own_number=call.phone_number, previous=_last_message_text(call)
            )
            (message,) = _message_rows(call, [values], actor, now)
            _check_timing([message], single=True)
            message.save(force_insert=True)
            record_call_events([events.TRANSCRIPT_UPDATED], call.pk, call.call_number, now)
    except IntegrityError:
        _raise_duplicate(None, _given_numbers([values]))
        raise
    message.call = call
    return message


def message_upsert(
    *,
    actor: Actor,
    call: PhoneCall,
    values: dict[str, Any],
    authorize: Callable[[TranscriptMessage | None], None] | None = None,
) -> tuple[TranscriptMessage, bool]:
    """Update the message of ``call`` matching ``values`` (MessageId, then MessageNumber) or
    add it: ``(message, created)``.

    The call's row is locked before the match is looked up, so a concurrent writer of the
    call cannot delete or add the match in between; ``authorize`` is called with the match
    (None: a create) before anything is written.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            current, _ = _lock_call(call.pk)
            (match,) = _match_messages(call, [values])
            if authorize is not None:
                authorize(match)
            _raise_version(call, current, actor, now)
            (values,) = redaction.redact_messages(
                [values],
                own_number=call.phone_number,
                previous=_last_message_text(call, before=match.pk if match else None),
            )
            (message,) = _write_messages(call, [values], [match], actor, now, single=True)
    except IntegrityError:
        _raise_duplicate(None, _given_numbers([values]))
        raise
    message.call = call
    return message, match is None


def message_update(
    *,
    actor: Actor,
    message: TranscriptMessage,
    values: dict[str, Any],
    expected_version: set[int] | None = None,
) -> TranscriptMessage:
    """Change the attributes given; ``expected_version`` is the message's If-Match."""
    now = timezone.now()
    values = _normalize_message(values)
    with transaction.atomic():
        _bump_call(message.call, actor, now)  # the call's row lock guards its messages too
        (values,) = redaction.redact_messages(
            [values],
            own_number=message.call.phone_number,
            previous=_last_message_text(message.call, before=message.pk),
        )
        current = _current_version(TranscriptMessage, message.pk, lock=False)
        _check(current, expected_version)
        if "custom" in values:
            message.custom = _fresh_custom(TranscriptMessage, message.pk)
        fields = _apply(message, values)
        _check_timing([message], single=True)
        _stamp_updated(message, actor, now)
        message.version = current + 1
        message.save(update_fields=[*fields, *_UPDATED_COLUMNS, "version"])
        call = message.call
        record_call_events([events.TRANSCRIPT_UPDATED], call.pk, call.call_number, now)
    return message


def message_delete(
    *, actor: Actor, message: TranscriptMessage, expected_version: set[int] | None = None
) -> None:
    now = timezone.now()
    with transaction.atomic():
        _bump_call(message.call, actor, now, deleting_messages=True)
        _check(_current_version(TranscriptMessage, message.pk, lock=False), expected_version)
        message.delete()
        call = message.call
        record_call_events([events.TRANSCRIPT_UPDATED], call.pk, call.call_number, now)


def _normalize_message_instance(message: TranscriptMessage) -> None:
    # A null or blank visibility reads as EXTERNAL (Oracle); store it that way.
    if not (message.visibility_cd or "").strip():
        message.visibility_cd = TranscriptMessage.EXTERNAL


def _edit_hold(call: PhoneCall, actor: Actor, now: datetime) -> None:
    """The admin's reason field: a reason places a hold (who, when), none releases it."""
    if (call.legal_hold_reason or "").strip():
        if call.legal_hold_since is None:
            call.legal_hold_since, call.legal_hold_by = now, actor.username
    else:
        call.legal_hold_since = call.legal_hold_by = call.legal_hold_reason = None


def legal_hold_place(*, actor: Actor, calls: QuerySet[PhoneCall], reason: str) -> list[str]:
    """Put ``calls`` on legal hold with ``reason``; the numbers of those newly held (calls
    held already keep their hold as it was)."""
    if not reason.strip():
        raise MissingValue("legal_hold_reason")
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            calls.select_for_update().filter(legal_hold_since=None).values_list("id", "call_number")
        )
        ids = [pk for pk, _ in rows]
        PhoneCall.objects.filter(id__in=ids).update(
            legal_hold_since=now, legal_hold_by=actor.username, legal_hold_reason=reason.strip()
        )
        _record_hold_history(ids, now)
    return [number for _, number in rows]


def legal_hold_release(*, actor: Actor, calls: QuerySet[PhoneCall]) -> list[str]:
    """Lift the legal hold of ``calls``; the numbers of those released."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            calls.select_for_update()
            .exclude(legal_hold_since=None)
            .values_list("id", "call_number")
        )
        ids = [pk for pk, _ in rows]
        PhoneCall.objects.filter(id__in=ids).update(
            legal_hold_since=None, legal_hold_by=None, legal_hold_reason=None
        )
        _record_hold_history(ids, now)
    return [number for _, number in rows]


def _record_hold_history(ids: list[int], now: datetime) -> None:
    # The call's history shows who placed or lifted a hold, and when.
    # The user is the request's (the admin's action), none from a command.
    if ids:
        history.record(PhoneCall, "id", ids, history.CHANGED, now, user_of=PhoneCall(pk=ids[0]))


def phone_call_admin_save(
    *,
    actor: Actor,
    call: PhoneCall,
    changed_fields: Sequence[str] = (),
    new_messages: Sequence[TranscriptMessage] = (),
    changed_messages: Sequence[tuple[TranscriptMessage, Sequence[str]]] = (),
    deleted_messages: Sequence[TranscriptMessage] = (),
    recording: File | None = None,
    clear_recording: bool = False,
    expected_version: set[int] | None = None,
) -> PhoneCall:
    """Save a call as edited in the admin, with its inline messages, in one transaction.

    The admin hands over unsaved instances that already carry the edited values:
    ``call`` (new when it has no pk) with the names of its ``changed_fields``, new message
    rows, changed ones with their changed fields, and deleted ones. A new call starts at
    version 1 like one made by ``phone_call_create``; an existing one is bumped once when
    anything about it or its transcript changed, and left alone when nothing did.
    ``expected_version``: the version the admin's page was opened at, checked under the
    call's row lock (``VersionMismatch``), so two admins' saves cannot overwrite each other.
    """
    # Bulk writes send no signals: their history rows come from calls.history, with the
    # user the admin noted on the call.
    now = timezone.now()
    adding = call.pk is None
    for message in [*new_messages, *(m for m, _ in changed_messages)]:
        _normalize_message_instance(message)
    changed = bool(
        changed_fields
        or new_messages
        or changed_messages
        or deleted_messages
        or recording is not None
        or clear_recording
    )
    if not adding and not changed:
        return call
    _check_timing([*new_messages, *(m for m, _ in changed_messages)], single=True)
    old_recording = ""
    if "legal_hold_reason" in changed_fields:
        _edit_hold(call, actor, now)
        changed_fields = [*changed_fields, "legal_hold_since", "legal_hold_by"]
    if adding or "phone_number" in changed_fields:
        call.phone_number_e164 = to_e164(call.phone_number)
    if adding:
        # Stamped first: the recording's storage path is made from the creation date.
        for name, value in _stamp_created({}, actor, now).items():
            setattr(call, name, value)
    if (adding or "custom" in changed_fields) and _derive_call_time(call):
        changed_fields = [*changed_fields, "call_time"]
    try:
        with _StoredRecording(call, recording) as stored, transaction.atomic():
            if not adding:
                old_recording = _bump_call(
                    call, actor, now, expected_version, deleting_messages=bool(deleted_messages)
                )
            if stored.name or clear_recording:
                call.recording.name = stored.name or ""
                call.recording_duration_ms = stored.duration_ms
            else:
                # Whatever the form put on the instance, the stored name stays as it was.
                call.recording.name = old_recording
            if adding:
                call.save(force_insert=True)
            else:
                fields = [f for f in changed_fields if f not in ("recording", "version")]
                if "phone_number" in fields:
                    fields.append("phone_number_e164")
                if stored.name or clear_recording:
                    fields.extend(("recording", "recording_duration_ms"))
                    _delete_file_on_commit(call.recording.storage, old_recording)
                call.save(update_fields=[*dict.fromkeys(fields), *_UPDATED_COLUMNS])
            if deleted_messages:
                TranscriptMessage.objects.filter(
                    call=call, pk__in=[m.pk for m in deleted_messages]
                ).delete()
            if changed_messages:
                edited = [m for m, fields in changed_messages if "message_content" in fields]
                if edited:
                    redaction.redact_instances(
                        edited,
                        own_number=call.phone_number,
                        previous=_last_message_text(call, before=min(m.pk for m in edited)),
                    )
                names: set[str] = {"content_original"} if edited else set()
                for message, message_fields in changed_messages:
                    names.update(
                        f for f in message_fields if f not in ("version", "message_number")
                    )
                    _stamp_updated(message, actor, now)
                    message.version += 1
                _update_messages(
                    call,
                    [m for m, _ in changed_messages],
                    [*sorted(names), *_UPDATED_COLUMNS, "version"],
                    now,
                )
            if new_messages:
                redaction.redact_instances(
                    new_messages,
                    own_number=call.phone_number,
                    previous=None if adding else _last_message_text(call),
                )
                for message in new_messages:
                    message.call = call
                    for name, value in _stamp_created({}, actor, now).items():
                        setattr(message, name, value)
                _insert_messages(call, list(new_messages), now)
            record_call_events(
                _created_events(stored.name)
                if adding
                else _updated_events(
                    values=any(f not in ("recording", "version") for f in changed_fields),
                    messages=bool(new_messages or changed_messages or deleted_messages),
                    stored=bool(stored.name),
                    removed=clear_recording and bool(old_recording),
                ),
                call.pk,
                call.call_number,
                now,
            )
    except IntegrityError:
        _raise_duplicate(
            call.call_number if adding else None,
            [m.message_number for m in new_messages if m.message_number],
        )
        raise
    return call


def phone_calls_set_deleted(*, actor: Actor, calls: QuerySet[PhoneCall], deleted: bool) -> int:
    """Set DeletedFlag on ``calls`` (the admin's mark deleted / restore), in one transaction.

    Each call that changes is locked, gets its version raised by one and its who-columns
    set, like any other write; calls that already have the flag are left alone. History
    rows are copied in one statement, naming the request's user (the history middleware).
    Returns how many calls changed.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            PhoneCall.objects.select_for_update()
            .filter(pk__in=calls.order_by().values("pk"))
            .exclude(deleted_flag=deleted)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if ids:
            PhoneCall.objects.filter(pk__in=ids).update(
                deleted_flag=deleted,
                version=F("version") + 1,
                last_updated_by=actor.username,
                last_update_date=now,
                last_update_login=actor.login,
            )
            history.record(PhoneCall, "id", ids, history.CHANGED, now, user_of=PhoneCall())
    return len(ids)


# Retention (``manage.py purge_calls``). A purge is a deletion for privacy's sake, so it also
# deletes the change history of what it removes: a transcript's old versions would otherwise
# keep its words. Each function takes the calls of one batch as a queryset of the purge's
# condition and re-reads them under their row locks, so a call changed meanwhile is judged
# again (a call restored from DeletedFlag is left alone).

PURGER = Actor("purge_calls")


def _delete_files_quietly(storage: Storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            # The row no longer names the file: ``sweep_recordings`` finds it later.
            logger.exception("purge: could not delete recording %s", name)


def _touch_purged(ids: list[int], now: datetime) -> None:
    # A purge changes the call: its ETag and LastUpdateDate move, so syncing clients see it.
    PhoneCall.objects.filter(id__in=ids).update(
        version=F("version") + 1,
        last_updated_by=PURGER.username,
        last_update_date=now,
        last_update_login=PURGER.login,
    )


def _purge_messages(call_ids: list[int]) -> int:
    # Nothing refers to a message, and the history rows that per-row signals would write
    # are exactly what the purge removes next.
    count = delete_rows(TranscriptMessage.objects.filter(call_id__in=call_ids))
    TranscriptMessage.history.filter(call_id__in=call_ids).delete()
    return count


def purge_recordings(calls: QuerySet[PhoneCall], *, now: datetime) -> int:
    """Clear the recordings of ``calls``; their files are deleted after the commit."""
    storage = PhoneCall._meta.get_field("recording").storage
    with transaction.atomic():
        finished_days_changed()
        rows = list(
            calls.select_for_update()
            .filter(legal_hold_since=None)
            .exclude(recording="")
            .values_list("id", "recording", "call_number")
        )
        ids = [pk for pk, _, _ in rows]
        PhoneCall.objects.filter(id__in=ids).update(recording="", recording_duration_ms=None)
        _touch_purged(ids, now)
        record_events([events.RECORDING_REMOVED], [(pk, n) for pk, _, n in rows], now)
        names = [name for _, name, _ in rows]
        transaction.on_commit(lambda: _delete_files_quietly(storage, names))
    return len(ids)


def purge_transcripts(calls: QuerySet[PhoneCall], *, now: datetime) -> tuple[int, int]:
    """Delete the messages of ``calls`` and their history: (calls, messages) purged."""
    with transaction.atomic():
        finished_days_changed()
        rows = list(
            calls.select_for_update().filter(legal_hold_since=None).values_list("id", "call_number")
        )
        ids = [pk for pk, _ in rows]
        deleted = _purge_messages(ids)
        _touch_purged(ids, now)
        record_events([events.TRANSCRIPT_UPDATED], rows, now)
    return len(ids), deleted


def _erase_calls(rows: list[tuple[int, str]]) -> int:
    """Delete the calls of ``rows`` (id, recording name; locked by the caller) with their
    messages (kept originals included) and every history row of both; their recordings go
    after the commit. The messages deleted.

    A deletion is for good: a deleted call's history rows would keep its number and its
    words. The access records stay (who read what is the audit's), without the link.
    """
    storage = PhoneCall._meta.get_field("recording").storage
    ids = [pk for pk, _ in rows]
    finished_days_changed()  # a deleted call may have been one of a finished day's
    messages = _purge_messages(ids)
    # What refers to a call, handled here so the DELETE needs no per-row signals (whose
    # history rows would only be deleted again); test_purge checks this list against the
    # models.
    AccessRecord.objects.filter(call_id__in=ids).update(call=None)
    delete_rows(PhoneCall.objects.filter(id__in=ids))
    PhoneCall.history.filter(id__in=ids).delete()
    names = [name for _, name in rows if name]
    if names:
        transaction.on_commit(lambda: _delete_files_quietly(storage, names))
    return messages


def purge_calls(calls: QuerySet[PhoneCall]) -> int:
    """Delete ``calls`` with their messages and history; recordings go after the commit."""
    with transaction.atomic():
        rows = list(
            calls.select_for_update()
            .filter(legal_hold_since=None)
            .values_list("id", "recording", "call_number")
        )
        record_events([events.CALL_DELETED], [(pk, n) for pk, _, n in rows], timezone.now())
        _erase_calls([(pk, name) for pk, name, _ in rows])
    return len(rows)


# Custom attribute declarations. Every change tells every worker after its commit
# (``calls.declarations``): their next request speaks the new set of attributes. Values
# stored under a name stay in the calls and messages whatever happens to its declaration.


def custom_attribute_save(*, attribute: CustomAttribute) -> CustomAttribute:
    """Declare a custom attribute, or change a declaration; ``ValidationError`` if invalid."""
    attribute.updated_at = timezone.now()
    attribute.full_clean()
    with transaction.atomic():
        attribute.save()
        transaction.on_commit(declarations.changed)
    return attribute


def custom_attribute_delete(*, attribute: CustomAttribute) -> None:
    """Remove a declaration; the values stored under its name are kept (and unseen)."""
    with transaction.atomic():
        attribute.delete()
        transaction.on_commit(declarations.changed)


class LoadResult(NamedTuple):
    created: list[CustomAttribute]
    changed: list[CustomAttribute]
    unchanged: list[CustomAttribute]


def custom_attributes_load(*, attributes: Sequence[CustomAttribute]) -> LoadResult:
    """Declare each of ``attributes`` (unsaved instances), matched by resource and name:
    new ones are created, different ones changed, equal ones left alone. All or nothing:
    the first invalid one raises ``ValidationError`` and nothing is written. Declarations
    not named are kept. Loading the same file again changes nothing.
    """
    keys = [(a.resource, a.name) for a in attributes]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        resource, name = duplicates[0]
        raise ValidationError(f"{resource}.{name} is declared more than once.")
    result = LoadResult([], [], [])
    now = timezone.now()
    with transaction.atomic():
        existing = {(a.resource, a.name): a for a in CustomAttribute.objects.select_for_update()}
        for attribute in attributes:
            match = existing.get((attribute.resource, attribute.name))
            if match is not None and match.same_as(attribute):
                result.unchanged.append(match)
                continue
            if match is not None:  # changed in place: the same row, its creation kept
                for field in ("type", "max_length", "title"):
                    setattr(match, field, getattr(attribute, field))
                attribute = match
            attribute.updated_at = now
            attribute.full_clean()
            attribute.save()
            (result.created if match is None else result.changed).append(attribute)
        if result.created or result.changed:
            transaction.on_commit(declarations.changed)
    return result


# Redaction of what is stored already (``manage.py redact_transcripts``): the messages of a
# batch of calls, read in conversation order, and their history rows, so an old version of
# a message does not keep what its current text lost.

REDACTOR = Actor("redact_transcripts")


def transcripts_redact(
    call_ids: list[int], *, now: datetime, rotate_keys: bool = False, dry_run: bool = False
) -> existing.Tally:
    """Redact the stored messages of ``call_ids`` and their history rows, under the calls'
    row locks; a changed message and its call get a new version (their ETags change).
    ``dry_run`` computes the same and writes nothing."""
    tally = existing.Tally()
    message_history = history.history_model(TranscriptMessage)
    with transaction.atomic():
        numbers = dict(
            PhoneCall.objects.select_for_update()
            .filter(id__in=call_ids)
            .values_list("id", "phone_number")
        )
        messages: dict[int, list[TranscriptMessage]] = {pk: [] for pk in numbers}
        for message in (
            TranscriptMessage.objects.filter(call_id__in=numbers)
            .order_by("id")
            .only("id", "call_id", "message_content", "content_original", "version")
        ):
            messages[message.call_id].append(message)
        old_versions: dict[int, list[Any]] = {pk: [] for pk in numbers}
        for row in (
            message_history.objects.filter(call_id__in=numbers)
            .order_by("history_id")
            .only("history_id", "id", "call_id", "message_content")
        ):
            old_versions[row.call_id].append(row)
        changed_messages, changed_rows, touched = [], [], []
        for call_id, own_number in numbers.items():
            changed, context = existing.redact_conversation(
                messages[call_id], own_number=own_number, tally=tally, rotate=rotate_keys
            )
            rows = existing.redact_history(
                old_versions[call_id], context, own_number=own_number, tally=tally
            )
            changed_messages += changed
            changed_rows += rows
            if changed or rows:
                touched.append(call_id)
        for message in changed_messages:
            message.version += 1
            _stamp_updated(message, REDACTOR, now)
        TranscriptMessage.objects.bulk_update(
            changed_messages,
            ["message_content", "content_original", "version", *_UPDATED_COLUMNS],
            batch_size=500,
        )
        message_history.objects.bulk_update(changed_rows, ["message_content"], batch_size=500)
        PhoneCall.objects.filter(id__in=touched).update(
            version=F("version") + 1,
            last_updated_by=REDACTOR.username,
            last_update_date=now,
            last_update_login=REDACTOR.login,
        )
        if dry_run:
            transaction.set_rollback(True)
    tally.calls = len(touched)
    return tally


def transcript_history_redact(
    *, after: int, limit: int, dry_run: bool = False
) -> tuple[int | None, existing.Tally]:
    """Redact up to ``limit`` history rows, past history id ``after``, of messages whose
    call is gone (deleted before redaction ran); the last history id read (None: done)."""
    tally = existing.Tally()
    message_history = history.history_model(TranscriptMessage)
    with transaction.atomic():
        rows = list(
            message_history.objects.filter(history_id__gt=after)
            .exclude(call_id__in=PhoneCall.objects.values("id"))
            .order_by("history_id")
            .only("history_id", "id", "call_id", "message_content")[:limit]
        )
        if not rows:
            return None, tally
        changed = existing.redact_history(rows, {}, own_number=None, tally=tally)
        message_history.objects.bulk_update(changed, ["message_content"], batch_size=500)
        if dry_run:
            transaction.set_rollback(True)
    return rows[-1].history_id, tally


# Erasure of a data subject (``manage.py subject_erase``): every call of a phone number,
# with its messages, kept originals, recordings and history rows; calls on legal hold stay.


class Erasure(NamedTuple):
    """What an erasure did (or would do): its ledger entry, and the calls it left on hold."""

    record: ErasureRecord
    held: list[str]


def subject_erase(
    *, actor: Actor, calls: QuerySet[PhoneCall], number_hash: str, dry_run: bool = False
) -> Erasure:
    """Erase ``calls`` (the calls of one number) but those on legal hold, under their row
    locks, and write the ledger entry in the same transaction. ``dry_run``: count only; the
    entry comes back unsaved."""
    with transaction.atomic():
        rows = list(
            calls.select_for_update().values_list(
                "id", "recording", "legal_hold_since", "call_number"
            )
        )
        held = sorted(number for _, _, hold, number in rows if hold is not None)
        erased = [(pk, name) for pk, name, hold, _ in rows if hold is None]
        ids = [pk for pk, _ in erased]
        messages = TranscriptMessage.objects.filter(call_id__in=ids)
        record = ErasureRecord(
            performed_by=actor.username,
            number_hash=number_hash,
            calls_erased=len(ids),
            messages_erased=messages.count(),
            originals_erased=messages.exclude(content_original=None).count(),
            recordings_erased=sum(1 for _, name in erased if name),
            history_rows_erased=PhoneCall.history.filter(id__in=ids).count()
            + TranscriptMessage.history.filter(call_id__in=ids).count(),
            calls_on_hold_skipped=len(held),
        )
        if not dry_run:
            gone = [(pk, number) for pk, _, hold, number in rows if hold is None]
            record_events([events.CALL_DELETED], gone, timezone.now())
            _erase_calls(erased)
            record.save(force_insert=True)
    return Erasure(record, held)


# Columns derived from what a call already holds, filled for calls stored before they
# existed (``manage.py backfill_calls``) or after CALLBOOK_PHONE_REGION changed. They are no
# attribute of the contract, so filling them changes neither the version (the ETag) nor the
# who-columns, and writes no history row.


def phone_calls_fill_e164(call_ids: Sequence[int]) -> int:
    """Set the E.164 form of the numbers of ``call_ids``; returns how many changed.

    The rows are locked while they are read and written, as every write of a number locks
    its call first: a number changed meanwhile is not overwritten with its old form.
    """
    with transaction.atomic():
        calls = list(
            PhoneCall.objects.select_for_update()
            .filter(id__in=call_ids)
            .only("id", "phone_number", "phone_number_e164")
        )
        changed = []
        for call in calls:
            normalised = to_e164(call.phone_number)
            if normalised != call.phone_number_e164:
                call.phone_number_e164 = normalised
                changed.append(call)
        PhoneCall.objects.bulk_update(changed, ["phone_number_e164"], batch_size=500)
    return len(changed)


class TimesSet(NamedTuple):
    """What ``transcript_times_set`` did: how many messages got new times, and the cues
    (by identifier, or ``cue N`` without one) that name no message of the call."""

    timed: int
    unmatched: list[str]


def transcript_times_set(
    *, actor: Actor, call: PhoneCall, times: Sequence[tuple[str | None, int, int]]
) -> TimesSet:
    """Set the start and end offsets (ms) of the call's messages named by MessageNumber
    (a WebVTT import: ``(identifier, start, end)`` per cue), in one transaction.

    Only the times change: one version bump of the call, each changed message's version
    and history row, one ``transcript.updated`` event. A time that breaks
    ``0 <= start <= end`` refuses the whole import (``InvalidTiming``, by cue position).
    Nothing is written when no cue names a message, or none changes a time.
    """
    now = timezone.now()
    unmatched = [
        identifier or f"cue {index + 1}"
        for index, (identifier, _, _) in enumerate(times)
        if not identifier
    ]
    wanted = {
        identifier: (index, start, end)
        for index, (identifier, start, end) in enumerate(times)
        if identifier
    }
    for index, start, end in wanted.values():
        found = timing.problem(timing.with_offsets({}, start, end))
        if found is not None:
            raise InvalidTiming(index, found.name, found.detail)
    with transaction.atomic():
        current, _ = _lock_call(call.pk)
        messages = {
            m.message_number: m
            for m in TranscriptMessage.objects.filter(call=call, message_number__in=list(wanted))
        }
        unmatched += [identifier for identifier in wanted if identifier not in messages]
        changed = []
        for number, message in messages.items():
            _, start, end = wanted[number]
            if timing.offsets(message.custom) == (start, end):
                continue
            message.custom = timing.with_offsets(message.custom, start, end)
            _stamp_updated(message, actor, now)
            message.version += 1
            changed.append(message)
        if changed:
            _raise_version(call, current, actor, now)
            _update_messages(call, changed, ["custom", *_UPDATED_COLUMNS, "version"], now)
            record_call_events([events.TRANSCRIPT_UPDATED], call.pk, call.call_number, now)
    return TimesSet(len(changed), unmatched)


def phone_calls_fill_call_time(call_ids: Sequence[int]) -> int:
    """Set ``call_time`` of ``call_ids`` from their start (``calls.timing``) or creation
    date, under their row locks; how many changed (after ``CALLBOOK_CALL_START_ATTRIBUTE``
    changed, or for values stored before the attribute was declared)."""
    with transaction.atomic():
        calls = list(
            PhoneCall.objects.select_for_update()
            .filter(id__in=call_ids)
            .only("id", "custom", "creation_date", "call_time")
        )
        changed = [call for call in calls if _derive_call_time(call)]
        PhoneCall.objects.bulk_update(changed, ["call_time"], batch_size=500)
    if changed:
        finished_days_changed()  # a call may have left a finished day
    return len(changed)


def phone_call_fill_duration(*, call_id: int, recording: str) -> int | None:
    """Read the duration of the stored ``recording`` of call ``call_id`` and keep it.

    The file is read outside any transaction; the row is written only if it still names
    that file (a recording replaced meanwhile got its own duration from its write).
    """
    storage = PhoneCall._meta.get_field("recording").storage
    try:
        with storage.open(recording, "rb") as file:
            duration = recording_duration_ms(file)
    except FileNotFoundError:
        return None  # sweep_recordings reports rows whose file is gone
    PhoneCall.objects.filter(pk=call_id, recording=recording).update(recording_duration_ms=duration)
    return duration
