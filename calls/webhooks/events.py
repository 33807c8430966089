"""The event types a webhook endpoint can subscribe to (Standard Webhooks: ``noun.verb``)."""

CALL_CREATED = "call.created"
CALL_UPDATED = "call.updated"
CALL_DELETED = "call.deleted"
# Messages added, changed or removed: one event per write, whatever the number of messages.
TRANSCRIPT_UPDATED = "transcript.updated"
RECORDING_STORED = "recording.stored"
RECORDING_REMOVED = "recording.removed"

EVENT_TYPES: tuple[str, ...] = (
    CALL_CREATED,
    CALL_UPDATED,
    CALL_DELETED,
    TRANSCRIPT_UPDATED,
    RECORDING_STORED,
    RECORDING_REMOVED,
)

DESCRIPTIONS = {
    CALL_CREATED: "A call was created",
    CALL_UPDATED: "Attributes of a call changed",
    CALL_DELETED: "A call was deleted",
    TRANSCRIPT_UPDATED: "Transcript messages were added, changed or removed",
    RECORDING_STORED: "A recording was stored",
    RECORDING_REMOVED: "A recording was removed",
}


def parse_event_types(raw: str) -> list[str]:
    """``call.created,transcript.updated`` as a list; ``*`` or ``all`` means every type."""
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if names in (["*"], ["all"]):
        return list(EVENT_TYPES)
    unknown = [name for name in names if name not in EVENT_TYPES]
    if unknown:
        raise ValueError(
            f"unknown event type {unknown[0]!r}; the types are {', '.join(EVENT_TYPES)}"
        )
    if not names:
        raise ValueError("name at least one event type")
    return list(dict.fromkeys(names))
