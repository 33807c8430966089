"""The HTTP face of the resource: thin ViewSets over ``operations``.

Every view negotiates the framework version first (so even a 401 speaks the right error
format), answers with the Oracle media types, and echoes the contract's response headers.
"""

import json
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.viewsets import ViewSet

from calls.models import PhoneCall, TranscriptMessage

from . import custom, media, operations
from .batch import run_batch
from .bodies import check_declared_length, content_encoding
from .describe import describe_call, describe_messages, describe_resources, parse_metadata_mode
from .discovery import resource_versions
from .errors import bad_request, not_found, render_error
from .idempotency import IdempotentMixin
from .links import if_none_match_hits, root_url
from .openapi import openapi_document
from .permissions import ModelPermissions
from .ratelimit import RateLimitHeadersMixin
from .versions import (
    HEADER,
    FrameworkVersionError,
    default_version,
    negotiated_version,
    remember_version,
    requested_version,
)

METHOD_OVERRIDES = {"PATCH", "DELETE", "GET"}


class OracleViewSet(IdempotentMixin, RateLimitHeadersMixin, ViewSet):
    parser_classes = media.BODY_PARSERS
    content_negotiation_class = media.OracleNegotiation
    model: type[PhoneCall] | type[TranscriptMessage] = PhoneCall

    def get_queryset(self) -> QuerySet[PhoneCall] | QuerySet[TranscriptMessage]:
        # DjangoModelPermissions reads the model from here.
        return self.model.objects.none()

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        override = request.headers.get("X-HTTP-Method-Override", "").upper()
        if request.method == "POST" and override in METHOD_OVERRIDES:
            request.method = override
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            remember_version(request, requested_version(request))
        except FrameworkVersionError as error:
            raise bad_request(str(error), code="unsupported_version") from None
        super().initial(request, *args, **kwargs)
        # DRF's parsers read the body as a stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE:
        # a body announced over CALLBOOK_MAX_REQUEST_BYTES is refused before it is read, and
        # one in a Content-Encoding the API cannot read before anything else happens.
        check_declared_length(request)
        content_encoding(request)

    # The views answer plain HttpResponses: DRF's finalize_response takes (it asserts as much)
    # and returns any HttpResponseBase, where the stubs say Response.
    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]
        version = negotiated_version(request)
        if version is not None:
            response[HEADER] = str(version)
        context = request.headers.get("Metadata-Context")
        if context is not None:
            response["Metadata-Context"] = context
        # Cache-Control is set for every answer under /crmRestApi/ by
        # calls.oracle.middleware, errors and answers made outside the views included.
        return response

    @property
    def context(self) -> operations.Context:
        version = negotiated_version(self.request)
        if version is None:  # only handlers read the context, and initial() ran before them
            raise AttributeError("the framework version is not negotiated yet")
        return operations.Context(self.request, version, root_url(self.request))

    def respond(self, outcome: operations.Outcome) -> HttpResponse:
        oracle_type = media.COLLECTION if outcome.collection else media.ITEM
        content_type = media.negotiate(self.request, oracle_type)
        if outcome.body is None or content_type is None:
            # No body: nothing to show, the user may not see it, or Accept gave every type
            # q=0 (a status-only answer, which keeps Location and ETag).
            response = HttpResponse(status=outcome.status)
            del response["Content-Type"]
        else:
            response = HttpResponse(
                json.dumps(outcome.body, ensure_ascii=False, separators=(",", ":")),
                status=outcome.status,
                content_type=content_type,
            )
        if outcome.location:
            response["Location"] = outcome.location
        if outcome.etag:
            response["ETag"] = outcome.etag
        for name, value in outcome.headers.items():
            response[name] = value
        return response

    def conditional_get(self, outcome: operations.Outcome) -> HttpResponse:
        """``If-None-Match`` naming the current ETag: 304 without a body."""
        if_none_match = self.request.headers.get("If-None-Match")
        if if_none_match and outcome.etag and if_none_match_hits(if_none_match, outcome.etag):
            response = HttpResponse(status=304)
            response["ETag"] = outcome.etag
            del response["Content-Type"]
            return response
        return self.respond(outcome)

    @property
    def if_match(self) -> str | None:
        return self.request.headers.get("If-Match")

    def upsert_mode(self) -> bool:
        raw = self.request.headers.get("Upsert-Mode")
        if raw is None or raw.strip().lower() == "false":
            return False
        if raw.strip().lower() == "true":
            return True
        raise bad_request("Upsert-Mode must be true or false.", code="invalid_header")


