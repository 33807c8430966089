"""Helpers of the in-process Oracle REST API tests: URLs, media types, keys, clients.

The fixtures are in ``conftest.py`` beside this module; these are imported by name.
"""

import base64

from django.contrib.auth.models import Permission
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

ROOT = "/crmRestApi/resources/11.13.18.05"
CALLS = f"{ROOT}/phoneCalls"
HOST = "http://testserver"

ITEM_TYPE = "application/vnd.oracle.adf.resourceitem+json"
COLLECTION_TYPE = "application/vnd.oracle.adf.resourcecollection+json"
DESCRIPTION_TYPE = "application/vnd.oracle.adf.description+json"
ERROR_TYPE = "application/vnd.oracle.adf.error+json"
BATCH_TYPE = "application/vnd.oracle.adf.batch+json"
OCTETS = "application/octet-stream"

# The custom attributes declared out of the box (calls.timing): an item carries them only
# when they hold a value (or fields= names them), so items are Oracle's standard ones.
CALL_DEFAULT_CUSTOMS = {"CallStartTime_c"}
MESSAGE_DEFAULT_CUSTOMS = {"StartOffsetMs_c", "EndOffsetMs_c"}
# The keys of an item of each resource, as the attribute table renders them (v1-v5).
CALL_KEYS = {
    "CallId",
    "CallNumber",
    "CallDetailsURL",
    "DeletedFlag",
    "ExternalSystemCallId",
    "InteractionId",
    "LeftMessageFlag",
    "PhoneNumber",
    "RecordingFormat",
    "RecordingURL",
    "TranscriptURL",
    "CreatedBy",
    "CreationDate",
    "LastUpdatedBy",
    "LastUpdateDate",
    "LastUpdateLogin",
    "links",
}
MESSAGE_KEYS = {
    "MessageId",
    "CallId",
    "DeletedFlag",
    "MessageContent",
    "MessageNumber",
    "MessageTypeCd",
    "PostedByDisplayName",
    "PostedByPartyId",
    "RoleCd",
    "VisibilityCd",
    "InteractionId",
    "CreatedBy",
    "CreationDate",
    "LastUpdatedBy",
    "LastUpdateDate",
    "LastUpdateLogin",
    "links",
}
ENVELOPE_KEYS = {"items", "count", "hasMore", "limit", "offset", "links"}
# An Oracle timestamp: UTC, milliseconds, an explicit +00:00 offset.
TIMESTAMP = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$"


def call_url(call_id) -> str:
    return f"{CALLS}/{call_id}"


def messages_url(call_id) -> str:
    return f"{call_url(call_id)}/child/TranscriptMessage"


def message_url(call_id, message_id) -> str:
    return f"{messages_url(call_id)}/{message_id}"


def recording_url(call_id) -> str:
    return f"{call_url(call_id)}/enclosure/CallRecording"


def content_url(call_id, message_id) -> str:
    return f"{message_url(call_id, message_id)}/enclosure/MessageContent"


def absolute(path: str) -> str:
    return HOST + path


def b64(value: str | bytes) -> str:
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return base64.b64encode(raw).decode("ascii")


def unb64(value: str) -> bytes:
    return base64.b64decode(value)


def link(item: dict, rel: str) -> dict:
    """The one link of ``rel`` in an item's ``links``."""
    (found,) = [entry for entry in item["links"] if entry["rel"] == rel]
    return found


def rels(item: dict) -> list[str]:
    return [entry["rel"] for entry in item["links"]]


def version_header(version: int) -> dict:
    return {"HTTP_REST_FRAMEWORK_VERSION": str(version)}


def user_with(*codenames: str, username: str = "clerk"):
    """A user holding exactly the ``calls`` model permissions named."""
    user = UserFactory(username=username)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="calls", codename__in=codenames)
    )
    return user


def client_for(user, version: int | None = None) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    if version is not None:
        client.credentials(**version_header(version))
    return client


def basic_client(username: str, password: str = PASSWORD) -> APIClient:
    """A client that authenticates with HTTP Basic, as Oracle clients do."""
    client = APIClient()
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client


def create_statements(*, messages: bool) -> int:
    """The statements of a create (the credential remembered): SAVEPOINT, the call's INSERT
    and its history copy, with messages their INSERT and their history copy, RELEASE.

    On PostgreSQL each INSERT carries its history's INSERT … SELECT in the same statement
    (``calls.sql.history.inserted``).
    """
    tables = 2 if messages else 1
    return 2 + tables * (1 if connection.vendor == "postgresql" else 2)
