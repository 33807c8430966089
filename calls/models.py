"""The call log: phone calls and the messages of their transcripts.

Python names are snake_case; the Oracle attribute names (``CallNumber``, ``MessageContent``)
exist only in ``calls.oracle``. Every write goes through ``calls.services``, which keeps the
who-columns and the ``version`` change indicator right.
"""

import re
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


def generate_call_number() -> str:
    """A public call number for calls created without one: ``CN`` and 24 random hex digits."""
    return "CN" + secrets.token_hex(12).upper()


def generate_message_number() -> str:
    """A public message number for messages created without one."""
    return "MN" + secrets.token_hex(12).upper()


def recording_path(instance: "PhoneCall", filename: str) -> str:
    # Random names: the storage key must not reveal the phone number or be guessable.
    return f"recordings/{instance.creation_date:%Y/%m}/{secrets.token_hex(16)}"


class WhoColumns(models.Model):
    """Oracle's who-columns, set by the services from the authenticated user."""

    created_by = models.CharField(max_length=64)
    creation_date = models.DateTimeField()
    last_updated_by = models.CharField(max_length=64)
    last_update_date = models.DateTimeField()
    # An HMAC-derived id of the login session, token or Basic credential; never the secret.
    last_update_login = models.CharField(max_length=32, null=True, blank=True)

    class Meta:
        abstract = True


