"""Admin pages of the audit: accesses of recordings and transcripts, and retention purges.

Both are logs: nobody adds, changes or deletes a row through the admin; superusers and
staff with the view permission read and search them.
"""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class AccessRecordAdmin(ReadOnlyAdmin):
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
