"""Transport details (issue 12.8): compressed request bodies within the size limit, the
Cache-Control of every API answer, and Oracle's 404 for paths no route matches."""

import gzip
import json
import zlib

import pytest
from rest_framework.test import APIClient

from calls.models import PhoneCall
from tests.api.helpers import (
    BATCH_TYPE,
    CALLS,
    ERROR_TYPE,
    OCTETS,
    ROOT,
    call_url,
    content_url,
    create_statements,
    recording_url,
    version_header,
)
from tests.factories import PhoneCallFactory

pytestmark = pytest.mark.django_db

CACHE_CONTROL = "no-cache, no-store, must-revalidate"


def post_encoded(client, url, raw: bytes, encoding: str, content_type="application/json", **extra):
    return client.generic(
        "POST", url, raw, content_type=content_type, HTTP_CONTENT_ENCODING=encoding, **extra
    )


def as_json(value) -> bytes:
    return json.dumps(value).encode()


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


# ----------------------------------------------------------------- compressed bodies


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # RFC 9110's deflate: the zlib format
        ("deflate", raw_deflate),  # what some clients send as deflate
        ("GZIP", gzip.compress),
    ],
)
def test_a_compressed_create_is_decoded(admin_api, encoding, compress):
    body = {"InteractionId": 1, "PhoneNumber": "+14155550100"}
    response = post_encoded(admin_api, CALLS, compress(as_json(body)), encoding)
    assert response.status_code == 201, response.content
    assert PhoneCall.objects.get().phone_number == "+14155550100"


def test_a_gzip_body_of_several_members_is_read_whole(admin_api):
    text = as_json({"InteractionId": 1, "PhoneNumber": "+1"})
    raw = gzip.compress(text[:10]) + gzip.compress(text[10:])
    assert post_encoded(admin_api, CALLS, raw, "gzip").status_code == 201


