"""POST /phoneCalls: create, exactly as Oracle's "Create a phone call" page (contract §2-§4)."""

import base64
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import PhoneCall, TranscriptMessage
from calls.oracle.attributes import CALL_ATTRIBUTES
from calls.oracle.custom import OUT_OF_THE_BOX
from tests.api.helpers import create_statements
from tests.factories import PASSWORD, PhoneCallFactory

CALLS = "/crmRestApi/resources/11.13.18.05/phoneCalls"
ITEM_TYPE = "application/vnd.oracle.adf.resourceitem+json"
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00")
# The built-ins and the custom attributes declared out of the box (calls.timing).
# What an item carries when no value is set: the out-of-the-box custom attributes appear
# only with a value (Attribute.rendered_when_null).
CALL_NAMES = {a.name for a in OUT_OF_THE_BOX.calls if a.inline and a.rendered_when_null}
MESSAGE_NAMES = {a.name for a in OUT_OF_THE_BOX.messages if a.rendered_when_null}

pytestmark = pytest.mark.django_db


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def message(text="Hello, thank you for calling.", **extra):
    return {"MessageContent": b64(text), "RoleCd": "AGENT", "PostedByDisplayName": "Ann", **extra}


def post(client, body, version=None, **headers):
    if version is not None:
        headers["HTTP_REST_FRAMEWORK_VERSION"] = str(version)
    return client.post(CALLS, body, format="json", **headers)


def test_a_create_answers_201_with_the_full_item_location_and_etag(api):
    response = post(api, {"InteractionId": 42, "PhoneNumber": "+14155550100"})
    assert response.status_code == 201
    assert response["Content-Type"] == ITEM_TYPE
    body = response.json()
    call = PhoneCall.objects.get()
    assert set(body) == CALL_NAMES | {"links"}
    assert body["CallId"] == call.id
    assert body["PhoneNumber"] == "+14155550100"
    assert body["InteractionId"] == 42
    assert response["Location"] == f"http://testserver{CALLS}/{call.id}"
    assert response["ETag"] == f'"{call.version}"'
    self_link = next(link for link in body["links"] if link["rel"] == "self")
    assert self_link["properties"]["changeIndicator"] == str(call.version)


def test_unset_attributes_are_null_and_flags_default_to_false(api):
    body = post(api, {"InteractionId": 1}).json()
    for name in (
        "CallDetailsURL",
        "ExternalSystemCallId",
        "PhoneNumber",
        "RecordingFormat",
        "RecordingURL",
        "TranscriptURL",
    ):
        assert body[name] is None, name
    assert body["DeletedFlag"] is False
    assert body["LeftMessageFlag"] is False


def test_who_columns_come_from_the_authenticated_user(api, api_user):
    before = timezone.now()
    body = post(api, {"InteractionId": 1}).json()
    assert body["CreatedBy"] == body["LastUpdatedBy"] == api_user.username
    for name in ("CreationDate", "LastUpdateDate"):
        assert TIMESTAMP.fullmatch(body[name])
    call = PhoneCall.objects.get()
    assert before - timedelta(seconds=1) <= call.creation_date <= timezone.now()
    assert re.fullmatch(r"[0-9a-f]{32}", body["LastUpdateLogin"])


def test_last_update_login_names_the_login_without_revealing_the_password(api):
    body = post(api, {"InteractionId": 1}).json()
    assert PASSWORD not in body["LastUpdateLogin"]
    again = post(api, {"InteractionId": 2}).json()
    assert again["LastUpdateLogin"] == body["LastUpdateLogin"], "same credential, same login"


def test_call_number_is_generated_unique_when_absent_and_kept_when_given(api):
    first = post(api, {"InteractionId": 1}).json()
    second = post(api, {"InteractionId": 1}).json()
    assert first["CallNumber"] != second["CallNumber"]
    assert 0 < len(first["CallNumber"]) <= 30
    given = post(api, {"InteractionId": 1, "CallNumber": "CTI-2024-0001"}).json()
    assert given["CallNumber"] == "CTI-2024-0001"


