"""The admin's forms: a call with its recording upload, and one transcript message."""

import mimetypes
from typing import Any

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from ..models import PhoneCall, TranscriptMessage

VISIBILITIES = [
    (TranscriptMessage.EXTERNAL, "External"),
    (TranscriptMessage.INTERNAL, "Internal"),
]


def recording_media_type(upload: UploadedFile) -> str | None:
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
            "legal_hold_reason",
        )
        labels = {"legal_hold_reason": "Legal hold reason"}
        help_texts = {
            "legal_hold_reason": "A reason puts the call on legal hold (it cannot be deleted, "
            "retention and erasure skip it); clearing it lifts the hold."
        }
        widgets = {"legal_hold_reason": forms.Textarea(attrs={"rows": 2, "cols": 60})}

    # Why the last attempt to save this form could not be applied (set by the admin when the
    # service refused it): the form is shown again, with what was typed, and this reason.
    refusal: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def newer_version_seen(self, current: int) -> None:
        """Let the next save of this (bound) form apply over version ``current``.

        The page keeps what the admin typed; the message says somebody else saved first.
        Saving again is then a deliberate choice to apply these values over theirs.
        """
        self.data = {**dict(self.data.items()), "loaded_version": str(current)}

    def clean_legal_hold_reason(self) -> str | None:
        # No reason is no hold: stored as null, as a call without one has it (a blank would
        # read as a change from null in the History).
        reason = (self.cleaned_data.get("legal_hold_reason") or "").strip()
        return reason or None

    def clean_recording_file(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("recording_file")
        if upload and recording_media_type(upload) is None:
            raise ValidationError("Upload an audio file (WAV, MP3, Ogg, WebM…).")
        return upload

    def clean(self) -> dict[str, Any]:
        super().clean()  # ModelForm's: returns cleaned_data, the stubs allow None
        cleaned = self.cleaned_data
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
                self.newer_version_seen(current)
                raise ValidationError(version_conflict(loaded, current))
        if self.refusal:
            raise ValidationError(self.refusal)
        return cleaned


def version_conflict(loaded: int | None, current: int) -> str:
    return (
        "This call was changed by someone else after you opened it "
        f"(version {loaded}, now {current}), so nothing was saved. What you typed is kept "
        "below; open the call in another tab to see their change, then save again to "
        "apply yours over it."
    )


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
        # Short column headings; they also name each input (with the message's position).
        labels = {
            "message_number": "MessageNumber",
            "role_cd": "Role",
            "posted_by_display_name": "Posted by",
            "posted_by_party_id": "Party id",
            "message_type_cd": "Type",
            "message_content": "Text",
            "deleted_flag": "Deleted",
        }
        widgets = {
            "message_content": forms.Textarea(attrs={"rows": 2, "cols": 48}),
            "role_cd": forms.TextInput(attrs={"size": 10}),
            "message_type_cd": forms.TextInput(attrs={"size": 8}),
            "posted_by_party_id": forms.TextInput(attrs={"size": 10}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # MessageNumber is set on create only (the contract); disabled inputs aren't posted.
            self.fields["message_number"].disabled = True
            current = self.instance.visibility_cd
            visibility = self.fields["visibility_cd"]
            if current and current not in dict(VISIBILITIES):
                # A value written through the API stays selectable instead of being lost.
                assert isinstance(visibility, forms.ChoiceField)  # declared above
                visibility.choices = [*VISIBILITIES, (current, current)]

    def clean_visibility_cd(self) -> str:
        return self.cleaned_data.get("visibility_cd") or TranscriptMessage.EXTERNAL


class LegalHoldActionForm(ActionForm):
    """The change list's action bar, with the reason the hold action needs."""

    hold_reason = forms.CharField(
        required=False,
        label="Hold reason",
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "for Place on legal hold"}),
    )
