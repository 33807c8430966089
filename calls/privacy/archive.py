"""Subject access: one ZIP archive with everything held about the calls of a phone number.

- ``calls.jsonl``: each call as the API renders it (``expand=TranscriptMessage&onlyData=true``,
  framework version 1: the same lines as ``export_calls``);
- ``transcripts/<CallNumber>.txt``: each transcript as text (the staff download's format);
- ``recordings/<CallNumber><ext>``: each recording's bytes, copied from storage in chunks;
- ``access_records.jsonl``: who read those calls' recordings and transcripts, and when;
- ``manifest.json``: what was asked, when, and how many of each.

Texts are as stored: redacted. The archive is written to a file (recordings can be large)
and read by the caller (the command writes it where asked, the admin streams it).
"""

import json
import mimetypes
import shutil
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO

from django.db.models import Prefetch, QuerySet

from .. import audit_export
from ..exports import jsonl_lines
from ..models import PhoneCall, TranscriptMessage
from ..staff.text import transcript_lines

_CHUNK = 1024 * 1024


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name).strip("._") or "call"


def write_archive(
    out: IO[bytes], calls: QuerySet[PhoneCall], *, asked: dict[str, str]
) -> dict[str, int]:
    """Write the archive of ``calls`` to ``out``; the counts the manifest holds."""
    calls = calls.order_by("id").prefetch_related(
        Prefetch("messages", queryset=TranscriptMessage.objects.order_by("id"))
    )
    rows = list(calls)
    counts = {"calls": len(rows), "messages": 0, "recordings": 0, "access_records": 0}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("calls.jsonl", "w") as items:
            for line in jsonl_lines(rows):
                items.write(line.encode("utf-8"))
        for call in rows:
            messages = list(call.messages.all())
            counts["messages"] += len(messages)
            stem = _safe(call.call_number)
            archive.writestr(f"transcripts/{stem}.txt", "".join(transcript_lines(call, messages)))
            if call.recording.name:
                extension = mimetypes.guess_extension(call.recording_format or "") or ".bin"
                with (
                    call.recording.storage.open(call.recording.name, "rb") as source,
                    archive.open(f"recordings/{stem}{extension}", "w", force_zip64=True) as target,
                ):
                    shutil.copyfileobj(source, target, _CHUNK)
                counts["recordings"] += 1
        records = audit_export.between(None, None).filter(call_id__in=[c.pk for c in rows])
        counts["access_records"] = _write_lines(
            archive, "access_records.jsonl", audit_export.lines(records, "jsonl")
        )
        manifest = {
            **asked,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **counts,
            "call_numbers": [c.call_number for c in rows],
            "note": "Transcripts are as stored: redacted by the deployment's policy.",
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return counts


def _write_lines(archive: zipfile.ZipFile, name: str, lines: Iterable[str]) -> int:
    count = 0
    with archive.open(name, "w") as target:
        for line in lines:
            target.write(line.encode("utf-8"))
            count += 1
    return count
