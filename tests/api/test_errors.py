"""Errors in the format of the framework version; nothing internal ever shown (contract §8)."""

import json

import pytest
from django.db import DatabaseError
from rest_framework.test import APIClient

from calls.oracle import operations
from tests.api.helpers import (
    CALLS,
    ERROR_TYPE,
    b64,
    call_url,
    client_for,
    user_with,
    version_header,
)
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db

LEAKS = (
    "Traceback",
    'File "',
    "SELECT",
    "INSERT",
    "calls_phonecall",
    "SECRET_KEY",
    "django.",
    "sqlite",
    "psycopg",
)


def assert_no_leak(response) -> None:
    text = response.content.decode()
    for leak in LEAKS:
        assert leak not in text, (leak, text)


def oracle_error(response, status: int, media_type: str = ERROR_TYPE) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].split(";")[0] == media_type
    body = response.json()
    assert set(body) == {"type", "title", "status", "o:errorDetails"}
    assert body["status"] == str(status)
    assert body["type"].endswith(f"#sec{status}")
    for detail in body["o:errorDetails"]:
        assert set(detail) <= {"detail", "o:errorCode", "o:errorPath"}
        assert detail["detail"] and detail["o:errorCode"]
    assert_no_leak(response)
    return body


@pytest.mark.parametrize("version", [None, 1, 2, 3])
def test_before_version_4_an_error_is_a_plain_text_message(admin_api, version):
    headers = version_header(version) if version else {}
    response = admin_api.post(CALLS, {"InteractionId": 1, "Colour": "x"}, format="json", **headers)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "Colour is not an attribute of this resource.\n"


@pytest.mark.parametrize("version", [4, 5, 6, 9])
def test_from_version_4_an_error_is_oracle_error_json_with_one_entry_per_problem(
    admin_api, version
):
    response = admin_api.post(
        CALLS,
        {"InteractionId": "one", "PhoneNumber": 5.5, "Colour": "x"},
        format="json",
        **version_header(version),
    )
    body = oracle_error(response, 400)
    assert body["title"] == "Bad Request"
    paths = sorted(d.get("o:errorPath") for d in body["o:errorDetails"])
    assert paths == ["/Colour", "/InteractionId", "/PhoneNumber"]


def test_a_nested_attribute_is_named_by_its_path(admin_api4):
    response = admin_api4.post(
        CALLS,
        {
            "InteractionId": 1,
            "TranscriptMessage": [
                {"RoleCd": "AGENT"},
                {"RoleCd": [5], "MessageContent": "%%"},
            ],
        },
        format="json",
    )
    body = oracle_error(response, 400)
    assert sorted(d["o:errorPath"] for d in body["o:errorDetails"]) == [
        "/TranscriptMessage/1/MessageContent",
        "/TranscriptMessage/1/RoleCd",
    ]


def test_a_not_found_error_names_its_reason_phrase(admin_api4):
    call = PhoneCallFactory()
    body = oracle_error(admin_api4.get(call_url(call.id + 1000)), 404)
    assert body["title"] == "Not Found"
    assert body["o:errorDetails"][0]["o:errorCode"] == "not_found"


def test_a_precondition_failure_is_oracle_json_from_version_4(admin_api4):
    call = PhoneCallFactory()
    response = admin_api4.delete(call_url(call.id), HTTP_IF_MATCH='"999"')
    assert oracle_error(response, 412)["title"] == "Precondition Failed"


def test_a_405_is_oracle_json_from_version_4(admin_api4):
    call = PhoneCallFactory()
    assert oracle_error(admin_api4.put(call_url(call.id), {}, format="json"), 405)


def test_a_415_is_oracle_json_from_version_4(admin_api4):
    response = admin_api4.post(CALLS, "InteractionId=1", content_type="text/plain")
    oracle_error(response, 415)


def test_a_401_carries_the_basic_challenge_in_the_version_format(db, settings):
    response = APIClient().get(CALLS, **version_header(4))
    oracle_error(response, 401)
    assert response["WWW-Authenticate"] == f'Basic realm="{settings.CALLBOOK_AUTH_REALM}"'


def test_a_403_is_an_error_in_the_version_format(db):
    client = client_for(user_with("view_phonecall", username="reader"), 4)
    oracle_error(client.post(CALLS, {"InteractionId": 1}, format="json"), 403)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, ERROR_TYPE),
        (ERROR_TYPE, ERROR_TYPE),
        ("application/json", "application/json"),
        (f"application/json, {ERROR_TYPE}", ERROR_TYPE),
    ],
)
def test_a_client_accepting_only_json_gets_errors_as_application_json(admin_api4, accept, expected):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = admin_api4.get(CALLS, {"limit": "x"}, **headers)
    oracle_error(response, 400, expected)


@pytest.mark.parametrize("version", ["0", "10", "abc", "-1", "4.0", "²", "1e1"])
def test_an_unsupported_framework_version_is_a_400_and_does_nothing(admin_api, version):
    response = admin_api.post(
        CALLS, {"InteractionId": 1}, format="json", HTTP_REST_FRAMEWORK_VERSION=version
    )
    assert response.status_code == 400
    assert "REST-Framework-Version" in response.content.decode()
    assert_no_leak(response)
    assert admin_api.get(CALLS).json()["count"] == 0


def test_an_unexpected_failure_is_a_500_without_stack_trace_or_sql(admin_api, monkeypatch):
    def fail(ctx):
        raise DatabaseError('relation "calls_phonecall" does not exist: SELECT * FROM x')

    monkeypatch.setattr(operations, "list_calls", fail)
    response = admin_api.get(CALLS)
    assert response.status_code == 500
    assert response.content.decode() == "The server could not complete the request.\n"
    response = admin_api.get(CALLS, **version_header(4))
    body = oracle_error(response, 500)
    assert body["o:errorDetails"][0]["detail"] == "The server could not complete the request."


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (CALLS, {"q": "CallId = 'x'; DROP TABLE calls_phonecall"}),
        (CALLS, {"q": "PhoneNumber = '" + "a" * 5000 + "'"}),
        (CALLS, {"q": "((((((((((((((((((((((((((((((((((((CallId = 1"}),
        (CALLS, {"orderBy": "CallId:desc;DROP"}),
        (CALLS, {"finder": "PrimaryKey;CallId=1 OR 1=1"}),
        (CALLS, {"fields": "CallId;TranscriptMessage:Nope"}),
        (f"{CALLS}/99999999999999999999999", {}),
    ],
)
@pytest.mark.parametrize("version", [1, 2, 4])
def test_hostile_parameters_are_4xx_without_leaks(admin_api, path, params, version):
    response = admin_api.get(path, params, **version_header(version))
    assert 400 <= response.status_code < 500
    assert_no_leak(response)


def test_an_error_body_is_valid_json_for_any_message_text(admin_api4):
    response = admin_api4.post(
        CALLS, {"InteractionId": 1, 'Na\u00efve"\\': b64("x")}, format="json"
    )
    body = oracle_error(response, 400)
    assert json.dumps(body)
