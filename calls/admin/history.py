"""The call's History page: one timeline of the call's and its messages' changes.

django-simple-history keeps a row per saved version in two tables; its own page listed
the call's rows only, where most saves changed nothing but the who-columns (a message
edit bumps the call's version). This timeline reads both tables, newest first, a page at
a time, and says for each saved version who, when, which call or message, and which
attribute went from what to what. Who-columns and the version are never listed (they
change on every save); a saved version that changed nothing else is left out, and the
page says how many were. The messages created together with the call are one entry.

A page costs the same queries at any size of history: the page of (table, row) pairs
from a UNION of both tables, then per table the page's rows and the versions before
them, and the messages' positions.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import IntegerField, Model, OuterRef, QuerySet, Subquery, Value

from ..models import PhoneCall, TranscriptMessage
from ..sql.history import history_model
from .forms import TranscriptMessageInlineForm
from .transcript import with_positions

PER_PAGE = 50
CALL, MESSAGE = 0, 1
# Set on every save by the services: listing them would make every entry look alike.
NOT_LISTED = {
    "id",
    "call",
    "created_by",
    "creation_date",
    "last_updated_by",
    "last_update_date",
    "last_update_login",
    "version",
    # Derived by the services from the number and the recording (their changes are listed).
    "phone_number_e164",
    "recording_duration_ms",
}
VALUE_MAX = 400
_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    """One saved version of the call or of one of its messages."""

    date: datetime
    user: str
    action: str
    subject: str
    message_number: str | None = None
    position: int | None = None
    changes: list[Change] = field(default_factory=list)
    values: list[Change] = field(default_factory=list)
    note: str = ""


def _labels(model: type[Model]) -> dict[str, str]:
    labels = {
        f.name: str(f.verbose_name).capitalize()
        for f in history_model(model).tracked_fields
        if f.name not in NOT_LISTED
    }
    if model is TranscriptMessage:
        labels.update(TranscriptMessageInlineForm.Meta.labels)
        labels["visibility_cd"] = "Visibility"
    return labels


def _shown(name: str, value: Any) -> str:
    if name == "recording":
        return "a stored recording" if value else "none"
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


def _differences(row: Any, before: Any, labels: dict[str, str]) -> list[Change]:
    return [
        Change(label, _shown(name, getattr(before, name)), _shown(name, getattr(row, name)))
        for name, label in labels.items()
        if getattr(before, name) != getattr(row, name)
    ]


def _values(row: Any, labels: dict[str, str]) -> list[Change]:
    return [
        Change(label, "", _shown(name, getattr(row, name)))
        for name, label in labels.items()
        if getattr(row, name) not in (None, "", False)
    ]


def _with_previous(queryset: QuerySet) -> QuerySet:
    """History rows with the id of the version saved before each (same object)."""
    earlier = (
        queryset.model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    return queryset.annotate(previous_id=Subquery(earlier, output_field=IntegerField()))


def _rows(model: type[Model], ids: list[int]) -> tuple[list[Any], dict[int, Any]]:
    """The page's history rows of ``model`` and the versions before them (2 queries)."""
    if not ids:
        return [], {}
    history = history_model(model)
    rows = list(
        _with_previous(history.objects.filter(history_id__in=ids)).select_related("history_user")
    )
    previous = history.objects.in_bulk([r.previous_id for r in rows if r.previous_id])
    return rows, previous


class CallTimeline:
    """The timeline of ``call``: ``page(number)`` gives a page of entries."""

    def __init__(self, call: PhoneCall, per_page: int = PER_PAGE):
        self.call = call
        calls = history_model(PhoneCall).objects.filter(id=call.pk)
        messages = history_model(TranscriptMessage).objects.filter(call_id=call.pk)
        self.created_at = (
            calls.filter(history_type="+").order_by("history_id").values("history_date").first()
        )
        if self.created_at is not None:
            # The messages that came with the call are told in its entry, not one by one.
            messages = messages.exclude(
                history_type="+", history_date=self.created_at["history_date"]
            )
        union = (
            calls.order_by()
            .annotate(table=Value(CALL, output_field=IntegerField()))
            .values_list("history_date", "history_id", "table")
            .union(
                messages.order_by()
                .annotate(table=Value(MESSAGE, output_field=IntegerField()))
                .values_list("history_date", "history_id", "table"),
                all=True,
            )
            .order_by("-history_date", "-history_id")
        )
        self.paginator = Paginator(union, per_page)

    def page(self, number: Any) -> tuple[Page, list[Entry], int]:
        """The page, its entries (newest first), and how many versions it left out."""
        page = self.paginator.get_page(number)
        keys = list(page.object_list)
        call_rows, call_before = _rows(PhoneCall, [k[1] for k in keys if k[2] == CALL])
        message_rows, message_before = _rows(
            TranscriptMessage, [k[1] for k in keys if k[2] == MESSAGE]
        )
        positions = dict(
            with_positions(
                TranscriptMessage.objects.filter(
                    call=self.call, id__in={r.id for r in message_rows}
                )
            ).values_list("id", "position")  # type: ignore[misc]  # an annotation
        )
        by_key: dict[tuple[int, int], Entry | None] = {}
        call_labels, message_labels = _labels(PhoneCall), _labels(TranscriptMessage)
        for row in call_rows:
            by_key[(CALL, row.history_id)] = self._entry(
                row, call_before.get(row.previous_id), call_labels, "The call"
            )
        for row in message_rows:
            entry = self._entry(row, message_before.get(row.previous_id), message_labels, "")
            if entry is not None:
                entry.message_number = row.message_number
                entry.position = positions.get(row.id)
                entry.subject = (
                    f"Message #{entry.position}" if entry.position else "A deleted message"
                )
            by_key[(MESSAGE, row.history_id)] = entry
        entries = [e for k in keys if (e := by_key.get((k[2], k[1]))) is not None]
        return page, entries, len(keys) - len(entries)

    def _entry(self, row: Any, before: Any, labels: dict[str, str], subject: str) -> Entry | None:
        entry = Entry(
            date=row.history_date,
            user=row.history_user.get_username() if row.history_user else row.last_updated_by,
            action=_ACTIONS.get(row.history_type, row.history_type),
            subject=subject,
        )
        if row.history_type == "~":
            if before is None:
                entry.note = "No earlier version is recorded, so what changed is not known."
            else:
                entry.changes = _differences(row, before, labels)
                if not entry.changes:
                    return None
        else:
            entry.values = _values(row, labels)
            if row.history_type == "+" and subject and self.created_at is not None:
                created_with = (
                    history_model(TranscriptMessage)
                    .objects.filter(
                        call_id=self.call.pk,
                        history_type="+",
                        history_date=self.created_at["history_date"],
                    )
                    .count()
                )
                if created_with:
                    entry.note = f"Created with {created_with} message{'s' * (created_with != 1)}."
        return entry
