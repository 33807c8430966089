"""The reference API: ``ModelSerializer``s under Oracle's names, one ``ModelViewSet``.

Wire names are mapped to the model's in ``to_internal_value``/``to_representation`` (one
dict each way), so the fields, their validation and their output are ModelSerializer's own.
Message text is base64 on the wire, as in Callbook; links are built per item.
"""

import base64
import binascii
from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework import serializers, viewsets
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from .models import Call, Message

WHO = {
    "created_by": "CreatedBy",
    "creation_date": "CreationDate",
    "last_updated_by": "LastUpdatedBy",
    "last_update_date": "LastUpdateDate",
    "last_update_login": "LastUpdateLogin",
}
CALL_NAMES = {
    "id": "CallId",
    "call_number": "CallNumber",
    "call_details_url": "CallDetailsURL",
    "deleted_flag": "DeletedFlag",
    "external_system_call_id": "ExternalSystemCallId",
    "interaction_id": "InteractionId",
    "left_message_flag": "LeftMessageFlag",
    "phone_number": "PhoneNumber",
    "recording_format": "RecordingFormat",
    "recording_url": "RecordingURL",
    "transcript_url": "TranscriptURL",
    **WHO,
    "messages": "TranscriptMessage",
    "links": "links",
}
MESSAGE_NAMES = {
    "id": "MessageId",
    "call_id": "CallId",
    "deleted_flag": "DeletedFlag",
    "message_content": "MessageContent",
    "message_number": "MessageNumber",
    "message_type_cd": "MessageTypeCd",
    "posted_by_display_name": "PostedByDisplayName",
    "posted_by_party_id": "PostedByPartyId",
    "role_cd": "RoleCd",
    "visibility_cd": "VisibilityCd",
    "interaction_id": "InteractionId",
    **WHO,
    "links": "links",
}
CHILD = "TranscriptMessage"


class Base64Text(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        try:
            return base64.b64decode(str(data), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise serializers.ValidationError("Not base64-encoded UTF-8.") from None

    def to_representation(self, value: str) -> str:
        return base64.b64encode(value.encode("utf-8")).decode("ascii")


class OracleNames(serializers.ModelSerializer):
    """A ModelSerializer whose wire names are Oracle's (``names``: model name → wire name)."""

    names: dict[str, str] = {}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            inverse = {wire: field for field, wire in self.names.items()}
            data = {inverse.get(key, key): value for key, value in data.items()}
        return super().to_internal_value(data)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        values = super().to_representation(instance)
        return {self.names.get(key, key): value for key, value in values.items()}

    def link(self, rel: str, path: str, name: str, kind: str, version: int | None = None):
        entry: dict[str, Any] = {
            "rel": rel,
            "href": self.context["request"].build_absolute_uri(path),
            "name": name,
            "kind": kind,
        }
        if version is not None:
            entry["properties"] = {"changeIndicator": str(version)}
        return entry


READ_ONLY = ["id", *WHO]


class MessageSerializer(OracleNames):
    names = MESSAGE_NAMES
    call_id = serializers.IntegerField(read_only=True)
    message_content = Base64Text(required=False, allow_null=True)
    interaction_id = serializers.IntegerField(source="call.interaction_id", read_only=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [field for field in MESSAGE_NAMES if field != "links"] + ["links"]
        read_only_fields = READ_ONLY

    def get_links(self, message: Message) -> list[dict[str, Any]]:
        call = f"/crmRestApi/resources/11.13.18.05/phoneCalls/{message.call_id}"
        path = f"{call}/child/{CHILD}/{message.id}"
        return [
            self.link("self", path, CHILD, "item", message.version),
            self.link("canonical", path, CHILD, "item"),
            self.link("parent", call, "phoneCalls", "item"),
        ]


class CallSerializer(OracleNames):
    names = CALL_NAMES
    messages = MessageSerializer(many=True, required=False)
    links = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = list(CALL_NAMES)
        read_only_fields = READ_ONLY

    def get_links(self, call: Call) -> list[dict[str, Any]]:
        path = f"/crmRestApi/resources/11.13.18.05/phoneCalls/{call.id}"
        return [
            self.link("self", path, "phoneCalls", "item", call.version),
            self.link("canonical", path, "phoneCalls", "item"),
            self.link("child", f"{path}/child/{CHILD}", CHILD, "collection"),
        ]

    def to_representation(self, instance: Call) -> dict[str, Any]:
        if not self.context.get("with_messages"):  # items of reads, as Callbook's
            self.fields.pop("messages", None)
        return super().to_representation(instance)

    @transaction.atomic
    def create(self, validated_data: dict[str, Any]) -> Call:
        messages = validated_data.pop("messages", [])
        now = timezone.now()
        who = {
            "created_by": "anonymous",
            "creation_date": now,
            "last_updated_by": "anonymous",
            "last_update_date": now,
        }
        call = Call.objects.create(**validated_data, **who)
        Message.objects.bulk_create([Message(call=call, **m, **who) for m in messages])
        return call


class Page(LimitOffsetPagination):
    """Callbook's envelope: items, count, hasMore, limit, offset, links."""

    def get_paginated_response(self, data: list[dict[str, Any]]) -> Response:
        return Response(
            {
                "items": data,
                "count": len(data),
                "hasMore": self.offset + len(data) < self.count,
                "limit": self.limit,
                "offset": self.offset,
                "links": [
                    {
                        "rel": "self",
                        "href": self.request.build_absolute_uri(),
                        "name": "phoneCalls",
                        "kind": "collection",
                    }
                ],
            }
        )


class CallViewSet(viewsets.ModelViewSet):
    queryset = Call.objects.all()
    serializer_class = CallSerializer
    pagination_class = Page
    http_method_names = ["get", "post"]

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "with_messages": self.action == "create"}
