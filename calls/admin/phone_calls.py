"""The admin of calls: with their transcript inline, written through ``calls.services``.

The admin never saves a call or a message itself. ``PhoneCallAdmin.save_related`` collects
what the forms changed and hands it to ``phone_call_admin_save``, which sets the who-columns
from the logged-in user and bumps the call's version once, like every other write. Deletes
go through ``phone_call_delete`` so the recording leaves storage with its call.
"""

import tempfile

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import salted_hmac
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .. import services
from ..audit import access_record_served
from ..models import PhoneCall, TranscriptMessage
from ..privacy import archive, numbers
from .forms import (
    LegalHoldActionForm,
    PhoneCallAdminForm,
    TranscriptMessageInlineForm,
    recording_media_type,
)
from .renderers import TRANSCRIPT_RENDERER

WHO_COLUMNS = (
    "created_by",
    "creation_date",
    "last_updated_by",
    "last_update_date",
    "last_update_login",
)


def actor_for(request) -> services.Actor:
    """The who-columns' view of the logged-in user: username and an id of the session."""
    session_key = getattr(getattr(request, "session", None), "session_key", None) or ""
    login = salted_hmac("calls.admin.login", session_key or str(request.user.pk)).hexdigest()
    return services.Actor(username=request.user.get_username(), login=login[:32])


class TranscriptMessageInline(admin.TabularInline):
    model = TranscriptMessage
    form = TranscriptMessageInlineForm
    extra = 0
    ordering = ("id",)
    readonly_fields = ("last_updated_by", "last_update_date")
    fields = (*TranscriptMessageInlineForm.Meta.fields, *readonly_fields)
    verbose_name = "transcript message"
    verbose_name_plural = "transcript"

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, renderer=TRANSCRIPT_RENDERER, **kwargs)


