"""The admin of calls: with their transcript inline, written through ``calls.services``.

The admin never saves a call or a message itself. ``PhoneCallAdmin.save_related`` collects
what the forms changed and hands it to ``phone_call_admin_save``, which sets the who-columns
from the logged-in user and bumps the call's version once, like every other write. Deletes
go through ``phone_call_delete`` so the recording leaves storage with its call.
"""

import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms import BaseInlineFormSet, ModelForm, Script
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from simple_history.admin import SimpleHistoryAdmin

from .. import services
from ..audit import access_record_served
from ..models import AccessRecord, CustomAttribute, PhoneCall, TranscriptMessage
from ..oracle import custom
from ..privacy import archive, numbers
from ..redaction import originals
from ..staff.selectors import phone_call_search
from . import actions as bulk
from . import transcript, vtt
from .actors import actor_for
from .custom_fields import model_fields, with_custom_fields
from .forms import (
    LegalHoldActionForm,
    PhoneCallAdminForm,
    TranscriptMessageInlineForm,
    recording_media_type,
    version_conflict,
)
from .history import CallTimeline
from .renderers import TRANSCRIPT_RENDERER

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _MessageCount(TypedDict):
    message_count: int  # PhoneCallAdmin.get_queryset's annotation


CUSTOM_FIELDSET = "Custom attributes"
WHO_COLUMNS = (
    "created_by",
    "creation_date",
    "last_updated_by",
    "last_update_date",
    "last_update_login",
)


class TranscriptMessageInline(admin.TabularInline):
    """One page of the call's transcript (``calls.admin.transcript``), edited inline."""

    model = TranscriptMessage
    form = TranscriptMessageInlineForm
    formset = transcript.TranscriptPageFormSet
    template = "admin/calls/phonecall/transcript_inline.html"
    extra = 0
    ordering = ("id",)
    readonly_fields = ("last_updated_by", "last_update_date")
    fields = (*TranscriptMessageInlineForm.Meta.fields, *readonly_fields)
    verbose_name = "transcript message"
    verbose_name_plural = "transcript"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A hold preserves the record: a held call's messages have no Delete box (and the
        # service refuses their deletion all the same); edits stay, history keeps them.
        if getattr(obj, "legal_hold_since", None) is not None:
            return False
        return super().has_delete_permission(request, obj)

    def get_fields(self, request: HttpRequest, obj: PhoneCall | None = None) -> tuple[str, ...]:
        # The declared custom message attributes, after the built-in ones.
        names = [a.name for a in custom.custom_attributes(custom.current().messages)]
        return (*TranscriptMessageInlineForm.Meta.fields, *names, *self.readonly_fields)

    def transcript_page(
        self, request: HttpRequest, obj: PhoneCall | None
    ) -> transcript.TranscriptPage:
        # The admin asks for the formset more than once per request (fields, then forms).
        cache = request.__dict__.setdefault("_callbook_transcript_pages", {})
        key = getattr(obj, "pk", None)
        if key not in cache:
            cache[key] = transcript.page_for(request, obj)
        return cache[key]

    def get_formset(
        self, request: HttpRequest, obj: PhoneCall | None = None, **kwargs: Any
    ) -> type[BaseInlineFormSet]:
        page = self.transcript_page(request, obj)
        # The page's forms and a bounded number of new ones: a save never posts more
        # fields than DATA_UPLOAD_MAX_NUMBER_FIELDS allows; more forms are refused with a
        # message, and what was typed stays on the page.
        kwargs.setdefault("max_num", page.stop - page.start + transcript.NEW_PER_SAVE)
        kwargs.setdefault("validate_max", True)
        form = with_custom_fields(self.form, custom.current().messages)
        formset = super().get_formset(
            request, obj, form=form, renderer=TRANSCRIPT_RENDERER, **kwargs
        )
        return type(formset.__name__, (formset,), {"transcript_page": page})


