"""Admin pages of the audit: accesses of recordings and transcripts, and retention purges.

Both are logs: nobody adds, changes or deletes a row through the admin; superusers and
staff with the view permission read and search them.
"""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

from .. import audit_export
from ..models import AccessRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _export(queryset: QuerySet[AccessRecord], fmt: str) -> StreamingHttpResponse:
    # The change list's selection (its date hierarchy, filters, search, or "select all")
    # in the export's order, streamed: a year of records never sits in memory.
    records = queryset.order_by("accessed_at", "id")
    response = StreamingHttpResponse(
        audit_export.lines(records, fmt), content_type=audit_export.FORMATS[fmt]
    )
    name = f"access-records-{timezone.now():%Y%m%d-%H%M%S}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class AccessRecordAdmin(ReadOnlyAdmin):
    actions = ("export_csv", "export_jsonl")
    list_display = ("accessed_at", "username", "kind", "channel", "call_number", "remote_address")
    list_filter = ("kind", "channel")
    search_fields = ("username", "call_number", "remote_address")
    date_hierarchy = "accessed_at"
    list_select_related = ()
    fields = (
        "accessed_at",
        "user",
        "username",
        "kind",
        "channel",
        "call",
        "call_number",
        "remote_address",
        "user_agent",
    )
    # Raw ids: a choice list of every user and call would load whole tables.
    raw_id_fields = ("user", "call")

    @admin.action(description="Export the selected records as CSV", permissions=["view"])
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[AccessRecord]
    ) -> StreamingHttpResponse:
        return _export(queryset, "csv")

    @admin.action(description="Export the selected records as JSON Lines", permissions=["view"])
    def export_jsonl(
        self, request: HttpRequest, queryset: QuerySet[AccessRecord]
    ) -> StreamingHttpResponse:
        return _export(queryset, "jsonl")


class PurgeRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "dry_run",
        "recordings_days",
        "transcripts_days",
        "deleted_calls_days",
        "recordings_cleared",
        "transcripts_cleared",
        "messages_deleted",
        "calls_deleted",
    )
    list_filter = ("dry_run",)
    date_hierarchy = "started_at"


class RedactionRunAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "finished_at",
        "dry_run",
        "policy",
        "kinds",
        "calls_done",
        "messages_redacted",
        "history_rows_redacted",
        "originals_kept",
        "findings",
    )
    list_filter = ("dry_run",)
    date_hierarchy = "started_at"


class ErasureRecordAdmin(ReadOnlyAdmin):
    """The erasure ledger: what each erasure removed; the number only as a salted hash."""

    list_display = (
        "performed_at",
        "performed_by",
        "calls_erased",
        "messages_erased",
        "recordings_erased",
        "history_rows_erased",
        "originals_erased",
        "calls_on_hold_skipped",
    )
    date_hierarchy = "performed_at"
    search_fields = ("performed_by",)