class OnHoldFilter(admin.SimpleListFilter):
    title = "legal hold"
    parameter_name = "on_hold"

    def lookups(self, request, model_admin):
        return [("yes", "On hold"), ("no", "Not on hold")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(legal_hold_since=None)
        if self.value() == "no":
            return queryset.filter(legal_hold_since=None)
        return queryset


class PhoneCallAdmin(SimpleHistoryAdmin):
    form = PhoneCallAdminForm
    action_form = LegalHoldActionForm
    actions = ("place_legal_hold", "release_legal_hold", "export_subject_data")
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
    list_filter = ("left_message_flag", "deleted_flag", OnHoldFilter, "creation_date")
    search_fields = ("call_number", "phone_number", "external_system_call_id")
    search_help_text = "Search by call number, phone number or external call id."
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

    # Reads ---------------------------------------------------------------------------

    def get_queryset(self, request):
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

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        response = super().render_change_form(request, context, add, change, form_url, obj)
        # The transcript is inline on the page, so opening it is reading the transcript.
        # message_count is get_queryset()'s annotation: no query to know there is one.
        if obj is not None and obj.pk and getattr(obj, "message_count", 1):
            access_record_served(
                request=request, response=response, call=obj, kind="transcript_view", channel="ui"
            )
        return response

    def get_fieldsets(self, request, obj=None):
        recording = ["recording_player", "recording_file"]
        if obj is not None and obj.recording:
            recording.append("clear_recording")
        recording += ["recording_format", "recording_url"]
        fieldsets = [
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
        if obj is not None:
            fieldsets.append(("Record history", {"fields": (*WHO_COLUMNS, "version")}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            # CallNumber is the public id: settable on create only (the contract).
            return ("call_number", *self.readonly_fields)
        return self.readonly_fields

    @admin.display(description="Left message", boolean=True, ordering="left_message_flag")
    def left_message(self, obj):
        return obj.left_message_flag

    @admin.display(description="Deleted", boolean=True, ordering="deleted_flag")
    def deleted(self, obj):
        return obj.deleted_flag

    @admin.display(description="Messages", ordering="message_count")
    def message_count(self, obj):
        return obj.message_count

    @admin.display(description="Recording", boolean=True)
    def has_recording(self, obj):
        return bool(obj.recording)

    @admin.display(description="On hold", boolean=True, ordering="legal_hold_since")
    def on_hold(self, obj):
        return obj.legal_hold_since is not None

    # Legal hold ----------------------------------------------------------------------

    @admin.action(
        description="Place on legal hold (with the reason beside)", permissions=["change"]
    )
    def place_legal_hold(self, request, queryset):
        reason = (request.POST.get("hold_reason") or "").strip()
        if not reason:
            self.message_user(request, "Give a hold reason to place a legal hold.", messages.ERROR)
            return
        held = services.legal_hold_place(actor=actor_for(request), calls=queryset, reason=reason)
        self.message_user(request, f"{len(held)} call(s) placed on legal hold.")

    @admin.action(description="Release the legal hold", permissions=["change"])
    def release_legal_hold(self, request, queryset):
        released = services.legal_hold_release(actor=actor_for(request), calls=queryset)
        self.message_user(request, f"{len(released)} call(s) released from legal hold.")

    @admin.action(
        description="Export everything held about these calls' phone numbers (subject access)",
        permissions=["view"],
    )
    def export_subject_data(self, request, queryset):
        # The same archive as manage.py subject_export, for every number of the selection.
        wanted = {
            numbers.normalise(n) for n in queryset.values_list("phone_number", flat=True) if n
        }
        wanted.discard(None)
        if not wanted:
            self.message_user(
                request, "None of the selected calls has a phone number.", messages.ERROR
            )
            return None
        ids: set[int] = set()
        for number in sorted(wanted):
            ids.update(numbers.calls_of(number).values_list("id", flat=True))
        # Recordings can be large: on disk, not in memory; FileResponse closes the file.
        out = tempfile.TemporaryFile()  # noqa: SIM115
        archive.write_archive(
            out,
            PhoneCall.objects.filter(id__in=ids),
            asked={
                "phone_numbers": ", ".join(sorted(wanted)),
                "requested_by": request.user.get_username(),
            },
        )
        out.seek(0)
        return FileResponse(
            out, as_attachment=True, filename="subject-access.zip", content_type="application/zip"
        )

    def has_delete_permission(self, request, obj=None):
        # A held call has no Delete button, and its delete page answers 403.
        if obj is not None and obj.legal_hold_since is not None:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
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
    def recording_player(self, obj):
        if obj is None or not obj.pk or not obj.recording:
            return "No recording."
        try:
            url = reverse("calls:recording", kwargs={"call_id": obj.pk})
        except NoReverseMatch:
            return "A recording is stored (the player needs the staff recording page)."
        # The version in the URL makes the browser fetch a replaced recording afresh.
        return format_html(
            '<audio class="callbook-player" controls preload="metadata" src="{}?v={}">'
            '<a href="{}">Download the recording</a></audio>',
            url,
            obj.version,
            url,
        )

    # Writes: all through calls.services ---------------------------------------------

    def save_model(self, request, obj, form, change):
        # The call and its messages are written together, through the service, in
        # save_related(), where the inline formsets are known too. Only the history's
        # user is noted here (what SimpleHistoryAdmin.save_model would do).
        obj._history_user = request.user

    def revert_disabled(self, request, obj=None):
        # django-simple-history's revert saves through save_model() alone, which writes
        # nothing here: the history is for reading; corrections go through the change form.
        return True

    def save_related(self, request, form, formsets, change):
        call = form.instance
        model_fields = {f.name for f in PhoneCall._meta.concrete_fields}
        changed_fields = [name for name in form.changed_data if name in model_fields]
        upload = form.cleaned_data.get("recording_file")
        clear = bool(form.cleaned_data.get("clear_recording")) and bool(call.recording)
        if (upload or clear) and "recording_format" not in changed_fields:
            call.recording_format = recording_media_type(upload) if upload else None
            changed_fields.append("recording_format")

        new, changed, deleted = [], [], []
        for formset in formsets:
            # commit=False applies the edits to instances and records new_objects,
            # changed_objects and deleted_objects (the change message reads them).
            formset.save(commit=False)
            new += formset.new_objects
            changed += formset.changed_objects
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
        )

    def delete_model(self, request, obj):
        services.phone_call_delete(call=obj)

    def delete_queryset(self, request, queryset):
        for call in queryset:
            services.phone_call_delete(call=call)
