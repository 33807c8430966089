"""The admin of calls: with their transcript inline, written through ``calls.services``.

The admin never saves a call or a message itself. ``PhoneCallAdmin.save_related`` collects
what the forms changed and hands it to ``phone_call_admin_save``, which sets the who-columns
from the logged-in user and bumps the call's version once, like every other write. Deletes
go through ``phone_call_delete`` so the recording leaves storage with its call.
"""

from django.contrib import admin, messages
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import salted_hmac
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .. import services
from ..audit import access_record_served
from ..models import PhoneCall, TranscriptMessage
from ..oracle import custom
from .custom_fields import model_fields, with_custom_fields
from .forms import PhoneCallAdminForm, TranscriptMessageInlineForm, recording_media_type
from .renderers import TRANSCRIPT_RENDERER

CUSTOM_FIELDSET = "Custom attributes"
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

    def get_fields(self, request, obj=None):
        # The declared custom message attributes, after the built-in ones.
        names = [a.name for a in custom.custom_attributes(custom.current().messages)]
        return (*TranscriptMessageInlineForm.Meta.fields, *names, *self.readonly_fields)

    def get_formset(self, request, obj=None, **kwargs):
        form = with_custom_fields(self.form, custom.current().messages)
        return super().get_formset(request, obj, form=form, renderer=TRANSCRIPT_RENDERER, **kwargs)


class PhoneCallAdmin(SimpleHistoryAdmin):
    form = PhoneCallAdminForm
    inlines = (TranscriptMessageInline,)
    list_display = (
        "call_number",
        "phone_number",
        "creation_date",
        "left_message",
        "deleted",
        "message_count",
        "has_recording",
    )
    list_display_links = ("call_number",)
    # No foreign key to follow; the message count is an annotation of get_queryset().
    list_select_related = False
    list_filter = ("left_message_flag", "deleted_flag", "creation_date")
    search_fields = ("call_number", "phone_number", "external_system_call_id")
    search_help_text = "Search by call number, phone number or external call id."
    date_hierarchy = "creation_date"
    ordering = ("-creation_date", "-id")
    list_per_page = 50
    # COUNT(*) of the whole table on every page view is what slows big change lists down.
    show_full_result_count = False
    readonly_fields = (*WHO_COLUMNS, "version", "recording_player")

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = with_custom_fields(self.form, custom.current().calls)
        return super().get_form(request, obj, change, form=form, **kwargs)

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
        ]
        names = tuple(a.name for a in custom.custom_attributes(custom.current().calls))
        if names:
            fieldsets.append((CUSTOM_FIELDSET, {"fields": names}))
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
        concrete = {f.name for f in PhoneCall._meta.concrete_fields}
        changed = model_fields(form.changed_data, type(form))
        changed_fields = [name for name in changed if name in concrete]
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
        )

    def delete_model(self, request, obj):
        services.phone_call_delete(call=obj)

    def delete_queryset(self, request, queryset):
        for call in queryset:
            services.phone_call_delete(call=call)


class CustomAttributeAdmin(admin.ModelAdmin):
    """Declarations of custom attributes, written through the services: every worker sees a
    change on its next request; removing one keeps the values stored under its name."""

    list_display = ("name", "resource", "type", "max_length", "title", "updated_at")
    list_filter = ("resource", "type")
    search_fields = ("name", "title")
    fields = ("name", "resource", "type", "max_length", "title")
    ordering = ("resource", "name")

    def save_model(self, request, obj, form, change):
        services.custom_attribute_save(attribute=obj)
        if connection.vendor == "postgresql":
            self.message_user(
                request,
                f"On PostgreSQL, run `manage.py custom_attributes index` to index {obj.name} "
                "for q and orderBy on many calls.",
                messages.INFO,
            )

    def delete_model(self, request, obj):
        services.custom_attribute_delete(attribute=obj)

    def delete_queryset(self, request, queryset):
        for attribute in queryset:
            services.custom_attribute_delete(attribute=attribute)
