"""/phoneCalls/{CallId}: the item, its links, PATCH, DELETE, PUT, method override and the
conditional requests of §6 (contract §3, §4, §6)."""

import re
from datetime import UTC, datetime

import pytest
from django.forms.models import model_to_dict

from calls import services
from calls.models import PhoneCall, TranscriptMessage
from tests.api.helpers import (
    CALL_KEYS,
    ITEM_TYPE,
    TIMESTAMP,
    absolute,
    call_url,
    content_url,
    link,
    message_url,
    messages_url,
    recording_url,
    rels,
    version_header,
)
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db

WHEN = datetime(2024, 5, 16, 10, 20, 25, 453000, tzinfo=UTC)


def row(call) -> dict:
    return model_to_dict(PhoneCall.objects.get(pk=call.pk)) | {
        "version": PhoneCall.objects.get(pk=call.pk).version
    }


def etag_of(client, call) -> str:
    return client.get(call_url(call.id))["ETag"]


# GET


def test_an_item_has_every_attribute_with_its_json_type_and_nulls(admin_api):
    call = PhoneCallFactory(
        call_number="CN-1",
        interaction_id=300100000012,
        phone_number="+14155550100",
        external_system_call_id="EXT-1",
        left_message_flag=True,
        creation_date=WHEN,
        last_update_date=WHEN,
        created_by="cti",
        last_updated_by="cti",
    )
    response = admin_api.get(call_url(call.id))
    assert response.status_code == 200
    assert response["Content-Type"] == ITEM_TYPE
    body = response.json()
    assert set(body) == CALL_KEYS
    body.pop("links")
    assert body == {
        "CallId": call.id,
        "CallNumber": "CN-1",
        "CallDetailsURL": None,
        "DeletedFlag": False,
        "ExternalSystemCallId": "EXT-1",
        "InteractionId": 300100000012,
        "LeftMessageFlag": True,
        "PhoneNumber": "+14155550100",
        "RecordingFormat": None,
        "RecordingURL": None,
        "TranscriptURL": None,
        "CreatedBy": "cti",
        "CreationDate": "2024-05-16T10:20:25.453+00:00",
        "LastUpdatedBy": "cti",
        "LastUpdateDate": "2024-05-16T10:20:25.453+00:00",
        "LastUpdateLogin": None,
    }