def test_an_existing_call_number_is_a_400_naming_it_and_writes_nothing(api):
    post(api, {"InteractionId": 1, "CallNumber": "DUP-1"})
    response = post(
        api,
        {"InteractionId": 1, "CallNumber": "DUP-1", "TranscriptMessage": [message()]},
        version=4,
    )
    assert response.status_code == 400
    assert "DUP-1" in response.json()["o:errorDetails"][0]["detail"]
    assert PhoneCall.objects.count() == 1
    assert TranscriptMessage.objects.count() == 0


def test_interaction_id_is_required_on_create(api):
    response = post(api, {"PhoneNumber": "+1"}, version=4)
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorPath"] == "/InteractionId"
    assert not PhoneCall.objects.exists()


def test_nested_messages_are_created_in_order_and_echoed(api):
    texts = ["first", "Grüße ✓ 東京", "Call me 📞"]
    body = post(api, {"InteractionId": 7, "TranscriptMessage": [message(t) for t in texts]}).json()
    echoed = body["TranscriptMessage"]
    assert [base64.b64decode(m["MessageContent"]).decode() for m in echoed] == texts
    stored = list(TranscriptMessage.objects.order_by("id"))
    assert [m.message_content for m in stored] == texts
    assert [m["MessageId"] for m in echoed] == [m.id for m in stored]
    for item in echoed:
        assert set(item) == MESSAGE_NAMES | {"links"}
        assert item["CallId"] == body["CallId"]
        assert item["InteractionId"] == 7
        assert item["VisibilityCd"] == "EXTERNAL"
        assert item["MessageNumber"]


def test_a_create_without_nested_messages_does_not_echo_the_child(api):
    body = post(api, {"InteractionId": 1}).json()
    assert "TranscriptMessage" not in body


def test_the_recording_is_stored_through_storage_and_shown_only_as_an_enclosure(api):
    audio = bytes(range(256)) * 4
    body = post(
        api, {"InteractionId": 1, "CallRecording": b64(audio), "RecordingFormat": "audio/wav"}
    ).json()
    assert "CallRecording" not in body
    enclosure = next(link for link in body["links"] if link["rel"] == "enclosure")
    assert enclosure["href"].endswith(f"/phoneCalls/{body['CallId']}/enclosure/CallRecording")
    call = PhoneCall.objects.get()
    with call.recording.open("rb") as stored:
        assert stored.read() == audio


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"InteractionId": 1, "NoSuchAttribute": 1}, "/NoSuchAttribute"),
        ({"InteractionId": 1, "CallId": 5}, "/CallId"),
        ({"InteractionId": 1, "CreatedBy": "x"}, "/CreatedBy"),
        ({"InteractionId": "twelve"}, "/InteractionId"),
        ({"InteractionId": 2**63}, "/InteractionId"),
        ({"InteractionId": True}, "/InteractionId"),
        ({"InteractionId": 1, "PhoneNumber": 14155550100.5}, "/PhoneNumber"),
        ({"InteractionId": 1, "PhoneNumber": "x" * 31}, "/PhoneNumber"),
        ({"InteractionId": 1, "LeftMessageFlag": "yes"}, "/LeftMessageFlag"),
        ({"InteractionId": 1, "DeletedFlag": None}, "/DeletedFlag"),
        ({"InteractionId": 1, "CallRecording": "not base64!"}, "/CallRecording"),
        ({"InteractionId": 1, "PhoneNumber": "nul\x00"}, "/PhoneNumber"),
        (
            {"InteractionId": 1, "TranscriptMessage": [{}, {"RoleCd": "x" * 31}]},
            "/TranscriptMessage/1/RoleCd",
        ),
        (
            {"InteractionId": 1, "TranscriptMessage": [{"MessageContent": b64(b"\xff\xfe")}]},
            "/TranscriptMessage/0/MessageContent",
        ),
        ({"InteractionId": 1, "TranscriptMessage": [{"Bogus": 1}]}, "/TranscriptMessage/0/Bogus"),
        ({"InteractionId": 1, "TranscriptMessage": {"RoleCd": "AGENT"}}, "/TranscriptMessage"),
    ],
)
def test_bad_input_is_a_400_naming_the_attribute_and_writes_nothing(api, body, path):
    response = post(api, body, version=4)
    assert response.status_code == 400, response.content
    paths = [d.get("o:errorPath") for d in response.json()["o:errorDetails"]]
    assert path in paths
    assert not PhoneCall.objects.exists()
    assert not TranscriptMessage.objects.exists()


