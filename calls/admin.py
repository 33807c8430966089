"""The admin: calls with their transcript inline, written through ``calls.services``.

The admin never saves a call or a message itself. ``PhoneCallAdmin.save_related`` collects
what the forms changed and hands it to ``phone_call_admin_save``, which sets the who-columns
from the logged-in user and bumps the call's version once, like every other write. Deletes
go through ``phone_call_delete`` so the recording leaves storage with its call.
"""

import mimetypes

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.forms.renderers import DjangoTemplates
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import salted_hmac
from django.utils.html import conditional_escape, format_html
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import PhoneCall, TranscriptMessage

WHO_COLUMNS = (
    "created_by",
    "creation_date",
    "last_updated_by",
    "last_update_date",
    "last_update_login",
)
VISIBILITIES = [
    (TranscriptMessage.EXTERNAL, "External"),
    (TranscriptMessage.INTERNAL, "Internal"),
]


def actor_for(request) -> services.Actor:
    """The who-columns' view of the logged-in user: username and an id of the session."""
    session_key = getattr(getattr(request, "session", None), "session_key", None) or ""
    login = salted_hmac("calls.admin.login", session_key or str(request.user.pk)).hexdigest()
    return services.Actor(username=request.user.get_username(), login=login[:32])


def _recording_media_type(upload) -> str | None:
    """The media type of an uploaded recording, or None when it is not audio."""
    content_type = (getattr(upload, "content_type", None) or "").split(";")[0].strip().lower()
    if not content_type or content_type == "application/octet-stream":
        content_type = (mimetypes.guess_type(upload.name or "")[0] or "").lower()
    # video/webm and video/ogg are how browsers often label audio-only WebM and Ogg files.
    if content_type.startswith("audio/") or content_type in ("video/webm", "video/ogg"):
        return content_type
    return None


class PhoneCallAdminForm(forms.ModelForm):
    """The call's own fields plus the recording upload and a stale-edit guard."""

    recording_file = forms.FileField(
        required=False,
        label="Upload a recording",
        help_text="An audio file (WAV, MP3, Ogg, WebM…); replaces the current recording.",
        widget=forms.FileInput(attrs={"accept": "audio/*"}),
    )
    clear_recording = forms.BooleanField(required=False, label="Remove the recording")
    # The version the page was opened at: saving over somebody else's change is refused.
    loaded_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = PhoneCall
        fields = (
            "call_number",
            "phone_number",
            "interaction_id",
            "external_system_call_id",
            "left_message_flag",
            "deleted_flag",
            "recording_format",
            "recording_url",
            "call_details_url",
            "transcript_url",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean_recording_file(self):
        upload = self.cleaned_data.get("recording_file")
        if upload and _recording_media_type(upload) is None:
            raise ValidationError("Upload an audio file (WAV, MP3, Ogg, WebM…).")
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("recording_file") and cleaned.get("clear_recording"):
            raise ValidationError("Upload a new recording or remove the current one, not both.")
        loaded = cleaned.get("loaded_version")
        if self.instance.pk and loaded is not None:
            current = (
                PhoneCall.objects.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if current is not None and current != loaded:
                raise ValidationError(
                    "This call was changed by someone else after you opened it "
                    f"(version {loaded}, now {current}). Reload the page and make "
                    "your change again."
                )
        return cleaned


class TranscriptInlineRenderer(DjangoTemplates):
    """Django's form renderer, with the inline's few widget templates done in Python.

    Django renders every widget, and every (empty) error list, through a template: a
    500-message transcript is ~5,500 widgets and ~4,000 error lists, seconds of template
    work per page. The plain input, checkbox, hidden and textarea widgets and the empty
    error list are produced here with the same markup as Django's templates (a test
    compares them); anything else falls through to the templates.
    """

    _INPUTS = {
        "django/forms/widgets/text.html",
        "django/forms/widgets/number.html",
        "django/forms/widgets/hidden.html",
        "django/forms/widgets/checkbox.html",
        "django/forms/widgets/input.html",
    }
    _ERRORS = {"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"}

    @staticmethod
    def _attrs(attrs) -> str:
        return "".join(
            f" {conditional_escape(name)}"
            + ("" if value is True else f'="{conditional_escape(_text(value))}"')
            for name, value in attrs.items()
            if value is not False
        )

    def render(self, template_name, context, request=None):
        if template_name in self._ERRORS and not context.get("errors"):
            return ""
        widget = context.get("widget")
        if template_name in self._INPUTS:
            value = widget["value"]
            shown = "" if value is None else f' value="{conditional_escape(_text(value))}"'
            return (
                f'<input type="{conditional_escape(widget["type"])}" '
                f'name="{conditional_escape(widget["name"])}"{shown}'
                f"{self._attrs(widget['attrs'])}>"
            )
        if template_name == "django/forms/widgets/textarea.html":
            value = widget["value"]
            return (
                f'<textarea name="{conditional_escape(widget["name"])}"'
                f"{self._attrs(widget['attrs'])}>\n"
                f"{conditional_escape(value) if value else ''}</textarea>"
            )
        return super().render(template_name, context, request)


def _text(value) -> str:
    # The templates' |stringformat:'s', which keeps a safe string safe.
    return value if isinstance(value, str) else str(value)


TRANSCRIPT_RENDERER = TranscriptInlineRenderer()


class TranscriptMessageInlineForm(forms.ModelForm):
    # Blank (or absent) reads as EXTERNAL, as Oracle reads a null VisibilityCd.
    visibility_cd = forms.ChoiceField(choices=VISIBILITIES, required=False, label="Visibility")

    class Meta:
        model = TranscriptMessage
        fields = (
            "message_number",
            "role_cd",
            "posted_by_display_name",
            "posted_by_party_id",
            "message_type_cd",
            "visibility_cd",
            "message_content",
            "deleted_flag",
        )
        widgets = {
            "message_content": forms.Textarea(attrs={"rows": 2, "cols": 48}),
            "role_cd": forms.TextInput(attrs={"size": 10}),
            "message_type_cd": forms.TextInput(attrs={"size": 8}),
            "posted_by_party_id": forms.TextInput(attrs={"size": 10}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # MessageNumber is set on create only (the contract); disabled inputs aren't posted.
            self.fields["message_number"].disabled = True
            current = self.instance.visibility_cd
            if current and current not in dict(VISIBILITIES):
                # A value written through the API stays selectable instead of being lost.
                self.fields["visibility_cd"].choices = [*VISIBILITIES, (current, current)]

    def clean_visibility_cd(self):
        return self.cleaned_data.get("visibility_cd") or TranscriptMessage.EXTERNAL


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


@admin.register(PhoneCall)
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
        model_fields = {f.name for f in PhoneCall._meta.concrete_fields}
        changed_fields = [name for name in form.changed_data if name in model_fields]
        upload = form.cleaned_data.get("recording_file")
        clear = bool(form.cleaned_data.get("clear_recording")) and bool(call.recording)
        if (upload or clear) and "recording_format" not in changed_fields:
            call.recording_format = _recording_media_type(upload) if upload else None
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


from . import admin_audit  # noqa: E402,F401