def test_timestamps_are_utc_with_milliseconds_whatever_the_time_zone(admin_api, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    call = PhoneCallFactory(creation_date=datetime(2024, 1, 2, 3, 4, 5, 6000, tzinfo=UTC))
    body = admin_api.get(call_url(call.id)).json()
    assert body["CreationDate"] == "2024-01-02T03:04:05.006+00:00"
    assert re.match(TIMESTAMP, body["LastUpdateDate"])


def test_the_item_links_are_self_canonical_and_child_with_absolute_hrefs(admin_api):
    call = PhoneCallFactory()
    body = admin_api.get(call_url(call.id)).json()
    href = absolute(call_url(call.id))
    assert body["links"] == [
        {
            "rel": "self",
            "href": href,
            "name": "phoneCalls",
            "kind": "item",
            "properties": {"changeIndicator": str(call.version)},
        },
        {"rel": "canonical", "href": href, "name": "phoneCalls", "kind": "item"},
        {
            "rel": "child",
            "href": absolute(messages_url(call.id)),
            "name": "TranscriptMessage",
            "kind": "collection",
        },
    ]


def test_a_call_with_a_recording_has_an_enclosure_link_and_never_the_bytes(admin_api):
    call = PhoneCallFactory()
    services.phone_call_set_recording(actor=services.Actor("cti"), call=call, content=b"RIFF-audio")
    body = admin_api.get(call_url(call.id)).json()
    assert "CallRecording" not in body
    assert link(body, "enclosure") == {
        "rel": "enclosure",
        "href": absolute(recording_url(call.id)),
        "name": "CallRecording",
        "kind": "other",
    }
    assert rels(body) == ["self", "canonical", "child", "enclosure"]


def test_the_etag_is_the_quoted_change_indicator_of_the_self_link(admin_api):
    call = PhoneCallFactory()
    response = admin_api.get(call_url(call.id))
    indicator = link(response.json(), "self")["properties"]["changeIndicator"]
    assert response["ETag"] == f'"{indicator}"'


@pytest.mark.parametrize("version", [6, 7, 8, 9])
def test_from_version_6_links_and_etag_move_under_context(admin_api, version):
    call = PhoneCallFactory()
    response = admin_api.get(call_url(call.id), **version_header(version))
    body = response.json()
    assert set(body) == CALL_KEYS - {"links"} | {"@context"}
    context = body["@context"]
    assert set(context) == {"key", "headers", "links"}
    assert context["key"] == str(call.id)
    assert context["headers"] == {"ETag": response["ETag"]}
    assert [entry["rel"] for entry in context["links"]] == ["self", "canonical", "child"]
    assert response["REST-Framework-Version"] == str(version)


def test_version_5_keeps_the_links_in_the_item(admin_api):
    call = PhoneCallFactory()
    assert set(admin_api.get(call_url(call.id), **version_header(5)).json()) == CALL_KEYS


def test_an_item_expands_its_messages_on_request(admin_api):
    call = PhoneCallFactory(messages=2)
    body = admin_api.get(call_url(call.id), {"expand": "TranscriptMessage"}).json()
    assert [m["MessageId"] for m in body["TranscriptMessage"]] == list(
        call.messages.values_list("id", flat=True)
    )


def test_an_unknown_call_is_a_404(admin_api):
    call = PhoneCallFactory()
    assert admin_api.get(call_url(call.id + 1000)).status_code == 404
    assert admin_api.get(call_url(2**64)).status_code == 404


# PATCH


def test_patch_changes_only_the_attributes_sent(admin_api, superuser):
    call = PhoneCallFactory(left_message_flag=False, recording_url="https://r.example/1")
    before = row(call)
    response = admin_api.patch(
        call_url(call.id),
        {"PhoneNumber": "+442071234567", "LeftMessageFlag": True},
        format="json",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == ITEM_TYPE
    body = response.json()
    assert set(body) == CALL_KEYS
    assert (body["PhoneNumber"], body["LeftMessageFlag"]) == ("+442071234567", True)
    assert (body["LastUpdatedBy"], body["CreatedBy"]) == (superuser.username, "factory")
    after = row(call)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {
        "phone_number",
        "left_message_flag",
        "last_updated_by",
        "last_update_date",
        "version",
    }
    assert after["version"] == before["version"] + 1
    assert response["ETag"] == f'"{after["version"]}"'
    assert PhoneCall.objects.get(pk=call.pk).last_update_date > call.last_update_date


def test_patch_can_set_an_attribute_to_null(admin_api):
    call = PhoneCallFactory(phone_number="+14155550100")
    response = admin_api.patch(call_url(call.id), {"PhoneNumber": None}, format="json")
    assert response.json()["PhoneNumber"] is None
    assert PhoneCall.objects.get(pk=call.pk).phone_number is None


def test_patch_ignores_links_and_context_sent_back(admin_api):
    call = PhoneCallFactory()
    item = admin_api.get(call_url(call.id)).json()
    response = admin_api.patch(
        call_url(call.id),
        {"PhoneNumber": "+1", "links": item["links"], "@context": {"key": "1"}},
        format="json",
    )
    assert response.status_code == 200


def test_patch_accepts_the_oracle_item_media_type(admin_api):
    call = PhoneCallFactory()
    response = admin_api.patch(call_url(call.id), '{"PhoneNumber": "+2"}', content_type=ITEM_TYPE)
    assert response.status_code == 200
    assert PhoneCall.objects.get(pk=call.pk).phone_number == "+2"


def test_patch_with_another_media_type_is_a_415(admin_api):
    call = PhoneCallFactory()
    before = row(call)
    response = admin_api.patch(call_url(call.id), "PhoneNumber=+2", content_type="text/plain")
    assert response.status_code == 415
    assert row(call) == before


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"CallNumber": "CN-NEW"}, "CallNumber"),
        ({"CallId": 5}, "CallId"),
        ({"CreatedBy": "me"}, "CreatedBy"),
        ({"CreationDate": "2024-05-16T10:20:25.453+00:00"}, "CreationDate"),
        ({"LastUpdateLogin": "x"}, "LastUpdateLogin"),
        ({"Colour": "blue"}, "Colour"),
        ({"InteractionId": "12.0"}, "InteractionId"),
        ({"InteractionId": 2**63}, "InteractionId"),
        ({"InteractionId": 1.5}, "InteractionId"),
        ({"InteractionId": None}, "InteractionId"),
        ({"InteractionId": True}, "InteractionId"),
        ({"LeftMessageFlag": "TRUE"}, "LeftMessageFlag"),
        ({"DeletedFlag": None}, "DeletedFlag"),
        ({"DeletedFlag": 1}, "DeletedFlag"),
        ({"PhoneNumber": 1.5}, "PhoneNumber"),
        ({"PhoneNumber": "9" * 31}, "PhoneNumber"),
        ({"RecordingFormat": ["audio/wav"]}, "RecordingFormat"),
        ({"CallRecording": "not base64!"}, "CallRecording"),
        ({"PhoneNumber": "+1", "TranscriptMessage": [{"RoleCd": 7.5}]}, "RoleCd"),
    ],
)
def test_a_bad_patch_is_a_400_naming_the_attribute_and_writes_nothing(admin_api, payload, named):
    call = PhoneCallFactory(messages=1)
    before = row(call)
    messages_before = list(TranscriptMessage.objects.values())
    response = admin_api.patch(call_url(call.id), payload, format="json")
    assert response.status_code == 400
    assert named in response.content.decode()
    assert row(call) == before
    assert list(TranscriptMessage.objects.values()) == messages_before