def test_a_compressed_batch_and_patch_are_decoded(admin_api):
    call = PhoneCallFactory()
    batch = {"parts": [{"id": "p", "path": f"/phoneCalls/{call.id}", "operation": "get"}]}
    response = post_encoded(admin_api, ROOT, gzip.compress(as_json(batch)), "gzip", BATCH_TYPE)
    assert response.status_code == 200
    patched = admin_api.generic(
        "PATCH",
        call_url(call.id),
        gzip.compress(as_json({"PhoneNumber": "+2"})),
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert patched.status_code == 200
    assert patched.json()["PhoneNumber"] == "+2"


def test_a_zip_bomb_is_a_413_after_the_limit_not_a_workers_memory(admin_api4, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000  # CALLBOOK_MAX_REQUEST_BYTES
    # 50 MB of spaces inside a JSON string, about 50 KB compressed.
    bomb = gzip.compress(b'{"PhoneNumber": "' + b" " * 50_000_000 + b'"}')
    assert len(bomb) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = post_encoded(admin_api4, CALLS, bomb, "gzip")
    assert response.status_code == 413
    assert response["Content-Type"].startswith(ERROR_TYPE)
    assert "larger than 100000 bytes" in response.json()["o:errorDetails"][0]["detail"]
    assert not PhoneCall.objects.exists()


def test_a_compressed_body_within_the_limit_after_decoding_passes(admin_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = as_json({"InteractionId": 1, "CallDetailsURL": "x" * 900})
    assert len(body) < 1000
    assert post_encoded(admin_api, CALLS, gzip.compress(body), "gzip").status_code == 201


@pytest.mark.parametrize(
    "raw",
    [b"not gzip at all", gzip.compress(as_json({"InteractionId": 1}))[:-12]],
    ids=["garbage", "truncated"],
)
def test_a_body_that_is_not_what_its_encoding_says_is_a_400(admin_api4, raw):
    response = post_encoded(admin_api4, CALLS, raw, "gzip")
    assert response.status_code == 400
    assert response["Content-Type"].startswith(ERROR_TYPE)
    assert not PhoneCall.objects.exists()


@pytest.mark.parametrize("encoding", ["br", "gzip, gzip", "compress"])
def test_an_encoding_the_api_cannot_read_is_a_415(admin_api4, encoding):
    response = post_encoded(admin_api4, CALLS, b"{}", encoding)
    assert response.status_code == 415
    assert response.json()["o:errorDetails"][0]["o:errorCode"] == "unsupported_content_encoding"


def test_identity_is_no_encoding(admin_api):
    response = post_encoded(admin_api, CALLS, as_json({"InteractionId": 1}), "identity")
    assert response.status_code == 201


def test_a_gzip_recording_is_stored_decoded(admin_api):
    call = PhoneCallFactory()
    audio = b"RIFF" + bytes(range(256)) * 100
    response = admin_api.generic(
        "PUT",
        recording_url(call.id),
        gzip.compress(audio),
        content_type=OCTETS,
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert response.status_code == 204
    call.refresh_from_db()
    with call.recording.open("rb") as stored:
        assert stored.read() == audio


def test_a_gzip_recording_bomb_is_a_413_and_stores_nothing(admin_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    call = PhoneCallFactory()
    response = admin_api.generic(
        "PUT",
        recording_url(call.id),
        gzip.compress(b"\0" * 5_000_000),
        content_type=OCTETS,
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert response.status_code == 413
    assert PhoneCall.objects.get(pk=call.pk).recording.name == ""


def test_a_gzip_message_content_is_stored_decoded(admin_api):
    call = PhoneCallFactory(messages=1)
    message = call.messages.get()
    response = admin_api.generic(
        "PUT",
        content_url(call.id, message.id),
        gzip.compress("Grüße".encode()),
        content_type=OCTETS,
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert response.status_code == 204
    message.refresh_from_db()
    assert message.message_content == "Grüße"


@pytest.mark.parametrize("calls", [1, 50])
def test_a_compressed_create_costs_what_a_create_costs(admin_api, django_assert_num_queries, calls):
    PhoneCallFactory.create_batch(calls)
    raw = gzip.compress(as_json({"InteractionId": 1}))
    # 1. SAVEPOINT  2. INSERT the call  3. INSERT its history row  4. RELEASE SAVEPOINT
    # (2 and 3 in one statement on PostgreSQL)
    with django_assert_num_queries(create_statements(messages=False)):
        assert post_encoded(admin_api, CALLS, raw, "gzip").status_code == 201


# -------------------------------------------------------------------- Cache-Control


def test_an_item_and_a_collection_carry_exactly_oracles_cache_control(admin_api):
    call = PhoneCallFactory()
    for response in (admin_api.get(call_url(call.id)), admin_api.get(CALLS)):
        assert response.status_code == 200
        assert response["Cache-Control"] == CACHE_CONTROL
        assert "Expires" not in response


def test_errors_401s_and_unrouted_paths_carry_it_too(admin_api):
    anonymous = APIClient()
    answers = [
        anonymous.get(CALLS),  # 401
        admin_api.get(call_url(PhoneCallFactory().id + 100)),  # 404 of a view
        admin_api.get(f"{CALLS}/1/nothing"),  # 404 of no route
        admin_api.put(call_url(1), {}, format="json"),  # 405
        admin_api.post(CALLS, b"x", content_type="text/csv"),  # 415
    ]
    assert [r.status_code for r in answers] == [401, 404, 404, 405, 415]
    assert {r["Cache-Control"] for r in answers} == {CACHE_CONTROL}


def test_an_enclosure_carries_it(admin_api):
    call = PhoneCallFactory(messages=1)
    message = call.messages.get()
    response = admin_api.get(content_url(call.id, message.id))
    assert response.status_code == 200
    assert response["Cache-Control"] == CACHE_CONTROL


def test_staff_pages_keep_their_own_cache_control(client, superuser):
    client.force_login(superuser)
    response = client.get("/")
    assert response["Cache-Control"] != CACHE_CONTROL
    assert "no-store" in response["Cache-Control"]


# ---------------------------------------------------------------- unrouted paths


@pytest.mark.parametrize(
    "path",
    [
        f"{CALLS}/1/nothing",
        f"{CALLS}/1/child/Nope",
        f"{CALLS}/1/child/TranscriptMessage/2/enclosure/Nope",
        f"{ROOT}/contacts",
        "/crmRestApi/resources/11.12.1.0/phoneCalls",
        "/crmRestApi/elsewhere",
        "/crmRestApi",
    ],
)
def test_a_path_no_route_matches_is_oracles_404_in_the_versions_format(admin_api, path):
    plain = admin_api.get(path)
    assert plain.status_code == 404
    assert plain["Content-Type"] == "text/plain; charset=utf-8"
    assert b"<" not in plain.content
    assert plain["REST-Framework-Version"] == "1"
    as_json_error = admin_api.post(path, {}, format="json", **version_header(4))
    assert as_json_error.status_code == 404
    assert as_json_error["Content-Type"] == f"{ERROR_TYPE}; charset=utf-8"
    assert as_json_error.json()["title"] == "Not Found"
    assert as_json_error["REST-Framework-Version"] == "4"


def test_a_post_to_an_unrouted_path_is_a_404_not_djangos_csrf_page(superuser):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(superuser)  # a session cookie, and no CSRF token
    response = client.post(f"{CALLS}/1/nothing", {}, format="json", **version_header(4))
    assert response.status_code == 404
    assert response["Content-Type"] == f"{ERROR_TYPE}; charset=utf-8"


def test_an_unrouted_path_with_an_unknown_version_is_a_404_in_the_default_format(admin_api):
    response = admin_api.get(f"{CALLS}/1/nothing", **{"HTTP_REST_FRAMEWORK_VERSION": "99"})
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_an_unrouted_path_runs_no_query(admin_api, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert admin_api.get(f"{CALLS}/1/nothing").status_code == 404
