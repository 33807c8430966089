from typing import TYPE_CHECKING, Any, TypeAlias

from django.urls import re_path

from .enclosures import CallRecordingViewSet, MessageContentViewSet
from .views import (
    BatchViewSet,
    DescribeViewSet,
    PhoneCallViewSet,
    TranscriptMessageViewSet,
    VersionsViewSet,
)

if TYPE_CHECKING:
    from rest_framework.decorators import ViewSetAction  # only the stubs define it

# HTTP method → ViewSet action, as ``as_view`` takes them.
Actions: TypeAlias = "dict[str, str | ViewSetAction[Any]]"

COLLECTION: Actions = {"get": "list", "post": "create"}
ITEM: Actions = {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
ENCLOSURE: Actions = {"get": "retrieve", "put": "replace", "delete": "destroy"}

# Both the release path Oracle's clients use and the "latest" alias.
VERSION = r"(?:11\.13\.18\.05|latest)"
# Any segment: an id that is no integer is an Oracle 404, not Django's HTML page.
CALL = r"(?P<call_id>[^/]+)"
MESSAGE = r"(?P<message_id>[^/]+)"

# The routes under the version root: what the OpenAPI document describes.
resource_urlpatterns = [
    re_path(
        rf"^{VERSION}/?$",
        BatchViewSet.as_view({"get": "catalog", "post": "create"}),
        name="batch",
    ),
    re_path(
        rf"^{VERSION}/describe/?$", DescribeViewSet.as_view({"get": "retrieve"}), name="describe"
    ),
    re_path(
        rf"^{VERSION}/phoneCalls/describe/?$",
        DescribeViewSet.as_view({"get": "retrieve"}),
        name="calls-describe",
    ),
    re_path(rf"^{VERSION}/phoneCalls/?$", PhoneCallViewSet.as_view(COLLECTION), name="calls"),
    re_path(rf"^{VERSION}/phoneCalls/{CALL}/?$", PhoneCallViewSet.as_view(ITEM), name="call"),
    re_path(
        rf"^{VERSION}/phoneCalls/{CALL}/describe/?$",
        DescribeViewSet.as_view({"get": "retrieve"}, scope="call"),
        name="call-describe",
    ),
    # Before the message route, which would read "describe" as a MessageId.
    re_path(
        rf"^{VERSION}/phoneCalls/{CALL}/child/TranscriptMessage/describe/?$",
        DescribeViewSet.as_view({"get": "retrieve"}, scope="messages"),
        name="messages-describe",
    ),
    re_path(
        rf"^{VERSION}/phoneCalls/{CALL}/child/TranscriptMessage/?$",
        TranscriptMessageViewSet.as_view(COLLECTION),
        name="messages",
    ),
    re_path(
        rf"^{VERSION}/phoneCalls/{CALL}/child/TranscriptMessage/{MESSAGE}/?$",
        TranscriptMessageViewSet.as_view(ITEM),
        name="message",
    ),
    re_path(
        rf"^{VERSION}/phoneCalls/{CALL}/enclosure/CallRecording/?$",
        CallRecordingViewSet.as_view(ENCLOSURE),
        name="call-recording",
    ),
    re_path(
        rf"^{VERSION}/phoneCalls/{CALL}/child/TranscriptMessage/{MESSAGE}/enclosure/MessageContent/?$",
        MessageContentViewSet.as_view(ENCLOSURE),
        name="message-content",
    ),
]

urlpatterns = [
    # ``/crmRestApi/resources/``: the resource versions (discovery, outside any version).
    re_path(r"^$", VersionsViewSet.as_view({"get": "retrieve"}), name="versions"),
    *resource_urlpatterns,
]
