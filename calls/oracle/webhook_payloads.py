"""The bodies of webhook events: the Oracle item as the API renders it in framework version 4.

Standard Webhooks' envelope (``type``, ``timestamp``, ``data``) around the call's item, with
its transcript expanded (a v4 child collection) for ``call.created`` and
``transcript.updated``. A deleted call (or one gone before its event was sent) is named by
``CallId`` and ``CallNumber`` alone. Links are absolute under ``CALLBOOK_PUBLIC_URL``: the
worker has no request to take the host from.
"""

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings

from calls.models import PhoneCall, TranscriptMessage

from . import custom
from .links import ROOT_PATH
from .rendering import Renderer

FRAMEWORK_VERSION = 4
EXPANDED = frozenset({"call.created", "transcript.updated"})


def needs_messages(event_type: str) -> bool:
    return event_type in EXPANDED


def event_body(
    event_type: str,
    *,
    call_id: int,
    call_number: str,
    occurred_at: datetime,
    call: PhoneCall | None,
    messages: Iterable[TranscriptMessage] | None = None,
) -> str:
    """The exact JSON text that is signed and sent."""
    if call is None or event_type == "call.deleted":
        data = {"CallId": call_id, "CallNumber": call_number}
    else:
        # The item as the API answers it now, custom attributes (and the times) included.
        renderer = Renderer(
            settings.CALLBOOK_PUBLIC_URL + ROOT_PATH, FRAMEWORK_VERSION, attributes=custom.current()
        )
        data = renderer.call(call, list(messages or ()) if needs_messages(event_type) else None)
    envelope = {
        "type": event_type,
        "timestamp": occurred_at.astimezone(UTC).isoformat(timespec="milliseconds"),
        "data": data,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
