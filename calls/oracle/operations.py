"""What each request of the resource does, independent of HTTP plumbing.

The views and the batch endpoint both call these functions, so a batch part behaves
exactly like the request it stands for. Each returns an ``Outcome``; failures raise
``OracleError`` or the services' errors, which ``errors.as_oracle_error`` translates.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model, Prefetch, QuerySet
from django.http import QueryDict
from rest_framework.request import Request
from rest_framework.serializers import Serializer

from calls import services
from calls.audit import access_record_many
from calls.models import PhoneCall, TranscriptMessage
from calls.sql.rows import by_pk

from . import custom
from . import links as L
from .attributes import CHILD_NAME, INT64_MAX, Attribute, AttributeSet
from .authentication import actor
from .budget import RenderBudget
from .errors import OracleError, bad_request, not_found
from .query import QueryError, parse_q
from .rendering import FULL, Renderer
from .serializers import CallSerializer, MessageSerializer
from .shaping import Page, Shape, parse_finder, parse_order, parse_page, parse_shape
from .versions import q_uses_expressions

_M = TypeVar("_M", bound=Model)


@dataclass(init=False)
class Context:
    """One request's view of the API: the DRF request, its framework version, its root URL."""

    request: Request
    version: int
    root: str
    params: QueryDict  # the query parameters; the request's unless a batch part has its own
    budget: RenderBudget | None  # a batch's rendering budget; None: a single request

    def __init__(
        self,
        request: Request,
        version: int,
        root: str,
        params: QueryDict | None = None,
        budget: RenderBudget | None = None,
    ) -> None:
        # Written out (not the dataclass's) so that ``params`` is never None once built.
        self.request = request
        self.version = version
        self.root = root
        self.params = request.query_params if params is None else params
        self.budget = budget

    @property
    def attributes(self) -> AttributeSet:
        """The attributes in effect for this request: built-ins and declared custom ones."""
        return custom.for_request(self.request)

    def spend(self, *, items: int, expanded_messages: int = 0) -> None:
        """Charge what is about to be rendered to the batch's budget (if any)."""
        if self.budget is not None:
            self.budget.spend(items=items, expanded_messages=expanded_messages)

    def may(self, action: str, model: str) -> bool:
        """Whether the user holds ``calls.<action>_<model>`` (the permissions are loaded)."""
        return self.request.user.has_perm(f"calls.{action}_{model}")

    def require(self, action: str, model: str) -> None:
        if not self.may(action, model):
            raise OracleError(403, "You do not have permission to perform this operation.")

    def may_view(self, *models: str) -> bool:
        """Whether a reply may show the data of ``models``: a writer without ``view_`` gets
        the status and headers of its write, not the item (README "Permissions")."""
        return all(self.may("view", model) for model in models)


@dataclass
class Outcome:
    status: int
    body: dict[str, Any] | None = None
    location: str | None = None
    etag: str | None = None
    collection: bool = False
    headers: dict[str, str] = field(default_factory=dict)


# Reading


def call_queryset() -> QuerySet[PhoneCall]:
    return PhoneCall.objects.all()


def message_queryset(call: PhoneCall) -> QuerySet[TranscriptMessage]:
    return call.messages.all()


def _messages_prefetch() -> Prefetch[str, QuerySet[TranscriptMessage], str]:
    return Prefetch("messages", queryset=TranscriptMessage.objects.order_by("id"))


def _shape(
    ctx: Context,
    attributes: Mapping[str, Attribute],
    child: Mapping[str, Attribute] | None = None,
) -> Shape:
    """The request's ``fields``/``expand``/``onlyData``/``links``, for these attributes."""
    return parse_shape(ctx.params, attributes, child)


def _filtered(
    ctx: Context,
    queryset: QuerySet[_M],
    attributes: Mapping[str, Attribute],
    key_name: str,
    children: Mapping[str, tuple[str, Mapping[str, Attribute]]] | None = None,
) -> QuerySet[_M]:
    raw = ctx.params.get("q")
    if raw is not None and raw.strip():
        try:
            condition = parse_q(
                raw,
                version=2 if q_uses_expressions(ctx.version) else 1,
                attributes=attributes,
                children=children or {},
            )
        except QueryError as error:
            raise bad_request(f"q: {error}", code="invalid_query") from None
        queryset = queryset.filter(condition)
    key = parse_finder(ctx.params, attributes[key_name])
    if key is not None:
        queryset = queryset.filter(pk=key)
    return queryset.order_by(*parse_order(ctx.params, attributes))


