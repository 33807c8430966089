"""Every write to calls and their messages: one transaction each.

Who-columns and the change indicator (``version``) are kept here and nowhere else. A change
of a message bumps its own version and its call's, so the call's ETag covers its transcript.
Recording bytes go to storage before the transaction and are removed again if it fails;
replaced or deleted recordings are removed only after the commit.
"""

import logging
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .audio.duration import recording_duration_ms
from .day_counts import finished_days_changed, is_before_today
from .models import AccessRecord, PhoneCall, TranscriptMessage
from .phones import to_e164
from .sql import history, inserts
from .sql.deletes import delete_rows

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


class Written(NamedTuple):
    """What a write of a call made: the call, and the messages it created or changed (in
    the order they were given)."""

    call: PhoneCall
    messages: list[TranscriptMessage]
    created: bool


def _stamp_created(values: dict[str, Any], actor: Actor, now) -> dict[str, Any]:
    return {
        **values,
        "created_by": actor.username,
        "creation_date": now,
        "last_updated_by": actor.username,
        "last_update_date": now,
        "last_update_login": actor.login,
    }


def _stamp_updated(instance, actor: Actor, now) -> None:
    instance.last_updated_by = actor.username
    instance.last_update_date = now
    instance.last_update_login = actor.login


_UPDATED_COLUMNS = ("last_updated_by", "last_update_date", "last_update_login")