def test_a_lone_surrogate_or_an_overlong_string_is_refused_with_every_problem(api):
    # JSON may escape half of a surrogate pair; such a string has no UTF-8 form to store.
    body = (
        '{"InteractionId": 1, "PhoneNumber": "+1415\\ud800",'
        ' "TranscriptMessage": [{"RoleCd": "\\udfff' + "x" * 30 + '"}]}'
    )
    response = api.post(
        CALLS, body, content_type="application/json", HTTP_REST_FRAMEWORK_VERSION="4"
    )
    assert response.status_code == 400, response.content
    problems = sorted((d["o:errorPath"], d["detail"]) for d in response.json()["o:errorDetails"])
    assert problems == [
        ("/PhoneNumber", "PhoneNumber: Surrogate characters are not allowed: U+D800."),
        (
            "/TranscriptMessage/0/RoleCd",
            "RoleCd: Ensure this field has no more than 30 characters.",
        ),
        ("/TranscriptMessage/0/RoleCd", "RoleCd: Surrogate characters are not allowed: U+DFFF."),
    ]
    assert not PhoneCall.objects.exists()


def test_links_and_context_sent_back_by_a_client_are_ignored(api):
    response = post(api, {"InteractionId": 1, "links": [{"rel": "self"}], "@context": {}})
    assert response.status_code == 201


