"""The admin's WebVTT upload on a call: the times of its messages from a file.

The file's cue identifiers are ``MessageNumber``s; ``calls.transcript_vtt.import_times``
sets the start and end of each message they name, in one transaction, and the page says
how many got new times and which cues named no message of the call.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from .. import services
from ..models import PhoneCall
from ..transcript_vtt import InvalidVtt, import_times, report
from .actors import actor_for

# An upload is read whole: a generous bound for the longest transcript's times.
MAX_BYTES = 16 * 1024 * 1024


class VttUploadForm(forms.Form):
    file = forms.FileField(
        label="WebVTT file",
        help_text="Cue identifiers are the messages' MessageNumbers; only times are set.",
        widget=forms.ClearableFileInput(attrs={"accept": ".vtt,text/vtt"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // 2**20} MB.")
        return upload


def import_vtt_view(model_admin: Any, request: HttpRequest, call: PhoneCall) -> HttpResponseBase:
    """GET: the form; POST: import, then back to the call's change page with a message."""
    if not model_admin.has_change_permission(request, call):
        raise PermissionDenied
    change_url = reverse("admin:calls_phonecall_change", args=[call.pk])
    form = VttUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = import_times(
                actor=actor_for(request), call=call, content=form.cleaned_data["file"].read()
            )
        except InvalidVtt as error:
            form.add_error("file", f"Nothing was imported: {error}.")
        except services.InvalidTiming as error:
            where = f"cue {error.index + 1}" if error.index is not None else "a cue"
            form.add_error("file", f"Nothing was imported: {where}: {error.name} {error.detail}")
        else:
            level = messages.WARNING if result.unmatched else messages.SUCCESS
            messages.add_message(request, level, report(result))
            return HttpResponseRedirect(change_url)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Import times from WebVTT: {call}",
        "opts": model_admin.opts,
        "original": call,
        "form": form,
        "change_url": change_url,
    }
    return TemplateResponse(request, "admin/calls/phonecall/import_vtt.html", context)