def _with_derived(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` of a call plus the columns derived from them: the number's E.164 form."""
    if "phone_number" in values:
        return {**values, "phone_number_e164": to_e164(values["phone_number"])}
    return values


def _normalize_message(values: dict[str, Any]) -> dict[str, Any]:
    if "visibility_cd" in values and values["visibility_cd"] is None:
        return {**values, "visibility_cd": TranscriptMessage.EXTERNAL}
    return values


def _current_version(model, pk: int, *, lock: bool) -> int:
    queryset = model.objects.select_for_update() if lock else model.objects
    current = queryset.filter(pk=pk).values_list("version", flat=True).first()
    if current is None:
        raise model.DoesNotExist
    return current


def _check(current: int, expected: set[int] | None) -> None:
    if expected is not None and current not in expected:
        raise VersionMismatch(current)


def _lock_call(pk: int) -> tuple[int, str]:
    """Lock the call's row: its version and recording name as they are under the lock.

    A call of a finished day being written changes what the staff chart keeps of that day
    (``calls.day_counts``): its kept counts are forgotten after the commit.

    A recording being replaced is the one in the locked row, not the one the caller read
    before: two concurrent replacements then each remove the file the other's commit left,
    and no file is orphaned.
    """
    row = (
        PhoneCall.objects.select_for_update()
        .filter(pk=pk)
        .values_list("version", "recording", "creation_date")
        .first()
    )
    if row is None:
        raise PhoneCall.DoesNotExist
    version, recording, created = row
    if is_before_today(created):
        finished_days_changed()
    return version, recording


def _bump_call(call: PhoneCall, actor: Actor, now, expected: set[int] | None = None) -> str:
    """Lock the call's row, check the caller's expected version, then raise it by one.

    Every write to a call or its messages starts here, so writers of one call queue on its
    row lock and the version read under the lock is the one the new ETag derives from.
    Returns the recording name stored in the locked row.
    """
    current, recording = _lock_call(call.pk)
    _check(current, expected)
    PhoneCall.objects.filter(pk=call.pk).update(
        version=current + 1,
        last_updated_by=actor.username,
        last_update_date=now,
        last_update_login=actor.login,
    )
    call.version = current + 1
    _stamp_updated(call, actor, now)
    return recording


# The recordings written to storage inside ``recordings_stored_during()``, for callers
# that roll back an enclosing transaction of their own (a batch) after a write succeeded.
_stored_during: ContextVar[list[str] | None] = ContextVar("stored_recordings", default=None)


@contextmanager
def recordings_stored_during():
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

    def __init__(self, call: PhoneCall, content: bytes | File | None):
        self.call = call
        self.content = content
        self.name: str | None = None
        self.duration_ms: int | None = None

    def __enter__(self):
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

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and self.name:
            self.call.recording.storage.delete(self.name)
        return False


def _delete_file_on_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _message_rows(
    call: PhoneCall, messages: Iterable[dict[str, Any]], actor: Actor, now
) -> list[TranscriptMessage]:
    return [
        TranscriptMessage(call=call, **_stamp_created(_normalize_message(m), actor, now))
        for m in messages
    ]


def _insert_messages(call: PhoneCall, rows: list[TranscriptMessage], now):
    """Insert new messages of ``call`` and their history rows: two statements in all."""
    if rows:
        inserts.insert(TranscriptMessage, rows)
        history.record(
            TranscriptMessage, "id", [row.pk for row in rows], history.CREATED, now, user_of=call
        )
    return rows


def _update_messages(call: PhoneCall, rows: list[TranscriptMessage], fields, now) -> None:
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
    call = PhoneCall(**_stamp_created(_with_derived(values), actor, now))
    try:
        with _StoredRecording(call, recording) as stored, transaction.atomic():
            if stored.name:
                call.recording.name = stored.name
                call.recording_duration_ms = stored.duration_ms
            inserts.insert(PhoneCall, [call])
            history.record(PhoneCall, "id", [call.pk], history.CREATED, now, user_of=call)
            rows = _insert_messages(call, _message_rows(call, messages, actor, now), now)
    except IntegrityError:
        _raise_duplicate(values.get("call_number"), _given_numbers(messages))
        raise
    return Written(call, rows, created=True)


def _apply(instance, values: dict[str, Any]) -> list[str]:
    for name, value in values.items():
        setattr(instance, name, value)
    return list(values)


def _upsert_messages(
    call: PhoneCall, messages: Sequence[dict[str, Any]], actor: Actor, now
) -> list[TranscriptMessage]:
    """Update the messages matched by MessageId, then MessageNumber; add the others."""
    ids = [m["id"] for m in messages if m.get("id") is not None]
    numbers = _given_numbers(messages)
    existing = (
        list(call.messages.filter(Q(id__in=ids) | Q(message_number__in=numbers)))
        if (ids or numbers)
        else []
    )
    by_id = {m.id: m for m in existing}
    by_number = {m.message_number: m for m in existing}

    result, changed, new, fields = [], [], [], set()
    for index, values in enumerate(messages):
        values = _normalize_message(dict(values))
        message_id = values.pop("id", None)
        if message_id is not None:
            match = by_id.get(message_id)
            if match is None:
                raise MessageNotFound(index, message_id)
        else:
            match = by_number.get(values.get("message_number"))
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
    _update_messages(call, changed, [*sorted(fields), *_UPDATED_COLUMNS, "version"], now)
    _insert_messages(call, new, now)
    return result


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
            _apply(call, values)
            if stored.name or clear_recording:
                call.recording.name = stored.name or ""
                call.recording_duration_ms = stored.duration_ms
            fields = [*values, *_UPDATED_COLUMNS]
            if stored.name or clear_recording:
                fields.extend(("recording", "recording_duration_ms"))
                _delete_file_on_commit(call.recording.storage, old_recording)
            call.save(update_fields=fields)
            if messages:
                rows = _upsert_messages(call, messages, actor, now)
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
    attempts: int = 5,
) -> Written:
    """Update the call matching ``call_id``, else ``call_number``; create it if none does.

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


def _delete_messages_with_history(call: PhoneCall, now) -> None:
    """Delete a call's messages in a constant number of queries, history included.

    Django's cascade would send a signal per message and django-simple-history would then
    insert one history row per message; they are copied in one statement here instead, and the
    messages deleted with one DELETE that sends no signals (none else listens to them).
    """
    history.record(TranscriptMessage, "call", [call.pk], history.DELETED, now, user_of=call)
    delete_rows(TranscriptMessage.objects.filter(call=call))


def phone_call_delete(*, call: PhoneCall, expected_version: set[int] | None = None) -> None:
    """Delete a call, its messages and, after the commit, its recording."""
    with transaction.atomic():
        current, name = _lock_call(call.pk)
        _check(current, expected_version)
        _delete_messages_with_history(call, timezone.now())
        call.delete()
        _delete_file_on_commit(call.recording.storage, name)


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
            (message,) = _message_rows(call, [values], actor, now)
            message.save(force_insert=True)
    except IntegrityError:
        _raise_duplicate(None, _given_numbers([values]))
        raise
    message.call = call
    return message


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
        current = _current_version(TranscriptMessage, message.pk, lock=False)
        _check(current, expected_version)
        fields = _apply(message, values)
        _stamp_updated(message, actor, now)
        message.version = current + 1
        message.save(update_fields=[*fields, *_UPDATED_COLUMNS, "version"])
    return message


def message_delete(
    *, actor: Actor, message: TranscriptMessage, expected_version: set[int] | None = None
) -> None:
    now = timezone.now()
    with transaction.atomic():
        _bump_call(message.call, actor, now)
        _check(_current_version(TranscriptMessage, message.pk, lock=False), expected_version)
        message.delete()


def _normalize_message_instance(message: TranscriptMessage) -> None:
    # A null or blank visibility reads as EXTERNAL (Oracle); store it that way.
    if not (message.visibility_cd or "").strip():
        message.visibility_cd = TranscriptMessage.EXTERNAL


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
) -> PhoneCall:
    """Save a call as edited in the admin, with its inline messages, in one transaction.

    The admin hands over unsaved instances that already carry the edited values:
    ``call`` (new when it has no pk) with the names of its ``changed_fields``, new message
    rows, changed ones with their changed fields, and deleted ones. A new call starts at
    version 1 like one made by ``phone_call_create``; an existing one is bumped once when
    anything about it or its transcript changed, and left alone when nothing did.
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
    old_recording = ""
    if adding or "phone_number" in changed_fields:
        call.phone_number_e164 = to_e164(call.phone_number)
    if adding:
        # Stamped first: the recording's storage path is made from the creation date.
        for name, value in _stamp_created({}, actor, now).items():
            setattr(call, name, value)
    try:
        with _StoredRecording(call, recording) as stored, transaction.atomic():
            if not adding:
                old_recording = _bump_call(call, actor, now)
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
                names: set[str] = set()
                for message, fields in changed_messages:
                    names.update(f for f in fields if f not in ("version", "message_number"))
                    _stamp_updated(message, actor, now)
                    message.version += 1
                _update_messages(
                    call,
                    [m for m, _ in changed_messages],
                    [*sorted(names), *_UPDATED_COLUMNS, "version"],
                    now,
                )
            if new_messages:
                for message in new_messages:
                    message.call = call
                    for name, value in _stamp_created({}, actor, now).items():
                        setattr(message, name, value)
                _insert_messages(call, new_messages, now)
    except IntegrityError:
        _raise_duplicate(
            call.call_number if adding else None,
            [m.message_number for m in new_messages if m.message_number],
        )
        raise
    return call


# Retention (``manage.py purge_calls``). A purge is a deletion for privacy's sake, so it also
# deletes the change history of what it removes: a transcript's old versions would otherwise
# keep its words. Each function takes the calls of one batch as a queryset of the purge's
# condition and re-reads them under their row locks, so a call changed meanwhile is judged
# again (a call restored from DeletedFlag is left alone).

PURGER = Actor("purge_calls")


def _delete_files_quietly(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            # The row no longer names the file: ``sweep_recordings`` finds it later.
            logger.exception("purge: could not delete recording %s", name)


def _touch_purged(ids: list[int], now) -> None:
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


def purge_recordings(calls: QuerySet[PhoneCall], *, now) -> int:
    """Clear the recordings of ``calls``; their files are deleted after the commit."""
    storage = PhoneCall._meta.get_field("recording").storage
    with transaction.atomic():
        finished_days_changed()
        rows = list(calls.select_for_update().exclude(recording="").values_list("id", "recording"))
        ids = [pk for pk, _ in rows]
        PhoneCall.objects.filter(id__in=ids).update(recording="", recording_duration_ms=None)
        _touch_purged(ids, now)
        names = [name for _, name in rows]
        transaction.on_commit(lambda: _delete_files_quietly(storage, names))
    return len(ids)


def purge_transcripts(calls: QuerySet[PhoneCall], *, now) -> tuple[int, int]:
    """Delete the messages of ``calls`` and their history: (calls, messages) purged."""
    with transaction.atomic():
        finished_days_changed()
        ids = list(calls.select_for_update().values_list("id", flat=True))
        deleted = _purge_messages(ids)
        _touch_purged(ids, now)
    return len(ids), deleted


def purge_calls(calls: QuerySet[PhoneCall]) -> int:
    """Delete ``calls`` with their messages and history; recordings go after the commit."""
    storage = PhoneCall._meta.get_field("recording").storage
    with transaction.atomic():
        finished_days_changed()
        rows = list(calls.select_for_update().values_list("id", "recording"))
        ids = [pk for pk, _ in rows]
        _purge_messages(ids)
        # What refers to a call, handled here so the DELETE needs no per-row signals (whose
        # history rows the purge would only delete again); test_purge checks this list
        # against the models.
        AccessRecord.objects.filter(call_id__in=ids).update(call=None)
        delete_rows(PhoneCall.objects.filter(id__in=ids))
        PhoneCall.history.filter(id__in=ids).delete()
        names = [name for _, name in rows if name]
        transaction.on_commit(lambda: _delete_files_quietly(storage, names))
    return len(ids)


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