def test_a_body_that_is_not_json_is_a_400(api):
    response = api.post(CALLS, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_a_body_that_is_not_an_object_is_a_400(api):
    assert post(api, [1, 2]).status_code == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data"])
def test_other_media_types_are_415(api, content_type):
    response = api.post(CALLS, "InteractionId=1", content_type=content_type)
    assert response.status_code == 415
    assert not PhoneCall.objects.exists()


def test_the_oracle_item_media_type_is_accepted(api):
    response = api.post(CALLS, '{"InteractionId": 1}', content_type=ITEM_TYPE)
    assert response.status_code == 201


def test_the_latest_alias_serves_the_same_resource(api):
    response = api.post(
        "/crmRestApi/resources/latest/phoneCalls", {"InteractionId": 1}, format="json"
    )
    assert response.status_code == 201
    assert response["Location"].startswith(f"http://testserver{CALLS}/")


def test_a_storage_failure_leaves_no_row(api, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(FileSystemStorage, "_save", broken)
    response = post(api, {"InteractionId": 1, "CallRecording": b64(b"RIFF")}, version=4)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["o:errorDetails"][0]["detail"]
    assert "disk full" not in response.content.decode()
    assert not PhoneCall.objects.exists()


@pytest.mark.parametrize("count", [0, 1, 50])
def test_create_costs_the_same_queries_whatever_the_number_of_messages(
    api, count, django_assert_num_queries
):
    body = {"InteractionId": 1, "TranscriptMessage": [message() for _ in range(count)]}
    post(api, {"InteractionId": 1})  # warm the credential cache: the steady state
    # The remembered Basic credential brings its user (calls.login_cache), and django-axes
    # is not asked (this address failed no login): 1 SAVEPOINT, 2 INSERT the call, 3 INSERT
    # its history row, then with messages: 4 one bulk INSERT of the messages, 5 one
    # INSERT … SELECT of their history rows; and RELEASE SAVEPOINT. On PostgreSQL each
    # INSERT carries its history's INSERT … SELECT in the same statement (calls.sql.history).
    with django_assert_num_queries(create_statements(messages=bool(count))):
        response = post(api, body)
    assert response.status_code == 201
    assert TranscriptMessage.objects.count() == count


# ------------------------------------------- values as Oracle's type conversion takes them


def test_the_body_an_oracle_integration_sends_is_taken_as_oracle_takes_it(api):
    """String ids (JavaScript cannot hold an int64), number party ids, string booleans."""
    response = post(
        api,
        {
            "InteractionId": "300100200300",
            "PhoneNumber": "+14155550100",
            "LeftMessageFlag": "true",
            "TranscriptMessage": [
                {**message(), "PostedByPartyId": 300100000000001, "DeletedFlag": "false"}
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    # Answered in the attribute's own type: ids as numbers, party ids as strings.
    assert body["InteractionId"] == 300100200300
    assert body["LeftMessageFlag"] is True
    assert body["TranscriptMessage"][0]["PostedByPartyId"] == "300100000000001"
    call = PhoneCall.objects.get()
    assert (call.interaction_id, call.left_message_flag) == (300100200300, True)
    assert call.messages.get().posted_by_party_id == "300100000000001"


@pytest.mark.parametrize(
    ("attribute", "sent", "stored"),
    [
        ("InteractionId", "-5", -5),
        ("InteractionId", "0", 0),
        ("InteractionId", "9223372036854775807", 2**63 - 1),
        ("InteractionId", "-9223372036854775808", -(2**63)),
        ("LeftMessageFlag", "true", True),
        ("DeletedFlag", "false", False),
        ("PhoneNumber", 14155550100, "14155550100"),
        ("PhoneNumber", -7, "-7"),
        ("PhoneNumber", 0, "0"),
        ("CallNumber", 123, "123"),
        ("ExternalSystemCallId", 2**64, str(2**64)),  # a string attribute is no int64
        ("PhoneNumber", 10**29, "1" + "0" * 29),  # 30 characters: the maximum length
    ],
)
def test_a_value_in_another_json_type_is_converted(api, attribute, sent, stored):
    body = {"InteractionId": 1, attribute: sent}
    response = post(api, body)
    assert response.status_code == 201, response.content
    field = next(a.field for a in CALL_ATTRIBUTES if a.name == attribute)
    assert getattr(PhoneCall.objects.get(), field) == stored
    assert response.json()[attribute] == stored


@pytest.mark.parametrize(
    ("attribute", "sent"),
    [
        ("InteractionId", 1.5),
        ("InteractionId", 12.0),
        ("InteractionId", "1.5"),
        ("InteractionId", "12.0"),
        ("InteractionId", "1e3"),
        ("InteractionId", "+12"),
        ("InteractionId", "012"),
        ("InteractionId", " 12"),
        ("InteractionId", "12 "),
        ("InteractionId", "-0"),
        ("InteractionId", ""),
        ("InteractionId", "\u0663"),  # ARABIC-INDIC DIGIT THREE
        ("InteractionId", "9223372036854775808"),
        ("InteractionId", "-9223372036854775809"),
        ("InteractionId", "9" * 5000),
        ("InteractionId", "true"),
        ("InteractionId", {"value": 1}),
        ("InteractionId", [1]),
        ("PhoneNumber", 1.5),
        ("PhoneNumber", 1e3),
        ("PhoneNumber", True),
        ("PhoneNumber", {"number": "+1"}),
        ("PhoneNumber", ["+1"]),
        ("PhoneNumber", 10**30),  # 31 characters
        ("LeftMessageFlag", "TRUE"),
        ("LeftMessageFlag", "yes"),
        ("LeftMessageFlag", "1"),
        ("LeftMessageFlag", 1),
        ("LeftMessageFlag", ["true"]),
        ("LeftMessageFlag", {}),
    ],
)
def test_a_value_no_conversion_takes_is_a_400_naming_it(api, attribute, sent):
    response = post(api, {"InteractionId": 1, attribute: sent}, version=4)
    assert response.status_code == 400, response.content
    assert [d["o:errorPath"] for d in response.json()["o:errorDetails"]] == [f"/{attribute}"]
    assert not PhoneCall.objects.exists()


def test_a_nested_message_may_repeat_its_call_id_as_a_string(api):
    call = PhoneCallFactory(call_number="S-1")
    response = api.post(
        CALLS,
        {
            "CallId": str(call.id),
            "TranscriptMessage": [{**message(), "CallId": str(call.id)}],
        },
        format="json",
        HTTP_UPSERT_MODE="true",
    )
    assert response.status_code == 200, response.content
    assert response.json()["CallId"] == call.id
    assert call.messages.count() == 1