def test_a_patch_body_that_is_not_an_object_is_a_400(admin_api):
    call = PhoneCallFactory()
    assert admin_api.patch(call_url(call.id), [1, 2], format="json").status_code == 400
    response = admin_api.patch(call_url(call.id), "{", content_type="application/json")
    assert response.status_code == 400


def test_patch_of_an_unknown_call_is_a_404(admin_api):
    call = PhoneCallFactory()
    response = admin_api.patch(call_url(call.id + 1000), {"PhoneNumber": "+1"}, format="json")
    assert response.status_code == 404


def test_x_http_method_override_patch_on_a_post_acts_as_patch(admin_api):
    call = PhoneCallFactory()
    count = PhoneCall.objects.count()
    response = admin_api.post(
        call_url(call.id),
        {"PhoneNumber": "+15550001111"},
        format="json",
        HTTP_X_HTTP_METHOD_OVERRIDE="PATCH",
    )
    assert response.status_code == 200
    assert response.json()["PhoneNumber"] == "+15550001111"
    assert PhoneCall.objects.get(pk=call.pk).phone_number == "+15550001111"
    assert PhoneCall.objects.count() == count


def test_a_post_on_an_item_without_override_is_a_405(admin_api):
    call = PhoneCallFactory()
    response = admin_api.post(call_url(call.id), {"PhoneNumber": "+1"}, format="json")
    assert response.status_code == 405


# DELETE and PUT


def test_delete_answers_204_without_a_body_and_takes_the_messages(admin_api):
    call = PhoneCallFactory(messages=3)
    other = PhoneCallFactory(messages=2)
    response = admin_api.delete(call_url(call.id))
    assert response.status_code == 204
    assert response.content == b""
    assert not PhoneCall.objects.filter(pk=call.pk).exists()
    assert TranscriptMessage.objects.filter(call_id=call.id).count() == 0
    assert other.messages.count() == 2
    assert admin_api.get(call_url(call.id)).status_code == 404
    assert admin_api.delete(call_url(call.id)).status_code == 404