def _page(queryset: QuerySet[_M], page: Page) -> tuple[list[_M], bool, int | None]:
    # One row more than the page tells hasMore without a COUNT.
    rows = list(queryset[page.offset : page.offset + page.limit + 1])
    total = queryset.count() if page.total_results else None
    return rows[: page.limit], len(rows) > page.limit, total


def list_calls(ctx: Context) -> Outcome:
    ctx.spend(items=0)
    attributes = ctx.attributes
    shape = _shape(ctx, attributes.call_by_name, attributes.message_by_name)
    page = parse_page(ctx.params)
    queryset = _filtered(
        ctx,
        call_queryset(),
        attributes.call_by_name,
        "CallId",
        children=attributes.children,
    )
    if shape.expand:
        queryset = queryset.prefetch_related(_messages_prefetch())
    rows, has_more, total = _page(queryset, page)
    # The messages are prefetched already: counting them costs no query.
    expanded = sum(len(call.messages.all()) for call in rows) if shape.expand else 0
    ctx.spend(items=len(rows), expanded_messages=expanded)
    if shape.expand:
        _audit_transcripts(ctx, rows)
    renderer = Renderer(ctx.root, ctx.version, shape, attributes)
    items = [renderer.call(call, call.messages.all() if shape.expand else None) for call in rows]
    body = renderer.envelope(
        items,
        L.with_query(L.calls_url(ctx.root), ctx.params),
        limit=page.limit,
        offset=page.offset,
        has_more=has_more,
        name="phoneCalls",
        total=total,
    )
    return Outcome(200, body, collection=True)


def get_call_object(call_id: str) -> PhoneCall:
    # The hot read of the API: a statement built once, not a queryset compiled per request.
    call = by_pk(PhoneCall, int(call_id)) if _is_int64(call_id) else None
    if call is None:
        raise not_found(f"There is no phone call with CallId {call_id}.")
    return call


def _is_int64(value: object) -> bool:
    """Plain ASCII digits only: ``int()`` also reads "+7", " 7", "0_7" and "٧" as 7."""
    text = str(value)
    return text.isascii() and text.isdigit() and int(text) <= INT64_MAX


def _render_call(
    ctx: Context,
    call: PhoneCall,
    shape: Shape | None = None,
    messages: Iterable[TranscriptMessage] | None = None,
    echo: bool = False,
) -> dict[str, Any]:
    renderer = Renderer(ctx.root, ctx.version, shape or FULL, ctx.attributes)
    return renderer.call(call, messages, echo=echo)


def get_call(ctx: Context, call_id: str) -> Outcome:
    ctx.spend(items=0)
    shape = _shape(ctx, ctx.attributes.call_by_name, ctx.attributes.message_by_name)
    call = get_call_object(call_id)
    etag = L.etag(call.version)
    messages: list[TranscriptMessage] | None = None
    if shape.expand:
        messages = list(message_queryset(call))
    ctx.spend(items=1, expanded_messages=len(messages or ()))
    if shape.expand:
        _audit_transcripts(ctx, [call])
    return Outcome(200, _render_call(ctx, call, shape, messages), etag=etag)


def _audit_transcripts(ctx: Context, calls: Iterable[PhoneCall]) -> None:
    """Every read of transcript text through the API is on the access record."""
    access_record_many(request=ctx.request, calls=calls, kind="transcript_view", channel="api")


# Writing