class PhoneCallViewSet(OracleViewSet):
    """``/phoneCalls`` and ``/phoneCalls/{CallId}``."""

    def list(self, request: Request) -> HttpResponse:
        return self.respond(operations.list_calls(self.context))

    def create(self, request: Request) -> HttpResponse:
        return self.respond(
            operations.create_call(self.context, request.data, upsert=self.upsert_mode())
        )

    def retrieve(self, request: Request, call_id: str) -> HttpResponse:
        return self.conditional_get(operations.get_call(self.context, call_id))

    def partial_update(self, request: Request, call_id: str) -> HttpResponse:
        return self.respond(
            operations.update_call(self.context, call_id, request.data, if_match=self.if_match)
        )

    def destroy(self, request: Request, call_id: str) -> HttpResponse:
        return self.respond(operations.delete_call(self.context, call_id, if_match=self.if_match))


class TranscriptMessageViewSet(OracleViewSet):
    """``/phoneCalls/{CallId}/child/TranscriptMessage[/{MessageId}]``."""

    model = TranscriptMessage

    def list(self, request: Request, call_id: str) -> HttpResponse:
        return self.respond(operations.list_messages(self.context, call_id))

    def create(self, request: Request, call_id: str) -> HttpResponse:
        return self.respond(
            operations.create_message(
                self.context, call_id, request.data, upsert=self.upsert_mode()
            )
        )

    def retrieve(self, request: Request, call_id: str, message_id: str) -> HttpResponse:
        return self.conditional_get(operations.get_message(self.context, call_id, message_id))

    def partial_update(self, request: Request, call_id: str, message_id: str) -> HttpResponse:
        return self.respond(
            operations.update_message(
                self.context, call_id, message_id, request.data, if_match=self.if_match
            )
        )

    def destroy(self, request: Request, call_id: str, message_id: str) -> HttpResponse:
        return self.respond(
            operations.delete_message(self.context, call_id, message_id, if_match=self.if_match)
        )


class DescribeViewSet(OracleViewSet):
    """``/describe`` (the catalog), ``/phoneCalls/describe``, a call's ``…/describe`` and its
    ``…/child/TranscriptMessage/describe``; ``scope`` (given to ``as_view``) says which.

    ``Accept: application/vnd.oracle.openapi3+json`` asks any of them for the OpenAPI
    document instead, as Oracle's describe answers it.
    """

    scope = "resources"  # or "call", "messages"

    def retrieve(self, request: Request, call_id: str | None = None) -> HttpResponse:
        attributes = custom.for_request(request)
        if media.names_type(request, media.OPENAPI3):
            return HttpResponse(
                json.dumps(openapi_document(attributes), ensure_ascii=False),
                content_type=media.OPENAPI3,
            )
        root, mode = root_url(request), parse_metadata_mode(request.query_params)
        if call_id is None:
            body = describe_resources(root, mode, attributes)
        elif self.scope == "messages":
            body = describe_messages(root, call_id, mode, attributes)
        else:
            body = describe_call(root, call_id, mode, attributes)
        return HttpResponse(
            json.dumps(body, ensure_ascii=False),
            content_type=media.response_type(request, media.DESCRIPTION),
        )


class BatchViewSet(OracleViewSet):
    """The version root, ``/crmRestApi/resources/11.13.18.05``: POST with the batch media
    type runs a batch; GET answers the resource catalog, as ``/describe`` does."""

    parser_classes = [media.BatchJSONParser]

    def get_permissions(self) -> list[Any]:
        if self.request.method == "GET":
            return [ModelPermissions()]  # the catalog, like describe: view_phonecall
        # A batch is a POST of any parts: each part checks the permission its operation
        # needs (batch.PERMISSIONS), so a reader's batch of gets is allowed here.
        return [IsAuthenticated()]

    def catalog(self, request: Request) -> HttpResponse:
        body = describe_resources(root_url(request), "list")
        return HttpResponse(
            json.dumps(body, ensure_ascii=False),
            content_type=media.response_type(request, media.DESCRIPTION),
        )

    def create(self, request: Request) -> HttpResponse:
        status, body = run_batch(self.context, request.data)
        content_type = media.negotiate(request, media.BATCH)
        if content_type is None:  # Accept gave the batch type q=0: the status alone
            response = HttpResponse(status=status)
            del response["Content-Type"]
            return response
        return HttpResponse(
            json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            status=status,
            content_type=content_type,
        )


class VersionsViewSet(OracleViewSet):
    """``GET /crmRestApi/resources/``: the resource versions and framework versions."""

    permission_classes = [IsAuthenticated]

    def retrieve(self, request: Request) -> HttpResponse:
        body = resource_versions(request.build_absolute_uri(), root_url(request))
        return self.respond(operations.Outcome(200, body, collection=True))


@csrf_exempt  # it changes nothing; Django's CSRF refusal of a POST would be an HTML 403
def route_not_found(request: HttpRequest) -> HttpResponse:
    """A path under ``/crmRestApi/`` that no route matches: Oracle's 404, never HTML.

    In the error format of the version the request asks for (the default when it asks for
    one that does not exist: the path is what is wrong here).
    """
    try:
        version = requested_version(request)
    except FrameworkVersionError:
        version = default_version()
    remember_version(request, version)  # render_error reads it
    response = render_error(request, not_found("No resource matches this path."))
    response[HEADER] = str(version)
    return response