def test_delete_removes_the_recording_from_storage_after_the_commit(
    admin_api, django_capture_on_commit_callbacks
):
    call = PhoneCallFactory()
    services.phone_call_set_recording(actor=services.Actor("cti"), call=call, content=b"abc")
    call.refresh_from_db()
    storage, name = call.recording.storage, call.recording.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_api.delete(call_url(call.id)).status_code == 204
    assert not storage.exists(name)


@pytest.mark.parametrize("version", [None, 4])
def test_put_on_an_item_is_a_405_and_changes_nothing(admin_api, version):
    call = PhoneCallFactory()
    before = row(call)
    headers = version_header(version) if version else {}
    response = admin_api.put(
        call_url(call.id), {"PhoneNumber": "+1", "InteractionId": 1}, format="json", **headers
    )
    assert response.status_code == 405
    assert row(call) == before


# Concurrency control (§6)


def test_the_etag_changes_on_every_update_of_the_call_and_of_its_messages(admin_api):
    call = PhoneCallFactory(messages=1)
    message = call.messages.get()
    seen = [etag_of(admin_api, call)]

    def changed():
        tag = etag_of(admin_api, call)
        assert tag not in seen
        seen.append(tag)

    admin_api.patch(call_url(call.id), {"PhoneNumber": "+1"}, format="json")
    changed()
    admin_api.patch(call_url(call.id), {}, format="json")
    changed()
    admin_api.patch(message_url(call.id, message.id), {"RoleCd": "X"}, format="json")
    changed()
    created = admin_api.post(messages_url(call.id), {"RoleCd": "AGENT"}, format="json")
    changed()
    admin_api.put(content_url(call.id, message.id), b"new text", content_type="text/plain")
    changed()
    admin_api.delete(content_url(call.id, message.id))
    changed()
    admin_api.put(recording_url(call.id), b"audio", content_type="application/octet-stream")
    changed()
    admin_api.delete(recording_url(call.id))
    changed()
    admin_api.delete(message_url(call.id, created.json()["MessageId"]))
    changed()
    admin_api.patch(
        call_url(call.id),
        {"TranscriptMessage": [{"MessageId": message.id, "RoleCd": "Y"}]},
        format="json",
    )
    changed()


