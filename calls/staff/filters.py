"""The staff list's filters: django-filter over PhoneCall, with the search and the order."""

import datetime
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db.models import F, OrderBy, Q, QuerySet

from ..models import PhoneCall
from .selectors import (
    SEARCH_MAX_LENGTH,
    has_internal_messages,
    phone_call_search,
    phone_calls_from,
    phone_calls_with_agent,
)
from .times import day_start

_YES_NO = [("", "Any"), ("true", "Yes"), ("false", "No")]

_DURATION = F("recording_duration_ms")

# Each sort key of the URL names an ordering that ends in the unique id, so pages are stable.
# Calls of unknown duration come last either way (call_duration_idx and, on PostgreSQL,
# call_duration_desc_idx hold these two orders).
SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    # When the call happened (calls.timing: its start, else its creation date).
    "-time": ("-call_time", "-id"),
    "time": ("call_time", "id"),
    "phone": ("phone_number", "id"),
    "-phone": ("-phone_number", "-id"),
    "number": ("call_number",),
    "-number": ("-call_number",),
    "duration": (_DURATION.asc(nulls_last=True), "id"),
    "-duration": (_DURATION.desc(nulls_last=True), "-id"),
}
MS_PER_MINUTE = 60_000
DEFAULT_SORT = "-time"


def _yes_no(label: str) -> django_filters.BooleanFilter:
    return django_filters.BooleanFilter(
        label=label, method="filter_flag", widget=forms.Select(choices=_YES_NO)
    )


class PhoneCallFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Number, id or words",
                "autocomplete": "off",
            }
        ),
    )
    caller = django_filters.CharFilter(
        label="Caller number",
        method="filter_caller",
        max_length=64,
        widget=forms.TextInput(
            attrs={"placeholder": "Any spelling", "autocomplete": "off", "inputmode": "tel"}
        ),
    )
    agent = django_filters.CharFilter(
        label="Agent",
        method="filter_agent",
        max_length=64,  # TranscriptMessage.posted_by_display_name
        widget=forms.TextInput(attrs={"placeholder": "Name", "autocomplete": "off"}),
    )
    date_from = django_filters.DateFilter(
        label="From", method="filter_date_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label="To", method="filter_date_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    longer_than = django_filters.NumberFilter(
        label="Longer than (min)",
        method="filter_longer_than",
        min_value=0,
        max_value=10_000,
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "inputmode": "decimal"}),
    )
    shorter_than = django_filters.NumberFilter(
        label="Shorter than (min)",
        method="filter_shorter_than",
        min_value=0,
        max_value=10_000,
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "inputmode": "decimal"}),
    )
    voicemail = _yes_no("Voicemail")
    recording = _yes_no("Recording")
    internal = _yes_no("Internal notes")
    deleted = django_filters.ChoiceFilter(
        label="Deleted calls",
        choices=[("include", "Include"), ("only", "Only deleted")],
        empty_label="Hide",
        method="filter_deleted",
    )
    sort = django_filters.ChoiceFilter(
        label="Sort",
        choices=[(key, key) for key in SORTS],
        empty_label=None,
        method="filter_nothing",
        widget=forms.HiddenInput,
    )

    class Meta:
        model = PhoneCall
        fields: list[str] = []

    _FLAGS = {
        "voicemail": lambda: Q(left_message_flag=True),
        "recording": lambda: (
            ~Q(recording="")
            | Q(recording_url__istartswith="http://")
            | Q(recording_url__istartswith="https://")
        ),
        "internal": has_internal_messages,
    }

    @property
    def sort_key(self) -> str:
        value = self.form.cleaned_data.get("sort") if self.form.is_valid() else None
        return value if value in SORTS else DEFAULT_SORT

    def filter_queryset(self, queryset: QuerySet[PhoneCall]) -> QuerySet[PhoneCall]:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("deleted"):
            queryset = queryset.filter(deleted_flag=False)
        return queryset.order_by(*SORTS[self.sort_key])

    def filter_search(
        self, queryset: QuerySet[PhoneCall], name: str, value: str
    ) -> QuerySet[PhoneCall]:
        return phone_call_search(queryset, value)

    def filter_caller(
        self, queryset: QuerySet[PhoneCall], name: str, value: str
    ) -> QuerySet[PhoneCall]:
        return phone_calls_from(queryset, value) if value.strip() else queryset

    def filter_agent(
        self, queryset: QuerySet[PhoneCall], name: str, value: str
    ) -> QuerySet[PhoneCall]:
        return phone_calls_with_agent(queryset, value) if value.strip() else queryset

    def filter_date_from(
        self, queryset: QuerySet[PhoneCall], name: str, value: datetime.date
    ) -> QuerySet[PhoneCall]:
        return queryset.filter(call_time__gte=day_start(value))

    def filter_date_to(
        self, queryset: QuerySet[PhoneCall], name: str, value: datetime.date
    ) -> QuerySet[PhoneCall]:
        if value == datetime.date.max:  # inclusive, and no day follows it: no upper bound
            return queryset
        return queryset.filter(call_time__lt=day_start(value + datetime.timedelta(days=1)))

    # A call whose duration is unknown is neither longer nor shorter than anything.
    def filter_longer_than(
        self, queryset: QuerySet[PhoneCall], name: str, value: Decimal
    ) -> QuerySet[PhoneCall]:
        return queryset.filter(recording_duration_ms__gt=int(value * MS_PER_MINUTE))

    def filter_shorter_than(
        self, queryset: QuerySet[PhoneCall], name: str, value: Decimal
    ) -> QuerySet[PhoneCall]:
        return queryset.filter(recording_duration_ms__lt=int(value * MS_PER_MINUTE))

    def filter_flag(
        self, queryset: QuerySet[PhoneCall], name: str, value: bool | None
    ) -> QuerySet[PhoneCall]:
        if value is None:
            return queryset
        condition = self._FLAGS[name]()
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_deleted(
        self, queryset: QuerySet[PhoneCall], name: str, value: str
    ) -> QuerySet[PhoneCall]:
        return queryset.filter(deleted_flag=True) if value == "only" else queryset

    def filter_nothing(
        self, queryset: QuerySet[PhoneCall], name: str, value: Any
    ) -> QuerySet[PhoneCall]:
        return queryset  # applied in filter_queryset, after every filter
