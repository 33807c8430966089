"""The OpenAPI schema at /api/schema/, and a Schemathesis run of the API against it.

The property run calls the Django app in-process (WSGI) as a superuser with HTTP Basic;
every response must be no 5xx and match the schema: status code, content type, headers
and body. Path ids point at a seeded call most of the time, so items, children and
enclosures answer 200 and not only 404.
"""

import base64
import io
import json
from pathlib import Path

import pytest
import schemathesis
import yaml
from django.core import signals
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from django.urls import resolve
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from calls.models import PhoneCall, TranscriptMessage
from calls.oracle.links import ROOT_PATH
from calls.oracle.openapi import PATHS, openapi_document
from calls.oracle.openapi.document import as_json
from calls.oracle.urls import resource_urlpatterns
from tests.factories import PhoneCallFactory, TranscriptMessageFactory

SCHEMA_URL = "/api/schema/"
COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
PASSWORD = "correct-horse-battery"  # UserFactory's
SEED_NUMBER = "OPENAPI-SEED"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# Loaded from the generator, not over HTTP: the lazy ``from_fixture`` loader fails on
# pytest 9. The first test shows the served document is this one.
schema = schemathesis.openapi.from_dict(openapi_document())
schema.app = WSGIHandler()


@pytest.fixture
def _connection_kept_open():
    """As Django's test client does: a request must not close the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _basic() -> str:
    return "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()


def _seed() -> PhoneCall:
    """The call the ids point at, with a recording and a message with content; an earlier
    example may have deleted any of them."""
    call = PhoneCall.objects.filter(call_number=SEED_NUMBER).first()
    if call is None:
        call = PhoneCallFactory(call_number=SEED_NUMBER)
    if not call.recording:
        call.recording.save("seed.wav", ContentFile(b"RIFF" + bytes(60)), save=True)
    if not TranscriptMessage.objects.filter(call=call, message_content__isnull=False).exists():
        TranscriptMessageFactory(call=call, message_content="Hello")
    return call


def test_the_schema_is_public_and_valid_openapi_3(client):
    response = client.get(SCHEMA_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = response.json()
    validate(document)
    assert document == openapi_document()
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": ROOT_PATH}]


def test_the_yaml_form_is_the_same_document(client):
    json_form = client.get(SCHEMA_URL).json()
    response = client.get(SCHEMA_URL, {"format": "yaml"})

    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert yaml.safe_load(response.content) == json_form


def test_the_committed_document_is_the_one_the_code_builds():
    """docs/openapi.json is reviewed as the contract: it must be what /api/schema/ serves."""
    committed = COMMITTED.read_text(encoding="utf-8")

    assert json.loads(committed) == openapi_document(), (
        "docs/openapi.json differs from the code: run `make openapi` and commit it"
    )
    assert committed == as_json(), "docs/openapi.json is not as generated: run `make openapi`"


def test_write_openapi_writes_the_served_document(tmp_path, client):
    output = tmp_path / "openapi.json"

    call_command("write_openapi", str(output), stdout=io.StringIO())

    assert json.loads(output.read_text(encoding="utf-8")) == client.get(SCHEMA_URL).json()


def test_every_route_of_the_api_is_in_the_schema_with_its_methods(client):
    paths = client.get(SCHEMA_URL).json()["paths"]

    assert set(paths) == {template for template, _ in PATHS.values()}
    for pattern in resource_urlpatterns:
        template, _ = PATHS[pattern.name]
        url = ROOT_PATH + template.format(CallId=7, MessageId=9)
        assert resolve(url).url_name == pattern.name, url
        documented = set(paths[template])
        served = set(pattern.callback.actions) - {"head"}  # DRF's HEAD for GET
        assert served <= documented, pattern.name
        # POST on an item is the documented X-HTTP-Method-Override: PATCH.
        assert documented - served <= {"post"}, pattern.name


def test_the_schema_uses_the_oracle_names_and_media_types(client):
    document = client.get(SCHEMA_URL).json()
    schemas = document["components"]["schemas"]
    call = document["paths"]["/phoneCalls/{CallId}"]

    assert set(schemas["PhoneCall"]["required"]) >= {"CallId", "CallNumber", "InteractionId"}
    assert "CallRecording" not in schemas["PhoneCall"]["properties"]  # served by its enclosure
    assert schemas["PhoneCallCreate"]["required"] == ["InteractionId"]
    assert "CallNumber" not in schemas["PhoneCallUpdate"]["properties"]
    assert schemas["Error"]["required"] == ["type", "title", "status", "o:errorDetails"]
    assert set(call["get"]["responses"]["200"]["content"]) == {
        "application/vnd.oracle.adf.resourceitem+json",
        "application/json",
    }
    assert set(document["components"]["responses"]["NotFound"]["content"]) == {
        "text/plain",
        "application/vnd.oracle.adf.error+json",
        "application/json",
    }
    assert set(document["paths"]["/phoneCalls"]["get"]["responses"]["200"]["content"]) == {
        "application/vnd.oracle.adf.resourcecollection+json",
        "application/json",
    }
    assert set(document["paths"]["/"]["post"]["requestBody"]["content"]) == {
        "application/vnd.oracle.adf.batch+json"
    }
    assert set(document["components"]["securitySchemes"]) == {
        "basicAuth",
        "bearerAuth",
        "tokenAuth",
        "sessionAuth",
    }


def test_reading_an_original_and_the_legal_hold_409s_are_documented():
    document = openapi_document()
    content = next(
        item for path, item in document["paths"].items() if path.endswith("/MessageContent")
    )
    names = [p["$ref"].rsplit("/", 1)[-1] for p in content["get"]["parameters"]]
    assert "original" in names
    original = document["components"]["parameters"]["original"]
    assert original["in"] == "query" and original["schema"]["enum"] == ["true"]
    assert "calls.view_unredacted_transcript" in original["description"]
    message = next(
        item
        for path, item in document["paths"].items()
        if path.endswith("/child/TranscriptMessage/{MessageId}")
    )
    assert "409" in message["delete"]["responses"]  # the message of a held call


@pytest.mark.parametrize(
    ("version", "content_type"),
    [
        ("1", "text/plain"),
        ("3", "text/plain"),
        ("4", "application/vnd.oracle.adf.error+json"),
        ("9", "application/vnd.oracle.adf.error+json"),
    ],
)
def test_errors_of_every_framework_version_match_the_schema(
    db, _connection_kept_open, version, content_type
):
    """No credentials: the 401 is text/plain in v1-v3 and error JSON in v4+, as documented."""
    case = schema["/phoneCalls"]["GET"].Case(headers={"REST-Framework-Version": version})

    response = case.call_and_validate(checks=CHECKS)

    assert response.status_code == 401
    assert response.headers["content-type"][0].startswith(content_type)


def test_an_unsupported_body_media_type_is_a_documented_415(superuser, _connection_kept_open):
    case = schema["/phoneCalls"]["POST"].Case(
        headers={"REST-Framework-Version": "4"},
        body={"InteractionId": 1},
        media_type="application/json",
    )

    response = case.call_and_validate(
        headers={"Authorization": _basic(), "Content-Type": "text/xml"}, checks=CHECKS
    )

    assert response.status_code == 415


# The property run


def _point_at_the_seed(case) -> None:
    """Three ids in four name the seeded call (and its message); the rest stay random."""
    ids = case.path_parameters or {}
    call_id = ids.get("CallId")
    if not isinstance(call_id, int) or call_id % 4 == 0:
        return
    call = _seed()
    ids["CallId"] = call.id
    if isinstance(ids.get("MessageId"), int):
        ids["MessageId"] = call.messages.filter(message_content__isnull=False).first().id


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_answers_as_its_schema_says(case, superuser, _connection_kept_open):
    _point_at_the_seed(case)
    case.call_and_validate(headers={"Authorization": _basic()}, checks=CHECKS)
