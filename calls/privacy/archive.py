"""Subject access: one ZIP archive with everything held about the calls of a phone number.

- ``calls.jsonl``: each call as the API renders it (``expand=TranscriptMessage&onlyData=true``,
  framework version 1: the same lines as ``export_calls``);
- ``transcripts/<CallNumber>.txt``: each transcript as text (the staff download's format);
- ``recordings/<CallNumber><ext>``: each recording's bytes, copied from storage in chunks;
- ``originals/<CallNumber>.txt``: the transcript with the unredacted originals the
  deployment keeps (policy ``redacted+original``), for the calls that have any, when the
  caller may read them (``originals``); each read is audited as every read of an original
  is (``calls.redaction.originals``). Security codes are never in them: never kept;
- ``access_records.jsonl``: who read those calls' recordings and transcripts, and when
  (the reads of originals this export made among them);
- ``manifest.json`` and ``README.txt``: what was asked, when, how many of each, and
  whether the originals are in (or why not).

Texts elsewhere are as stored: redacted. The archive is written to a file (recordings can
be large) and read by the caller (the command writes it where asked, the admin streams it).
"""

import copy
import json
import mimetypes
import shutil
import zipfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import IO

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch, QuerySet

from .. import audit_export
from ..exports import jsonl_lines
from ..models import PhoneCall, TranscriptMessage
from ..redaction.crypto import OriginalUnreadable
from ..staff.text import transcript_lines

_CHUNK = 1024 * 1024


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name).strip("._") or "call"


# Reads one kept original, audited; raises what calls.redaction.originals raises.
OriginalReader = Callable[[TranscriptMessage], str]


def write_archive(
    out: IO[bytes],
    calls: QuerySet[PhoneCall],
    *,
    asked: dict[str, str],
    originals: OriginalReader | None = None,
    originals_left_out: str = "",
) -> dict[str, int]:
    """Write the archive of ``calls`` to ``out``; the counts the manifest holds.

    ``originals`` reads the kept originals into ``originals/``; without it they are left
    out and ``originals_left_out`` says why (in the manifest and the README)."""
    calls = calls.order_by("id").prefetch_related(
        Prefetch("messages", queryset=TranscriptMessage.objects.order_by("id"))
    )
    rows = list(calls)
    counts = {
        "calls": len(rows),
        "messages": 0,
        "recordings": 0,
        "originals_kept": 0,
        "originals_included": 0,
        "originals_unreadable": 0,
        "access_records": 0,
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("calls.jsonl", "w") as items:
            for line in jsonl_lines(rows):
                items.write(line.encode("utf-8"))
        for call in rows:
            messages = list(call.messages.all())
            counts["messages"] += len(messages)
            stem = _safe(call.call_number)
            archive.writestr(f"transcripts/{stem}.txt", "".join(transcript_lines(call, messages)))
            kept = [m for m in messages if m.content_original is not None]
            counts["originals_kept"] += len(kept)
            if kept and originals is not None:
                said = _with_originals(messages, originals, counts)
                archive.writestr(f"originals/{stem}.txt", "".join(transcript_lines(call, said)))
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
        notes = [
            "Transcripts (calls.jsonl, transcripts/) are as stored: redacted by the "
            "deployment's policy.",
            _originals_note(counts, originals is not None, originals_left_out),
        ]
        manifest = {
            **asked,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **counts,
            "call_numbers": [c.call_number for c in rows],
            "note": " ".join(notes),
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        archive.writestr("README.txt", _readme(manifest, notes))
    return counts


def _with_originals(
    messages: list[TranscriptMessage], read: OriginalReader, counts: dict[str, int]
) -> list[TranscriptMessage]:
    """``messages`` with the text of each kept original (copies: the rows stay as stored);
    one that no configured key opens keeps its redacted text, and is counted."""
    out = []
    for message in messages:
        if message.content_original is None:
            out.append(message)
            continue
        try:
            text = read(message)
        except (OriginalUnreadable, ImproperlyConfigured):
            counts["originals_unreadable"] += 1
            out.append(message)
            continue
        counts["originals_included"] += 1
        said = copy.copy(message)
        said.message_content = text
        out.append(said)
    return out


def _originals_note(counts: dict[str, int], readable: bool, left_out: str) -> str:
    if not counts["originals_kept"]:
        return "No unredacted originals are kept for these calls."
    if not readable:
        return f"{counts['originals_kept']} unredacted originals are kept but left out: {left_out}"
    note = (
        f"originals/ holds the transcripts with the {counts['originals_included']} unredacted "
        "originals kept (security codes are never kept); each read is an access record "
        "(transcript_original_view)."
    )
    if counts["originals_unreadable"]:
        note += (
            f" {counts['originals_unreadable']} originals could not be opened with the "
            "configured keys: their redacted text stands."
        )
    return note


def _readme(manifest: dict, notes: list[str]) -> str:
    lines = [
        "Subject access archive",
        "",
        f"Exported at {manifest['exported_at']}: {manifest['calls']} calls, "
        f"{manifest['messages']} messages, {manifest['recordings']} recordings, "
        f"{manifest['access_records']} access records.",
        "",
        "calls.jsonl           each call as the REST API renders it",
        "transcripts/          each transcript as text",
        "originals/            transcripts with the unredacted originals (when included)",
        "recordings/           each recording as stored",
        "access_records.jsonl  who read those calls' recordings and transcripts, and when",
        "manifest.json         what was asked and how many of each",
        "",
        *notes,
    ]
    return "\n".join(lines) + "\n"


def _write_lines(archive: zipfile.ZipFile, name: str, lines: Iterable[str]) -> int:
    count = 0
    with archive.open(name, "w") as target:
        for line in lines:
            target.write(line.encode("utf-8"))
            count += 1
    return count