class PhoneCall(WhoColumns):
    """One phone call pushed by a telephony or contact-centre system.

    ``call_number`` is the public unique id (generated when the integration sends none);
    the recording's bytes live in Django's storage, never in a row. ``version`` is the
    change indicator behind the ETag: every change of the call or of one of its messages
    increases it, so a client holding an old ETag gets 412 instead of a lost update.
    """

    call_number = models.CharField(max_length=30, unique=True, default=generate_call_number)
    call_details_url = models.CharField(max_length=1000, null=True, blank=True)
    recording = models.FileField(upload_to=recording_path, max_length=255, blank=True)
    recording_format = models.CharField(max_length=64, null=True, blank=True)
    recording_url = models.CharField(max_length=1000, null=True, blank=True)
    transcript_url = models.CharField(max_length=1000, null=True, blank=True)
    deleted_flag = models.BooleanField(default=False)
    external_system_call_id = models.CharField(max_length=255, null=True, blank=True)
    interaction_id = models.BigIntegerField()
    left_message_flag = models.BooleanField(default=False)
    phone_number = models.CharField(max_length=30, null=True, blank=True)
    # The values of declared custom attributes (CustomAttribute), by their names. Values of
    # a declaration since removed stay here, unseen, and show again if it is re-declared.
    # The database's default covers rows written without it (the scale data's COPY).
    custom = models.JSONField(default=dict, db_default={}, blank=True, editable=False)
    # Derived by the services, never sent or shown by the API (not Oracle attributes): the
    # number in E.164 (calls.phones; None when it is not a possible number), and how long
    # the stored recording plays (calls.audio; None when its metadata does not say).
    phone_number_e164 = models.CharField(max_length=16, null=True, blank=True, editable=False)
    recording_duration_ms = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # When the call happened (calls.timing), derived by the services on every write: its
    # start (the custom attribute CALLBOOK_CALL_START_ATTRIBUTE names) when it has one,
    # else its creation date. The staff list's time: sorted, filtered and charted by it.
    call_time = models.DateTimeField(editable=False)
    version = models.PositiveBigIntegerField(default=1, editable=False)
    # A legal hold (calls.services.legal_hold_*): while set, the call cannot be deleted,
    # retention skips it and an erasure request leaves it. Not an API attribute.
    legal_hold_since = models.DateTimeField(null=True, blank=True, editable=False)
    legal_hold_by = models.CharField(max_length=150, null=True, blank=True, editable=False)
    legal_hold_reason = models.TextField(null=True, blank=True)
    # Who changed what and when (django-simple-history); the admin shows it.
    history = HistoricalRecords()

    # Not a column: the display names of the call's agents, set on the staff list's rows
    # by calls.staff.selectors.phone_call_page (one query for the page).
    agents: list[str]
    # Not a column: the user django-simple-history names in the history of the next save,
    # set by the admin (PhoneCallAdmin.save_model).
    _history_user: "AbstractBaseUser | AnonymousUser"

    class Meta:
        ordering = ["id"]
        indexes = [
            # q=PhoneNumber = '...' and the staff search by number.
            models.Index(fields=["phone_number"], name="call_phone_number_idx"),
            # q=PhoneNumber 555* (v1) and LIKE '+1415%': on PostgreSQL a prefix LIKE can use
            # a btree only with the pattern operator class (under a non-C collation).
            models.Index(
                fields=["phone_number"],
                name="call_phone_prefix_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            # q=ExternalSystemCallId=...: telephony systems look their own call up.
            models.Index(fields=["external_system_call_id"], name="call_external_id_idx"),
            # q=InteractionId=...: reads of the calls of one interaction.
            models.Index(fields=["interaction_id"], name="call_interaction_idx"),
            # orderBy=CreationDate / q on CreationDate; retention by age.
            models.Index(fields=["creation_date", "id"], name="call_creation_idx"),
            # Incremental sync: q=LastUpdateDate > '...'.
            models.Index(fields=["last_update_date", "id"], name="call_update_idx"),
            # The staff list's order (newest first by default), its date filters and the
            # calls-per-day chart: when the call happened.
            models.Index(fields=["call_time", "id"], name="call_time_idx"),
            # Caller history: the other calls of one number, newest first, and their count;
            # the staff list's caller filter and its normalised number search.
            models.Index(
                fields=["phone_number_e164", "call_time", "id"], name="call_phone_e164_idx"
            ),
            # The staff list sorted by duration (shortest first, unknown last) and its
            # "longer than / shorter than" filter. Longest first is served on PostgreSQL by
            # call_duration_desc_idx (DESC NULLS LAST), made by migration 0006 on PostgreSQL
            # only: SQLite cannot index NULLS LAST.
            models.Index(fields=["recording_duration_ms", "id"], name="call_duration_idx"),
        ]

    def __str__(self) -> str:
        return self.call_number


class TranscriptMessage(WhoColumns):
    """One message of a call's transcript, kept in the order it was given (by ``id``).

    ``message_content`` is the UTF-8 text (the API speaks it as base64). A missing
    visibility is stored as ``EXTERNAL``, which is how Oracle reads a null.
    """

    EXTERNAL = "EXTERNAL"
    INTERNAL = "INTERNAL"
    # The role of the staff member who took the call (the staff list's agent column).
    AGENT = "AGENT"

    # No index of its own: message_call_order_idx starts with call_id and serves the FK.
    call = models.ForeignKey(
        PhoneCall, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    message_number = models.CharField(max_length=30, unique=True, default=generate_message_number)
    message_content = models.TextField(null=True, blank=True)
    message_type_cd = models.CharField(max_length=30, null=True, blank=True)
    posted_by_display_name = models.CharField(max_length=64, null=True, blank=True)
    posted_by_party_id = models.CharField(max_length=30, null=True, blank=True)
    role_cd = models.CharField(max_length=30, null=True, blank=True)
    visibility_cd = models.CharField(max_length=30, default=EXTERNAL)
    deleted_flag = models.BooleanField(default=False)
    # The values of declared custom message attributes, as on PhoneCall.
    custom = models.JSONField(default=dict, db_default={}, blank=True, editable=False)
    # The message's own change indicator (its ETag); a change also bumps the call's version.
    version = models.PositiveBigIntegerField(default=1, editable=False)
    # Under CALLBOOK_REDACTION_POLICY=redacted+original: the text as said (without card
    # security codes, which are never kept), Fernet-encrypted (calls.redaction.crypto).
    # Null when nothing was redacted. Never rendered, never in history, read only through
    # calls.redaction.originals (a permission and an access record per read).
    content_original = models.TextField(null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["content_original"])

    class Meta:
        ordering = ["id"]
        permissions = [
            ("view_unredacted_transcript", "Can view the unredacted original of a transcript"),
        ]
        indexes = [
            # A call's transcript in order: WHERE call_id = ? ORDER BY id (also the FK lookup).
            models.Index(fields=["call", "id"], name="message_call_order_idx"),
            # The staff list's "internal notes" filter: EXISTS an internal, visible message.
            models.Index(
                fields=["call"],
                name="message_internal_idx",
                condition=models.Q(visibility_cd="INTERNAL", deleted_flag=False),
            ),
            # The staff list's agent filter: the calls an agent (by name, any case) spoke in.
            models.Index(
                Upper("posted_by_display_name"),
                "call",
                name="message_agent_idx",
                condition=models.Q(role_cd="AGENT", deleted_flag=False),
            ),
            # The staff search of transcript text on PostgreSQL uses a GIN full-text index,
            # created by migration 0004 on PostgreSQL only (SQLite has no GIN).
        ]

    def __str__(self) -> str:
        return self.message_number


class CustomAttribute(models.Model):
    """A custom attribute an admin declared: Oracle's ``_c`` fields (Application Composer).

    ``name`` is the attribute's name on the wire (it ends in ``_c``), ``resource`` the
    resource it belongs to, as Oracle names them. Declared attributes behave like built-in
    ones in the API, the admin and the staff pages; their values are kept in the ``custom``
    JSON column of the call or message, so declaring one needs no schema migration.
    Changes go through ``calls.services.custom_attribute_save``/``_delete``, which tell
    every worker after the commit (``calls.oracle.custom``).
    """

    class Resource(models.TextChoices):
        CALLS = "phoneCalls", "Phone calls"
        MESSAGES = "TranscriptMessage", "Transcript messages"

    class Type(models.TextChoices):
        STRING = "string", "String"
        INTEGER = "integer", "Integer"
        NUMBER = "number", "Number"
        BOOLEAN = "boolean", "Boolean"
        DATETIME = "datetime", "Date-time"

    # Oracle's names: a letter, then letters, digits and underscores, ending in _c.
    NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*_c\Z"
    # Oracle's VARCHAR2 limit: the longest string a custom attribute may hold.
    MAX_STRING_LENGTH = 4000

    name = models.CharField(max_length=80)
    resource = models.CharField(max_length=32, choices=Resource.choices)
    type = models.CharField(max_length=16, choices=Type.choices)
    max_length = models.PositiveIntegerField(
        null=True, blank=True, help_text="Strings only: the most characters a value may hold."
    )
    title = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["resource", "name"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "name"], name="custom_attribute_unique"),
            models.CheckConstraint(
                condition=models.Q(type="string", max_length__isnull=False)
                | (~models.Q(type="string") & models.Q(max_length__isnull=True)),
                name="custom_attribute_string_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource}.{self.name}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not re.match(self.NAME_PATTERN, self.name or ""):
            errors["name"] = (
                "A custom attribute's name starts with a letter, holds only letters, digits "
                "and underscores, and ends in _c (Oracle's custom fields), e.g. Disposition_c."
            )
        if self.type == self.Type.STRING:
            if self.max_length is None or not 1 <= self.max_length <= self.MAX_STRING_LENGTH:
                errors["max_length"] = (
                    f"A string attribute needs a maximum length from 1 to {self.MAX_STRING_LENGTH}."
                )
        elif self.max_length is not None:
            errors["max_length"] = "Only string attributes have a maximum length."
        from .timing import required_types

        required = required_types().get((self.resource, self.name))
        if required is not None and self.type != required:
            errors["type"] = (
                f"{self.name} carries Callbook's times (calls.timing, named by a setting): "
                f"it must be of type {self.Type(required).label}."
            )
        if errors:
            raise ValidationError(errors)

    def same_as(self, other: "CustomAttribute") -> bool:
        """Whether ``other`` declares the same: resource, name, type, length and title."""
        return all(
            getattr(self, f) == getattr(other, f)
            for f in ("resource", "name", "type", "max_length", "title")
        )


class AccessRecord(models.Model):
    """One play, download or player fetch of a recording, or one view or download of a
    transcript.

    Written by ``calls.audit`` from the staff pages, the admin and the API, one row per
    access (a user's repeated reads of one call's recording or transcript within
    ``CALLBOOK_ACCESS_AUDIT_WINDOW_SECONDS`` are one access), and never changed afterwards
    (the admin shows it read-only). The user and the
    call are kept as copies too (``username``, ``call_number``), so the record still says
    who and what after either is deleted.
    """

    class Kind(models.TextChoices):
        # Playback started in a staff player (the player reports it: calls/played.js).
        RECORDING_PLAY = "recording_play", "Recording played"
        RECORDING_DOWNLOAD = "recording_download", "Recording downloaded"
        # Bytes served to a player with no playback known to have started: its metadata
        # preload, a seek, or a client that never reports a play. Recorded all the same.
        RECORDING_FETCH = "recording_fetch", "Recording fetched by a player"
        TRANSCRIPT_VIEW = "transcript_view", "Transcript viewed"
        TRANSCRIPT_DOWNLOAD = "transcript_download", "Transcript downloaded"
        # A read of a kept unredacted original (calls.redaction.originals): every read.
        ORIGINAL_VIEW = "transcript_original_view", "Unredacted original viewed"

    class Channel(models.TextChoices):
        UI = "ui", "Staff pages"
        API = "api", "REST API"
        # An operator's management command (subject_export): no request, no user.
        COMMAND = "command", "Management command"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_records",
    )
    username = models.CharField(max_length=150, blank=True)
    accessed_at = models.DateTimeField(default=timezone.now)
    # Indexed (the FK default): "who accessed this call", and the SET_NULL when it is deleted.
    call = models.ForeignKey(
        PhoneCall,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_records",
    )
    call_number = models.CharField(max_length=30)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    remote_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)

    class Meta:
        ordering = ["-accessed_at", "-id"]
        indexes = [
            # The admin's list: newest first, and its date hierarchy.
            models.Index(fields=["accessed_at", "id"], name="access_accessed_idx"),
            # calls.audit.access_record_once: "has this user a record of this kind for this
            # call since …", asked on every recording range request.
            models.Index(fields=["call", "user", "kind", "accessed_at"], name="access_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username or 'anonymous'} {self.kind} {self.call_number}"


class PurgeRecord(models.Model):
    """One run of ``manage.py purge_calls``: the retention periods it applied and what it removed.

    A period of ``None`` means that kind of data was not purged in this run. Dry runs are
    recorded too (with the counts they would have removed), so the log shows every run.
    """

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    recordings_days = models.PositiveIntegerField(null=True, blank=True)
    transcripts_days = models.PositiveIntegerField(null=True, blank=True)
    deleted_calls_days = models.PositiveIntegerField(null=True, blank=True)
    recordings_cleared = models.PositiveIntegerField(default=0)
    transcripts_cleared = models.PositiveIntegerField(default=0)
    messages_deleted = models.PositiveIntegerField(default=0)
    calls_deleted = models.PositiveIntegerField(default=0)
    # Calls the run's conditions matched but left alone, as they are on legal hold.
    calls_on_hold_skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"purge {self.started_at:%Y-%m-%d %H:%M}{' (dry run)' if self.dry_run else ''}"


class RedactionRun(models.Model):
    """One run of ``manage.py redact_transcripts`` over what is stored already.

    The checkpoint (``last_call_id``, then ``last_history_id`` for history rows of calls no
    longer there) is saved in the transaction of each batch, so an interrupted run resumes
    where its last batch committed. ``findings`` counts the markers written, per kind.
    """

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    policy = models.CharField(max_length=32)
    kinds = models.CharField(max_length=200)
    last_call_id = models.BigIntegerField(default=0)
    last_history_id = models.BigIntegerField(default=0)
    calls_done = models.PositiveIntegerField(default=0)
    messages_redacted = models.PositiveIntegerField(default=0)
    history_rows_redacted = models.PositiveIntegerField(default=0)
    originals_kept = models.PositiveIntegerField(default=0)
    findings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"redaction {self.started_at:%Y-%m-%d %H:%M}{' (dry run)' if self.dry_run else ''}"


class ErasureRecord(models.Model):
    """The erasure ledger: one entry per ``manage.py subject_erase`` that erased something.

    It outlives the erasure on purpose (accountability: when, who, how much), so it holds
    no personal data: the number only as a salted PBKDF2 hash (``number_hash``, Django's
    password-hasher format), which can confirm a number later and never tell it.
    """

    performed_at = models.DateTimeField(default=timezone.now)
    performed_by = models.CharField(max_length=150)
    number_hash = models.CharField(max_length=200)
    calls_erased = models.PositiveIntegerField(default=0)
    messages_erased = models.PositiveIntegerField(default=0)
    recordings_erased = models.PositiveIntegerField(default=0)
    history_rows_erased = models.PositiveIntegerField(default=0)
    originals_erased = models.PositiveIntegerField(default=0)
    calls_on_hold_skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-performed_at", "-id"]

    def __str__(self) -> str:
        return f"erasure {self.performed_at:%Y-%m-%d %H:%M} by {self.performed_by}"


# The webhooks' models live in their own package; imported here so Django finds them.
from .api_keys import ApiKey  # noqa: E402, F401
from .idempotency import IdempotencyRecord  # noqa: E402, F401
from .webhooks.models import (  # noqa: E402, F401
    WebhookAttempt,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMessage,
)
