"""Hostile input over HTTP answers 4xx in the error format, never a 500 (issue 11, point 6)."""

import json

import pytest

from calls import services
from calls.models import PhoneCall
from tests.api.helpers import BATCH_TYPE, CALLS, ERROR_TYPE, ROOT
from tests.factories import PhoneCallFactory, wav_bytes

pytestmark = pytest.mark.django_db


ARABIC_INDIC = str.maketrans(
    "0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
)


SPELLINGS = {
    "plus": lambda i: f"+{i}",
    "space": lambda i: f" {i}",
    "underscore": lambda i: f"0_{i}",
    "arabic-indic": lambda i: str(i).translate(ARABIC_INDIC),
}


@pytest.mark.parametrize("spell", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_an_id_that_is_not_plain_ascii_digits_is_a_404(admin_api4, spell):
    """int() reads "+7", " 7" and Arabic-Indic digits as 7: the call must not answer to them."""
    call = PhoneCallFactory()
    response = admin_api4.get(f"{CALLS}/{spell(call.id)}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith(ERROR_TYPE)


def test_a_range_header_with_thousands_of_digits_is_answered_not_a_500(admin_api4):
    call = PhoneCallFactory()
    audio = wav_bytes(0.1)
    services.phone_call_set_recording(actor=services.Actor("cti"), call=call, content=audio)
    url = f"{CALLS}/{call.id}/enclosure/CallRecording"
    huge = "9" * 5000
    start_past_the_end = admin_api4.get(url, HTTP_RANGE=f"bytes={huge}-")
    assert start_past_the_end.status_code == 416
    size = len(audio)
    end_past_the_end = admin_api4.get(url, HTTP_RANGE=f"bytes=0-{huge}")
    assert end_past_the_end.status_code == 206
    assert end_past_the_end["Content-Range"] == f"bytes 0-{size - 1}/{size}"
    suffix_longer_than_the_file = admin_api4.get(url, HTTP_RANGE=f"bytes=-{huge}")
    assert suffix_longer_than_the_file.status_code == 206
    assert len(b"".join(suffix_longer_than_the_file.streaming_content)) == size


def test_json_nested_a_hundred_thousand_deep_is_a_400(admin_api4):
    body = "[" * 100_000 + "]" * 100_000
    response = admin_api4.post(CALLS, body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith(ERROR_TYPE)


@pytest.mark.parametrize(
    "body",
    [
        '{"\\ud800": 1, "InteractionId": 1}',
        '{"InteractionId": 1, "PhoneNumber": "\\udfff"}',
    ],
    ids=["key", "value"],
)
def test_a_lone_surrogate_in_a_json_body_is_a_400(admin_api4, body):
    response = admin_api4.post(CALLS, body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith(ERROR_TYPE)
    assert not PhoneCall.objects.exists()


@pytest.mark.parametrize("key", ["id", "path", "operation"])
def test_a_lone_surrogate_in_a_batch_part_is_a_400_and_nothing_is_applied(admin_api4, key):
    part = {
        "id": "p1",
        "path": "/phoneCalls",
        "operation": "create",
        "payload": {"InteractionId": 1},
    }
    body = json.dumps({"parts": [{**part, key: "\ud800"}]})  # ensure_ascii writes it as \\ud800
    response = admin_api4.post(ROOT, body, content_type=BATCH_TYPE)
    assert response.status_code == 400
    assert not PhoneCall.objects.exists()


def test_a_valid_surrogate_pair_is_an_ordinary_character(admin_api4):
    body = '{"InteractionId": 1, "ExternalSystemCallId": "\\ud83d\\ude00"}'
    response = admin_api4.post(CALLS, body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["ExternalSystemCallId"] == "\U0001f600"


def test_a_refused_batch_part_echoes_its_lone_surrogate_as_a_replacement(admin_api4):
    part = {"id": "\ud800", "path": "/phoneCalls", "operation": "get"}
    response = admin_api4.post(ROOT, json.dumps({"parts": [part]}), content_type=BATCH_TYPE)
    assert response.status_code == 400
    (failure,) = response.json()["parts"]
    assert failure["id"] == "?"
    assert failure["payload"]["o:errorDetails"][0]["o:errorPath"] == "id"
