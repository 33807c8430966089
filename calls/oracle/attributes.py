"""The one table of the resource's attributes.

Serializers, item rendering, the ``q`` allow-list, ``fields``/``orderBy`` validation and
``describe`` all read these tuples, so they cannot disagree about a name, a type or a rule.
The built-in attributes are the tuples below; the custom (``_c``) attributes an admin
declares join them per request (``calls.oracle.custom.current()`` gives an
``AttributeSet``), so code that serves a request takes its attributes from there.
"""

from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType

STRING = "string"
INTEGER = "integer"
BOOLEAN = "boolean"
DATETIME = "datetime"
BYTES = "byte"
NUMBER = "number"  # custom attributes only: a JSON number (Oracle's NUMBER with a scale)

# The range of an INTEGER attribute (Oracle NUMBER(18) keys; the database's bigint).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Attribute:
    name: str  # the Oracle name on the wire
    field: str  # the model field, or an ORM path for values read from the parent
    type: str
    title: str
    max_length: int | None = None
    creatable: bool = True  # may be sent on create
    updatable: bool = True  # may be sent on update
    mandatory: bool = False  # must be sent on create
    queryable: bool = True  # usable in q, orderBy
    inline: bool = True  # rendered in the item (LOBs served only by their enclosure are not)
    enclosure: bool = False  # has an enclosure URL
    # A declared custom attribute: its value lives under its name in the row's ``custom``
    # JSON column (``field`` is ``custom.<name>``), and ``q``/``orderBy`` read it through
    # ``calls.sql.custom.CustomValue``.
    custom: bool = False
    # False for the custom attributes declared out of the box (``declarations.DEFAULTS``): an
    # item carries them only when they hold a value or ``fields`` names them, so a tenant
    # that does not use them gets Oracle's standard item, attribute for attribute.
    rendered_when_null: bool = True

    @property
    def read_only(self) -> bool:
        return not (self.creatable or self.updatable)


def _who_columns() -> tuple[Attribute, ...]:
    return (
        Attribute("CreatedBy", "created_by", STRING, "Created By", 64, False, False),
        Attribute("CreationDate", "creation_date", DATETIME, "Creation Date", None, False, False),
        Attribute("LastUpdatedBy", "last_updated_by", STRING, "Last Updated By", 64, False, False),
        Attribute(
            "LastUpdateDate", "last_update_date", DATETIME, "Last Update Date", None, False, False
        ),
        Attribute(
            "LastUpdateLogin", "last_update_login", STRING, "Last Update Login", 32, False, False
        ),
    )


CALL_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("CallId", "id", INTEGER, "Call ID", creatable=False, updatable=False),
    Attribute("CallNumber", "call_number", STRING, "Call Number", 30, updatable=False),
    Attribute("CallDetailsURL", "call_details_url", STRING, "Call Details URL", 1000),
    Attribute(
        "CallRecording",
        "recording",
        BYTES,
        "Call Recording",
        queryable=False,
        inline=False,
        enclosure=True,
    ),
    Attribute("DeletedFlag", "deleted_flag", BOOLEAN, "Deleted", 1),
    Attribute("ExternalSystemCallId", "external_system_call_id", STRING, "External Call ID", 255),
    Attribute("InteractionId", "interaction_id", INTEGER, "Interaction ID", mandatory=True),
    Attribute("LeftMessageFlag", "left_message_flag", BOOLEAN, "Left Message", 1),
    Attribute("PhoneNumber", "phone_number", STRING, "Phone Number", 30),
    Attribute("RecordingFormat", "recording_format", STRING, "Recording Format", 64),
    Attribute("RecordingURL", "recording_url", STRING, "Recording URL", 1000),
    Attribute("TranscriptURL", "transcript_url", STRING, "Transcript URL", 1000),
    *_who_columns(),
)

MESSAGE_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("MessageId", "id", INTEGER, "Message ID", creatable=False, updatable=False),
    # Taken from the path; a body may repeat it, a different value is refused.
    Attribute("CallId", "call_id", INTEGER, "Call ID"),
    Attribute("DeletedFlag", "deleted_flag", BOOLEAN, "Deleted", 1),
    Attribute(
        "MessageContent",
        "message_content",
        BYTES,
        "Message",
        queryable=False,
        enclosure=True,
    ),
    Attribute("MessageNumber", "message_number", STRING, "Message Number", 30, updatable=False),
    Attribute("MessageTypeCd", "message_type_cd", STRING, "Message Type", 30),
    Attribute("PostedByDisplayName", "posted_by_display_name", STRING, "Posted By", 64),
    Attribute("PostedByPartyId", "posted_by_party_id", STRING, "Contact ID", 30),
    Attribute("RoleCd", "role_cd", STRING, "Role", 30),
    Attribute("VisibilityCd", "visibility_cd", STRING, "Visibility", 30),
    Attribute(
        "InteractionId",
        "call__interaction_id",
        INTEGER,
        "Interaction ID",
        creatable=False,
        updatable=False,
    ),
    *_who_columns(),
)

CALL_BY_NAME = {a.name: a for a in CALL_ATTRIBUTES}
MESSAGE_BY_NAME = {a.name: a for a in MESSAGE_ATTRIBUTES}

# The child collection of a call, as Oracle names it.
CHILD_NAME = "TranscriptMessage"


@dataclass(frozen=True)
class AttributeSet:
    """The attributes of both resources for one request: the built-ins and the declared ones.

    Hashable (plans and documents are cached per set); a new declaration makes a new set.
    """

    calls: tuple[Attribute, ...]
    messages: tuple[Attribute, ...]

    @cached_property
    def call_by_name(self) -> MappingProxyType[str, Attribute]:
        return MappingProxyType({a.name: a for a in self.calls})

    @cached_property
    def message_by_name(self) -> MappingProxyType[str, Attribute]:
        return MappingProxyType({a.name: a for a in self.messages})

    @cached_property
    def children(self) -> MappingProxyType[str, tuple[str, MappingProxyType[str, Attribute]]]:
        """What ``q`` on a call may name in its child: ``TranscriptMessage.<name>``."""
        return MappingProxyType({CHILD_NAME: ("messages", self.message_by_name)})


BUILT_IN = AttributeSet(CALL_ATTRIBUTES, MESSAGE_ATTRIBUTES)