class RecordingFilter(admin.SimpleListFilter):
    """Calls with a recording stored here, with only a link to one elsewhere, or neither."""

    title = "recording"
    parameter_name = "recording"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> tuple[tuple[str, str], ...]:
        return (("stored", "Stored here"), ("link", "Link only"), ("none", "None"))

    def queryset(self, request: HttpRequest, queryset: QuerySet[PhoneCall]) -> QuerySet[PhoneCall]:
        link = Q(recording_url__istartswith="http://") | Q(recording_url__istartswith="https://")
        if self.value() == "stored":
            return queryset.exclude(recording="")
        if self.value() == "link":
            return queryset.filter(link, recording="")
        if self.value() == "none":
            return queryset.filter(recording="").exclude(link)
        return queryset


class OnHoldFilter(admin.SimpleListFilter):
    title = "legal hold"
    parameter_name = "on_hold"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "On hold"), ("no", "Not on hold")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[PhoneCall]) -> QuerySet[PhoneCall]:
        if self.value() == "yes":
            return queryset.exclude(legal_hold_since=None)
        if self.value() == "no":
            return queryset.filter(legal_hold_since=None)
        return queryset


class PhoneCallAdmin(SimpleHistoryAdmin):
    form = PhoneCallAdminForm
    action_form = LegalHoldActionForm
    actions = (
        bulk.mark_deleted,
        bulk.restore,
        bulk.export_jsonl,
        "place_legal_hold",
        "release_legal_hold",
        "export_subject_data",
    )
    inlines = (TranscriptMessageInline,)
    list_display = (
        "call_number",
        "phone_number",
        "creation_date",
        "left_message",
        "deleted",
        "message_count",
        "has_recording",
        "on_hold",
    )
    list_display_links = ("call_number",)
    # No foreign key to follow; the message count is an annotation of get_queryset().
    list_select_related = False
    list_filter = (
        "left_message_flag",
        RecordingFilter,
        "deleted_flag",
        OnHoldFilter,
        "creation_date",
    )
    # The staff list's search (calls.staff.selectors): numbers, ids and the words said,
    # through the same full-text index on PostgreSQL. get_search_results() applies it.
    search_fields = ("call_number", "phone_number", "external_system_call_id")
    search_help_text = (
        "Search by call number, phone number, external call id or words said in the transcript."
    )
    date_hierarchy = "creation_date"
    ordering = ("-creation_date", "-id")
    list_per_page = 50
    # COUNT(*) of the whole table on every page view is what slows big change lists down.
    show_full_result_count = False
    readonly_fields = (
        *WHO_COLUMNS,
        "version",
        "recording_player",
        "legal_hold_since",
        "legal_hold_by",
    )

    class Media:
        css = {"all": ("calls/admin/phonecall.css",)}
        # The staff page's player controls and shortcuts (speed, ±5 s, Space, ←/→); the
        # admin puts media in <head>, and the script looks for the player when it runs.
        # played.js records "Recording played" when playback starts (the bytes the player
        # fetches are recorded as fetched, not played).
        js = (Script("calls/call.js", defer=True), Script("calls/played.js", defer=True))

    # Reads ---------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[PhoneCall]:
        # A correlated COUNT over message_call_order_idx: no GROUP BY of the call's columns,
        # and the changelist's own count() drops it because nothing filters on it.
        counts = (
            TranscriptMessage.objects.filter(call=OuterRef("pk"))
            .order_by()
            .values("call")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(message_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0))
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PhoneCall], search_term: str
    ) -> tuple[QuerySet[PhoneCall], bool]:
        # A filter on the calls alone (see phone_call_search): no duplicates, so no DISTINCT.
        return phone_call_search(queryset, search_term), False

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: PhoneCall | None = None,
    ) -> HttpResponse:
        response = super().render_change_form(request, context, add, change, form_url, obj)
        # The transcript is inline on the page, so opening it is reading the transcript.
        # message_count is get_queryset()'s annotation: no query to know there is one.
        if obj is not None and obj.pk and getattr(obj, "message_count", 1):
            access_record_served(
                request=request, response=response, call=obj, kind="transcript_view", channel="ui"
            )
        return response

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponseBase:
        if request.method == "GET" and object_id and transcript.find_text(request):
            # "Go to message" with a position or a MessageNumber opens the page it is on.
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                position = transcript.position_of(obj, transcript.find_text(request))
                if position is not None:
                    return HttpResponseRedirect(request.path + transcript.jump_query(position))
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ServiceError as error:
            # The save was refused inside the admin's transaction, which rolled back: show
            # the same page again, bound to what was posted, saying why.
            request.callbook_refusal = refusal(error)  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self,
        request: HttpRequest,
        obj: PhoneCall | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[ModelForm]:
        custom_form = with_custom_fields(self.form, custom.current().calls)
        form = super().get_form(request, obj, change, form=custom_form, **kwargs)
        reason = getattr(request, "callbook_refusal", None)
        if reason:
            return type(form.__name__, (form,), {"refusal": reason})
        return form

    def response_change(self, request: HttpRequest, obj: PhoneCall) -> HttpResponse:
        response = super().response_change(request, obj)
        # "Save and continue editing" comes back to the transcript page that was saved.
        if "_continue" in request.POST and isinstance(response, HttpResponseRedirect):
            page = request.GET.urlencode()
            if page and "?" not in response["Location"]:
                response["Location"] += "?" + page
        return response

    def get_fieldsets(
        self, request: HttpRequest, obj: PhoneCall | None = None
    ) -> list[tuple[str | None, dict[str, Any]]]:
        recording = ["recording_player", "recording_file"]
        if obj is not None and obj.recording:
            recording.append("clear_recording")
        recording += ["recording_format", "recording_url"]
        fieldsets: list[tuple[str | None, dict[str, Any]]] = [
            (
                None,
                {
                    "fields": (
                        "call_number",
                        "phone_number",
                        "interaction_id",
                        "external_system_call_id",
                        ("left_message_flag", "deleted_flag"),
                        "loaded_version",
                    )
                },
            ),
            ("Recording", {"fields": tuple(recording)}),
            ("Links", {"fields": ("call_details_url", "transcript_url")}),
            (
                "Legal hold",
                {"fields": ("legal_hold_reason", "legal_hold_since", "legal_hold_by")},
            ),
        ]
        names = tuple(a.name for a in custom.custom_attributes(custom.current().calls))
        if names:
            fieldsets.append((CUSTOM_FIELDSET, {"fields": names}))
        if obj is not None:
            fieldsets.append(("Record history", {"fields": (*WHO_COLUMNS, "version")}))
        return fieldsets

    def get_readonly_fields(
        self, request: HttpRequest, obj: PhoneCall | None = None
    ) -> tuple[str, ...]:
        if obj is not None:
            # CallNumber is the public id: settable on create only (the contract).
            return ("call_number", *self.readonly_fields)
        return self.readonly_fields

    @admin.display(description="Left message", boolean=True, ordering="left_message_flag")
    def left_message(self, obj: PhoneCall) -> bool:
        return obj.left_message_flag

    @admin.display(description="Deleted", boolean=True, ordering="deleted_flag")
    def deleted(self, obj: PhoneCall) -> bool:
        return obj.deleted_flag

    @admin.display(description="Messages", ordering="message_count")
    def message_count(self, obj: "WithAnnotations[PhoneCall, _MessageCount]") -> int:
        return obj.message_count

    @admin.display(description="Recording", boolean=True)
    def has_recording(self, obj: PhoneCall) -> bool:
        return bool(obj.recording)

    @admin.display(description="On hold", boolean=True, ordering="legal_hold_since")
    def on_hold(self, obj: PhoneCall) -> bool:
        return obj.legal_hold_since is not None

    # Legal hold ----------------------------------------------------------------------

    @admin.action(
        description="Place on legal hold (with the reason beside)", permissions=["change"]
    )
    def place_legal_hold(self, request: HttpRequest, queryset: QuerySet[PhoneCall]) -> None:
        reason = (request.POST.get("hold_reason") or "").strip()
        if not reason:
            self.message_user(request, "Give a hold reason to place a legal hold.", messages.ERROR)
            return
        held = services.legal_hold_place(actor=actor_for(request), calls=queryset, reason=reason)
        self.message_user(request, f"{len(held)} call(s) placed on legal hold.")

    @admin.action(description="Release the legal hold", permissions=["change"])
    def release_legal_hold(self, request: HttpRequest, queryset: QuerySet[PhoneCall]) -> None:
        released = services.legal_hold_release(actor=actor_for(request), calls=queryset)
        self.message_user(request, f"{len(released)} call(s) released from legal hold.")

    @admin.action(
        description="Export everything held about these calls' phone numbers (subject access)",
        permissions=["view"],
    )
    def export_subject_data(
        self, request: HttpRequest, queryset: QuerySet[PhoneCall]
    ) -> FileResponse | None:
        # The same archive as manage.py subject_export, for every number of the selection.
        normalised = (
            numbers.normalise(n) for n in queryset.values_list("phone_number", flat=True) if n
        )
        wanted = {number for number in normalised if number is not None}
        if not wanted:
            self.message_user(
                request, "None of the selected calls has a phone number.", messages.ERROR
            )
            return None
        ids: set[int] = set()
        for number in sorted(wanted):
            ids.update(numbers.calls_of(number).values_list("id", flat=True))
        # Kept originals only for a user who may read them, each read audited as on the
        # change page; without the permission the archive says they were left out.
        reader: archive.OriginalReader | None = None
        if request.user.has_perm(originals.PERMISSION):

            def reader(message: TranscriptMessage) -> str:
                return originals.read_original(
                    request=request, message=message, channel=AccessRecord.Channel.UI
                )

        # Recordings can be large: on disk, not in memory; FileResponse closes the file.
        out = tempfile.TemporaryFile()  # noqa: SIM115
        archive.write_archive(
            out,
            PhoneCall.objects.filter(id__in=ids),
            asked={
                "phone_numbers": ", ".join(sorted(wanted)),
                "requested_by": request.user.get_username(),
            },
            originals=reader,
            originals_left_out=f"{request.user.get_username()} lacks the permission "
            f"{originals.PERMISSION}.",
        )
        out.seek(0)
        return FileResponse(
            out, as_attachment=True, filename="subject-access.zip", content_type="application/zip"
        )

    def has_delete_permission(self, request: HttpRequest, obj: PhoneCall | None = None) -> bool:
        # A held call has no Delete button, and its delete page answers 403.
        if obj is not None and obj.legal_hold_since is not None:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(
        self, objs: Sequence[PhoneCall] | QuerySet[PhoneCall], request: HttpRequest
    ) -> tuple[list[str], dict[str, int], set[str], list[str]]:
        # "Delete selected" refuses, on Django's own "cannot delete" page, while any of the
        # selected calls is on hold.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        held = [
            f"{call} (on legal hold since {call.legal_hold_since:%Y-%m-%d}: "
            f"{call.legal_hold_reason})"
            for call in objs
            if call.legal_hold_since is not None
        ]
        if held and super().has_delete_permission(request):
            # Not a missing permission (has_delete_permission says no for a held call):
            # the hold is the reason, and the page names it.
            perms_needed.discard(PhoneCall._meta.verbose_name)
        return deleted, counts, perms_needed, [*protected, *held]

    @admin.display(description="Player")
    def recording_player(self, obj: PhoneCall | None) -> str:
        if obj is None or not obj.pk or not obj.recording:
            return "No recording."
        try:
            url = reverse("calls:recording", kwargs={"call_id": obj.pk})
        except NoReverseMatch:
            return "A recording is stored (the player needs the staff recording page)."
        # The version in the URL makes the browser fetch a replaced recording afresh;
        # preload="none": opening the page fetches nothing, so it records no play.
        return render_to_string(
            "admin/calls/phonecall/player.html",
            {
                "src": f"{url}?v={obj.version}",
                "download": f"{url}?download=1",
                "played": reverse("calls:recording-played", kwargs={"call_id": obj.pk}),
            },
        )

    # Writes: all through calls.services ---------------------------------------------

    def save_model(
        self, request: HttpRequest, obj: PhoneCall, form: ModelForm, change: bool
    ) -> None:
        # The call and its messages are written together, through the service, in
        # save_related(), where the inline formsets are known too. Only the history's
        # user is noted here (what SimpleHistoryAdmin.save_model would do).
        obj._history_user = request.user

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/import-vtt/",
                self.admin_site.admin_view(self.import_vtt_view),
                name="{}_{}_import_vtt".format(*info),
            )
        ]
        return own + super().get_urls()

    def import_vtt_view(self, request: HttpRequest, object_id: str) -> HttpResponseBase:
        """The transcript's times from a WebVTT file (``calls.admin.vtt``)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return vtt.import_vtt_view(self, request, obj)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponseBase:
        """One timeline of the call's and its messages' changes (``calls.admin.history``)."""
        request.current_app = self.admin_site.name
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        page, entries, left_out = CallTimeline(obj).page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "opts": self.opts,
            "object": obj,
            "original": obj,
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "entries": entries,
            "left_out": left_out,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/calls/phonecall/history.html", context)

    def revert_disabled(self, request: HttpRequest, obj: PhoneCall | None = None) -> bool:
        # django-simple-history's revert saves through save_model() alone, which writes
        # nothing here: the history is for reading; corrections go through the change form.
        return True

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm,
        formsets: Sequence[BaseInlineFormSet],
        change: bool,
    ) -> None:
        call = form.instance
        loaded = form.cleaned_data.get("loaded_version")
        concrete = {f.name for f in PhoneCall._meta.concrete_fields}
        changed_fields = [
            name for name in model_fields(form.changed_data, type(form)) if name in concrete
        ]
        upload = form.cleaned_data.get("recording_file")
        clear = bool(form.cleaned_data.get("clear_recording")) and bool(call.recording)
        if (upload or clear) and "recording_format" not in changed_fields:
            call.recording_format = recording_media_type(upload) if upload else None
            changed_fields.append("recording_format")

        new: list[TranscriptMessage] = []
        changed: list[tuple[TranscriptMessage, list[str]]] = []
        deleted: list[TranscriptMessage] = []
        for formset in formsets:
            # commit=False applies the edits to instances and records new_objects,
            # changed_objects and deleted_objects (the change message reads them).
            formset.save(commit=False)
            new += formset.new_objects
            changed += [
                (message, model_fields(fields, formset.form))
                for message, fields in formset.changed_objects
            ]
            deleted += formset.deleted_objects
        services.phone_call_admin_save(
            actor=actor_for(request),
            call=call,
            changed_fields=changed_fields,
            new_messages=new,
            changed_messages=changed,
            deleted_messages=deleted,
            recording=upload or None,
            clear_recording=clear,
            expected_version={loaded} if change and loaded is not None else None,
        )

    def delete_model(self, request: HttpRequest, obj: PhoneCall) -> None:
        services.phone_call_delete(call=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PhoneCall]) -> None:
        for call in queryset:
            services.phone_call_delete(call=call)


def refusal(error: services.ServiceError) -> str:
    """What the admin is told when the service refused a save that passed the forms."""
    if isinstance(error, services.VersionMismatch):
        # The form's own check says it with both versions, on the page shown again.
        return version_conflict(None, error.current)
    if isinstance(error, services.DuplicateNumber):
        name = "CallNumber" if error.field == "call_number" else "MessageNumber"
        return f"Nothing was saved: {name} {error.value!r} is already taken."
    if isinstance(error, services.StorageUnavailable):
        return "Nothing was saved: the recording could not be stored. Try again later."
    return f"Nothing was saved: {error}."


class CustomAttributeAdmin(admin.ModelAdmin):
    """Declarations of custom attributes, written through the services: every worker sees a
    change on its next request; removing one keeps the values stored under its name."""

    list_display = ("name", "resource", "type", "max_length", "title", "updated_at")
    list_filter = ("resource", "type")
    search_fields = ("name", "title")
    fields = ("name", "resource", "type", "max_length", "title")
    ordering = ("resource", "name")

    def save_model(
        self, request: HttpRequest, obj: CustomAttribute, form: ModelForm, change: bool
    ) -> None:
        services.custom_attribute_save(attribute=obj)
        if connection.vendor == "postgresql":
            self.message_user(
                request,
                f"On PostgreSQL, run `manage.py custom_attributes index` to index {obj.name} "
                "for q and orderBy on many calls.",
                messages.INFO,
            )

    def delete_model(self, request: HttpRequest, obj: CustomAttribute) -> None:
        services.custom_attribute_delete(attribute=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CustomAttribute]) -> None:
        for attribute in queryset:
            services.custom_attribute_delete(attribute=attribute)