def test_a_stale_if_match_on_patch_is_a_412_with_the_current_etag_and_changes_nothing(
    admin_api,
):
    call = PhoneCallFactory()
    stale = etag_of(admin_api, call)
    admin_api.patch(call_url(call.id), {"PhoneNumber": "+1"}, format="json")
    current = etag_of(admin_api, call)
    before = row(call)
    response = admin_api.patch(
        call_url(call.id), {"PhoneNumber": "+2"}, format="json", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    assert response["ETag"] == current
    assert row(call) == before


def test_a_stale_if_match_on_delete_is_a_412_and_deletes_nothing(admin_api):
    call = PhoneCallFactory(messages=2)
    current = etag_of(admin_api, call)
    response = admin_api.delete(call_url(call.id), HTTP_IF_MATCH='"999"')
    assert response.status_code == 412
    assert response["ETag"] == current
    assert PhoneCall.objects.filter(pk=call.pk).exists()
    assert call.messages.count() == 2


@pytest.mark.parametrize("if_match", ["garbage", '"²"', "W/", ""])
def test_an_if_match_naming_no_version_fails_the_precondition(admin_api, if_match):
    call = PhoneCallFactory()
    before = row(call)
    response = admin_api.patch(
        call_url(call.id), {"PhoneNumber": "+2"}, format="json", HTTP_IF_MATCH=if_match
    )
    assert response.status_code == 412
    assert row(call) == before


def test_the_current_etag_in_if_match_lets_patch_and_delete_through(admin_api):
    call = PhoneCallFactory()
    current = etag_of(admin_api, call)
    response = admin_api.patch(
        call_url(call.id),
        {"PhoneNumber": "+2"},
        format="json",
        HTTP_IF_MATCH=f'"999", {current}',
    )
    assert response.status_code == 200
    weak = "W/" + response["ETag"]
    assert admin_api.delete(call_url(call.id), HTTP_IF_MATCH=weak).status_code == 204


def test_if_match_star_matches_any_existing_item(admin_api):
    call = PhoneCallFactory()
    response = admin_api.patch(
        call_url(call.id), {"PhoneNumber": "+2"}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 200
    assert admin_api.delete(call_url(call.id), HTTP_IF_MATCH="*").status_code == 204
    assert admin_api.delete(call_url(call.id), HTTP_IF_MATCH="*").status_code == 404


def test_if_match_on_a_method_override_patch_is_honoured(admin_api):
    call = PhoneCallFactory()
    response = admin_api.post(
        call_url(call.id),
        {"PhoneNumber": "+2"},
        format="json",
        HTTP_X_HTTP_METHOD_OVERRIDE="PATCH",
        HTTP_IF_MATCH='"999"',
    )
    assert response.status_code == 412


def test_an_if_none_match_equal_to_the_etag_is_a_304_without_a_body(admin_api):
    call = PhoneCallFactory()
    etag = etag_of(admin_api, call)
    response = admin_api.get(call_url(call.id), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert admin_api.get(call_url(call.id), HTTP_IF_NONE_MATCH="*").status_code == 304


def test_a_stale_if_none_match_gets_the_item(admin_api):
    call = PhoneCallFactory()
    stale = etag_of(admin_api, call)
    admin_api.patch(call_url(call.id), {"PhoneNumber": "+2"}, format="json")
    response = admin_api.get(call_url(call.id), HTTP_IF_NONE_MATCH=stale)
    assert response.status_code == 200
    assert response.json()["PhoneNumber"] == "+2"


# Query counts


@pytest.mark.parametrize("messages", [1, 50])
def test_get_costs_one_query_whatever_the_transcript(
    admin_api, django_assert_num_queries, messages
):
    call = PhoneCallFactory(messages=messages)
    # 1. SELECT the call
    with django_assert_num_queries(1):
        assert admin_api.get(call_url(call.id)).status_code == 200


@pytest.mark.parametrize("messages", [1, 50])
def test_patch_costs_the_same_queries_whatever_the_transcript(
    admin_api, django_assert_num_queries, messages
):
    call = PhoneCallFactory(messages=messages)
    # 1. SELECT the call
    # 2. SAVEPOINT
    # 3. SELECT its version FOR UPDATE (the row lock of every writer of the call)
    # 4. UPDATE the version and who-columns
    # 5. UPDATE the attributes sent
    # 6. INSERT the history row of the call
    # 7. RELEASE SAVEPOINT
    with django_assert_num_queries(7):
        response = admin_api.patch(call_url(call.id), {"PhoneNumber": "+1"}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize("messages", [1, 50])
def test_delete_costs_the_same_queries_whatever_the_transcript(
    admin_api, django_assert_num_queries, messages
):
    call = PhoneCallFactory(messages=messages)
    # 1. SELECT the call
    # 2. SAVEPOINT
    # 3. SELECT its version, recording and legal hold FOR UPDATE
    # 4. DELETE the messages
    # 5. DELETE the messages' history rows
    # 6. UPDATE the access records of the call (SET NULL)
    # 7. DELETE the call
    # 8. DELETE the call's history rows (a deleted call is gone, history included)
    # 9. RELEASE SAVEPOINT
    with django_assert_num_queries(9):
        assert admin_api.delete(call_url(call.id)).status_code == 204
