"""The call list's bulk actions: mark deleted, restore, export as JSON Lines.

Each first shows a confirmation page that says how many calls and messages it touches
(two COUNTs, whatever the selection); only its "Yes" button (``post=yes``) acts. Writes go
through ``calls.services``; the export is ``calls.exports``' JSON Lines, the format
``manage.py import_calls`` reads back, and is audited as a transcript download of each
call.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.template.response import TemplateResponse

from .. import services
from ..audit import access_record_many
from ..exports import jsonl_lines
from ..models import PhoneCall, TranscriptMessage
from .actors import actor_for

# The audit writes one statement with every exported call's id; beyond this many calls
# the export is ``manage.py export_calls``' job.
EXPORT_MAX_CALLS = 1_000


def _confirm(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[PhoneCall],
    *,
    action: str,
    title: str,
    verb: str,
    refusal: str | None = None,
) -> TemplateResponse:
    calls = queryset.order_by().count()
    message_count = TranscriptMessage.objects.filter(
        call__in=queryset.order_by().values("pk")
    ).count()
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": modeladmin.model._meta,
        "action": action,
        "verb": verb,
        "calls": calls,
        "messages_count": message_count,
        "refusal": refusal,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "query": request.GET.urlencode(),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/calls/phonecall/confirm_action.html", context)


def _confirmed(request: HttpRequest) -> bool:
    return request.POST.get("post") == "yes"


def _flag_action(deleted: bool) -> Callable:
    verb = "Mark deleted" if deleted else "Restore"

    def act(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[PhoneCall]
    ) -> HttpResponse | None:
        if not _confirmed(request):
            return _confirm(
                modeladmin,
                request,
                queryset,
                action=act.__name__,
                title=f"{verb}: are you sure?",
                verb=verb,
            )
        changed = services.phone_calls_set_deleted(
            actor=actor_for(request), calls=queryset, deleted=deleted
        )
        state = "marked deleted" if deleted else "restored"
        modeladmin.message_user(request, f"{changed} call{'s' * (changed != 1)} {state}.")
        return None

    act.__name__ = "mark_deleted" if deleted else "restore"
    return admin.action(
        description=f"{verb} the selected calls" if deleted else "Restore the selected calls",
        permissions=["change"],
    )(act)


mark_deleted = _flag_action(True)
restore = _flag_action(False)


@admin.action(description="Export the selected calls as JSON Lines", permissions=["view"])
def export_jsonl(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[PhoneCall]
) -> HttpResponseBase:
    calls = queryset.order_by("id")
    too_many = None
    if calls.count() > EXPORT_MAX_CALLS:
        too_many = (
            f"At most {EXPORT_MAX_CALLS:,} calls are exported here; select fewer, or run "
            "manage.py export_calls on the server."
        )
    if too_many or not _confirmed(request):
        return _confirm(
            modeladmin,
            request,
            queryset,
            action="export_jsonl",
            title="Export as JSON Lines",
            verb="Export",
            refusal=too_many,
        )
    chosen = list(calls.only("id", "call_number"))
    access_record_many(request=request, calls=chosen, kind="transcript_download", channel="ui")
    rows = (
        PhoneCall.objects.filter(pk__in=[c.pk for c in chosen])
        .order_by("id")
        .prefetch_related(Prefetch("messages", queryset=TranscriptMessage.objects.order_by("id")))
        .iterator(chunk_size=200)
    )
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in jsonl_lines(rows)),
        content_type="application/jsonl; charset=utf-8",
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="calls-{stamp}.jsonl"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