def _validated(serializer_class: type[Serializer], data: object, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _serializer_attributes(ctx: Context) -> dict[str, Any]:
    """The request's attributes, as ``CallSerializer`` takes them."""
    return {"attributes": ctx.attributes.calls, "message_attributes": ctx.attributes.messages}


def _split_call_values(
    values: dict[str, Any],
) -> tuple[dict[str, Any], list[dict[str, Any]], bytes | None]:
    messages = [dict(m) for m in values.pop("messages", None) or []]
    recording = values.pop("recording", None)
    return values, messages, recording


def _check_message_count(data: object) -> None:
    """Refuse more nested messages than one request may carry, before validating any.

    Validation and the insert cost time and memory per message; the limit keeps one
    request's work bounded (README "Limits").
    """
    messages = data.get(CHILD_NAME) if isinstance(data, dict) else None
    limit = settings.CALLBOOK_MAX_MESSAGES_PER_REQUEST
    if isinstance(messages, list) and len(messages) > limit:
        raise bad_request(
            f"{CHILD_NAME} holds {len(messages)} messages; one request may carry at most "
            f"{limit} (CALLBOOK_MAX_MESSAGES_PER_REQUEST).",
            f"/{CHILD_NAME}",
            code="too_many_messages",
        )


def _check_deletion(ctx: Context, values: dict[str, Any], was_deleted: bool = False) -> None:
    """Setting ``DeletedFlag`` schedules the call's deletion by retention: it needs the
    right to delete, whatever else the write needs."""
    if values.get("deleted_flag") is True and not was_deleted:
        ctx.require("delete", "phonecall")


def _authorize_call_upsert(
    ctx: Context, values: dict[str, Any]
) -> Callable[[PhoneCall | None], None]:
    """The upsert's permission, decided once the service knows which it does (and before it
    writes): ``add_`` to create, ``change_`` to update the match."""

    def authorize(match: PhoneCall | None) -> None:
        if match is None:
            ctx.require("add", "phonecall")
            _check_deletion(ctx, values)
        else:
            ctx.require("change", "phonecall")
            _check_deletion(ctx, values, match.deleted_flag)

    return authorize


def _call_reply(
    ctx: Context, call: PhoneCall, nested: list[TranscriptMessage] | None
) -> dict[str, Any] | None:
    """The item a write answers with, or None when the user may not see it."""
    if not ctx.may_view("phonecall", *(["transcriptmessage"] if nested is not None else [])):
        return None
    return _render_call(ctx, call, messages=nested, echo=True)


def create_call(ctx: Context, data: Any, *, upsert: bool) -> Outcome:
    _check_message_count(data)
    values = _validated(CallSerializer, data, upsert=upsert, **_serializer_attributes(ctx))
    values, messages, recording = _split_call_values(values)
    who = actor(ctx.request)
    if upsert:
        written = services.phone_call_upsert(
            actor=who,
            call_id=values.pop("id", None),
            values=values,
            messages=messages,
            recording=recording,
            authorize=_authorize_call_upsert(ctx, values),
        )
    else:
        _check_deletion(ctx, values)
        written = services.phone_call_create(
            actor=who, values=values, messages=messages, recording=recording
        )
    call = written.call
    nested = written.messages if data.get(CHILD_NAME) else None
    return Outcome(
        201 if written.created else 200,
        _call_reply(ctx, call, nested),
        location=L.call_url(ctx.root, call.id),
        etag=L.etag(call.version),
    )


def update_call(
    ctx: Context, call_id: str, data: object, *, if_match: str | None = None
) -> Outcome:
    call = get_call_object(call_id)
    _check_message_count(data)
    values = _validated(
        CallSerializer,
        data,
        update=True,
        context={"call_id": call.id},
        **_serializer_attributes(ctx),
    )
    values, messages, recording = _split_call_values(values)
    _check_deletion(ctx, values, call.deleted_flag)
    written = services.phone_call_update(
        actor=actor(ctx.request),
        call=call,
        values=values,
        messages=messages,
        recording=recording,
        expected_version=_expected(if_match),
    )
    nested = written.messages if messages else None
    return Outcome(200, _call_reply(ctx, call, nested), etag=L.etag(call.version))


def delete_call(ctx: Context, call_id: str, *, if_match: str | None = None) -> Outcome:
    call = get_call_object(call_id)
    services.phone_call_delete(call=call, expected_version=_expected(if_match))
    return Outcome(204)


def _expected(if_match: str | None) -> set[int] | None:
    """``If-Match``: None (no condition or ``*``), else the versions it names (maybe none)."""
    if if_match is None:
        return None
    versions = L.if_match_versions(if_match)
    return None if versions is None else versions or {-1}


# Messages


def get_message_object(call: PhoneCall, message_id: str) -> TranscriptMessage:
    message = (
        message_queryset(call).filter(pk=message_id).first() if _is_int64(message_id) else None
    )
    if message is None:
        raise not_found(f"There is no message {message_id} in phone call {call.id}.")
    message.call = call
    return message


def _message_renderer(ctx: Context, shape: Shape | None = None) -> Renderer:
    return Renderer(ctx.root, ctx.version, shape or FULL, ctx.attributes)


def list_messages(ctx: Context, call_id: str) -> Outcome:
    ctx.spend(items=0)
    call = get_call_object(call_id)
    shape = _shape(ctx, ctx.attributes.message_by_name)
    page = parse_page(ctx.params)
    queryset = _filtered(ctx, message_queryset(call), ctx.attributes.message_by_name, "MessageId")
    rows, has_more, total = _page(queryset, page)
    ctx.spend(items=len(rows))
    _audit_transcripts(ctx, [call])
    renderer = _message_renderer(ctx, shape)
    body = renderer.envelope(
        [renderer.message(m, call) for m in rows],
        L.with_query(L.messages_url(ctx.root, call.id), ctx.params),
        limit=page.limit,
        offset=page.offset,
        has_more=has_more,
        name=CHILD_NAME,
        total=total,
    )
    return Outcome(200, body, collection=True)


def get_message(ctx: Context, call_id: str, message_id: str) -> Outcome:
    ctx.spend(items=0)
    call = get_call_object(call_id)
    message = get_message_object(call, message_id)
    shape = _shape(ctx, ctx.attributes.message_by_name)
    ctx.spend(items=1)
    _audit_transcripts(ctx, [call])
    return Outcome(
        200, _message_renderer(ctx, shape).message(message, call), etag=L.etag(message.version)
    )


def _message_reply(ctx: Context, message: TranscriptMessage, call: PhoneCall) -> dict | None:
    """The item a write answers with, or None when the user may not see messages."""
    if not ctx.may_view("transcriptmessage"):
        return None
    return _message_renderer(ctx).message(message, call)


def _authorize_message_upsert(ctx: Context) -> Callable[[TranscriptMessage | None], None]:
    def authorize(match: TranscriptMessage | None) -> None:
        ctx.require("add" if match is None else "change", "transcriptmessage")

    return authorize


def create_message(ctx: Context, call_id: str, data: object, *, upsert: bool = False) -> Outcome:
    """POST on the child collection; with ``upsert`` (``Upsert-Mode: true``) the message
    matching ``MessageId``, then ``MessageNumber``, within the call is updated instead (200)."""
    call = get_call_object(call_id)
    values = _validated(
        MessageSerializer,
        data,
        matching=upsert,
        context={"call_id": call.id},
        attributes=ctx.attributes.messages,
    )
    who = actor(ctx.request)
    created = True
    if upsert:
        try:
            message, created = services.message_upsert(
                actor=who, call=call, values=values, authorize=_authorize_message_upsert(ctx)
            )
        except services.MessageNotFound as missing:
            raise bad_request(
                f"MessageId {missing.message_id} is not a message of phone call {call.id}.",
                "/MessageId",
                code="not_found",
            ) from None
    else:
        message = services.message_create(actor=who, call=call, values=values)
    return Outcome(
        201 if created else 200,
        _message_reply(ctx, message, call),
        location=L.message_url(ctx.root, call.id, message.id),
        etag=L.etag(message.version),
    )


def update_message(
    ctx: Context, call_id: str, message_id: str, data: object, *, if_match: str | None = None
) -> Outcome:
    call = get_call_object(call_id)
    message = get_message_object(call, message_id)
    values = _validated(
        MessageSerializer,
        data,
        update=True,
        context={"call_id": call.id},
        attributes=ctx.attributes.messages,
    )
    message = services.message_update(
        actor=actor(ctx.request),
        message=message,
        values=values,
        expected_version=_expected(if_match),
    )
    return Outcome(200, _message_reply(ctx, message, call), etag=L.etag(message.version))


def delete_message(
    ctx: Context, call_id: str, message_id: str, *, if_match: str | None = None
) -> Outcome:
    call = get_call_object(call_id)
    message = get_message_object(call, message_id)
    services.message_delete(
        actor=actor(ctx.request), message=message, expected_version=_expected(if_match)
    )
    return Outcome(204)
