"""``Idempotency-Key`` on POST and PATCH: one answer per user and key for 24 hours."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest
import requests
from django.utils import timezone

from calls.idempotency import IdempotencyRecord, prune
from calls.models import PhoneCall, TranscriptMessage
from tests.api.helpers import (
    BATCH_TYPE,
    CALLS,
    ERROR_TYPE,
    ROOT,
    b64,
    call_url,
    client_for,
    messages_url,
)
from tests.factories import PASSWORD, PhoneCallFactory, UserFactory

pytestmark = pytest.mark.django_db

BODY = {"InteractionId": 7, "PhoneNumber": "+14155550100"}


def _post(client, body=BODY, key="key-1", path=CALLS, **headers):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **headers)


def test_a_retried_create_answers_the_first_answer_and_creates_nothing(admin_api4):
    first = _post(admin_api4)
    assert first.status_code == 201
    again = _post(admin_api4)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert again.content == first.content
    assert (again["Location"], again["ETag"]) == (first["Location"], first["ETag"])
    assert again["REST-Framework-Version"] == "4"
    assert PhoneCall.objects.count() == 1


def test_a_replay_costs_the_lookup_only(admin_api4, django_assert_num_queries):
    _post(admin_api4)
    with django_assert_num_queries(5):
        # savepoint, the INSERT that finds the key taken, rollback to and release it; the
        # kept answer. No call is read or written.
        _post(admin_api4)


def test_without_a_key_a_retry_creates_again(admin_api4):
    admin_api4.post(CALLS, BODY, format="json")
    admin_api4.post(CALLS, BODY, format="json")
    assert PhoneCall.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_same_key_with_another_body_is_a_422_in_the_versions_format(admin_api4, admin_api):
    _post(admin_api4)
    response = _post(admin_api4, {**BODY, "PhoneNumber": "+14155550199"})
    assert response.status_code == 422
    assert response["Content-Type"].startswith(ERROR_TYPE)
    assert response.json()["o:errorDetails"][0]["o:errorCode"] == "idempotency_key_reused"
    v1 = _post(admin_api, {**BODY, "PhoneNumber": "+14155550199"})
    assert v1.status_code == 422 and v1["Content-Type"].startswith("text/plain")
    assert PhoneCall.objects.count() == 1


def test_the_same_key_on_another_path_or_with_upsert_is_another_request(admin_api4):
    _post(admin_api4)
    assert _post(admin_api4, HTTP_UPSERT_MODE="true").status_code == 422


def test_keys_are_per_user(admin_api4, api_user):
    _post(admin_api4)
    other = client_for(UserFactory(username="other", is_superuser=True), 4)
    assert _post(other).status_code == 201
    assert PhoneCall.objects.count() == 2


def test_a_retry_while_the_first_runs_is_a_409(admin_api4):
    first = _post(admin_api4)
    IdempotencyRecord.objects.update(status=None)  # as while the first is still running
    running = _post(admin_api4)
    assert running.status_code == 409
    assert running["Retry-After"] == "1"
    assert running.json()["o:errorDetails"][0]["o:errorCode"] == "idempotency_key_in_use"
    assert first.status_code == 201


def test_a_request_abandoned_by_a_dead_process_can_be_retried(admin_api4):
    _post(admin_api4)
    PhoneCall.objects.all().delete()  # its write was rolled back with the process
    IdempotencyRecord.objects.update(status=None, started_at=timezone.now() - timedelta(minutes=6))
    assert _post(admin_api4).status_code == 201
    assert PhoneCall.objects.count() == 1


def test_an_answer_is_kept_24_hours(admin_api4):
    _post(admin_api4)
    IdempotencyRecord.objects.update(started_at=timezone.now() - timedelta(hours=24, seconds=1))
    assert "Idempotent-Replayed" not in _post(admin_api4)
    assert PhoneCall.objects.count() == 2
    IdempotencyRecord.objects.update(started_at=timezone.now() - timedelta(hours=25))
    assert prune(timezone.now()) == 1


def test_an_error_answer_is_kept_and_a_5xx_is_not(admin_api4, monkeypatch):
    bad = _post(admin_api4, {"InteractionId": "x"}, key="bad")
    assert bad.status_code == 400
    assert _post(admin_api4, {"InteractionId": "x"}, key="bad")["Idempotent-Replayed"] == "true"

    from calls import services

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "phone_call_create", broken)
    assert _post(admin_api4, key="boom").status_code == 500
    assert not IdempotencyRecord.objects.filter(key="boom").exists()
    monkeypatch.undo()
    assert _post(admin_api4, key="boom").status_code == 201


def test_every_post_and_patch_honours_the_key(admin_api4):
    call = PhoneCallFactory()
    for _ in range(2):
        assert _post(admin_api4, {"RoleCd": "AGENT"}, "m", messages_url(call.pk)).status_code == 201
    assert TranscriptMessage.objects.filter(call=call).count() == 1
    for _ in range(2):
        patched = admin_api4.patch(
            call_url(call.pk),
            {"TranscriptMessage": [{"RoleCd": "AGENT", "MessageContent": b64("x")}]},
            format="json",
            HTTP_IDEMPOTENCY_KEY="p",
        )
        assert patched.status_code == 200
    assert TranscriptMessage.objects.filter(call=call).count() == 2
    batch = json.dumps(
        {"parts": [{"id": "1", "path": "/phoneCalls", "operation": "create", "payload": BODY}]}
    )
    for _ in range(2):
        response = admin_api4.post(ROOT, batch, content_type=BATCH_TYPE, HTTP_IDEMPOTENCY_KEY="b")
        assert response.status_code == 200
    assert PhoneCall.objects.count() == 2


def test_a_rolled_back_write_keeps_no_answer_of_success(admin_api4):
    PhoneCallFactory(call_number="TAKEN")
    response = _post(admin_api4, {**BODY, "CallNumber": "TAKEN"}, key="dup")
    assert response.status_code == 400
    assert IdempotencyRecord.objects.get(key="dup").status == 400


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "caf\u00e9", "a\tb"])
def test_bad_keys_are_a_400(admin_api4, key):
    assert _post(admin_api4, key=key).status_code == 400
    assert not PhoneCall.objects.exists()


def test_a_quoted_key_is_the_same_key(admin_api4):
    _post(admin_api4, key='"abc"')
    assert _post(admin_api4, key="abc")["Idempotent-Replayed"] == "true"


def test_gets_ignore_the_key(admin_api4):
    call = PhoneCallFactory()
    response = admin_api4.get(call_url(call.pk), HTTP_IDEMPOTENCY_KEY="g")
    assert response.status_code == 200
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_identical_posts_at_once_make_one_call_and_one_answer(live_server):
    user = UserFactory(username="racer", is_superuser=True)
    clients = 8
    barrier = Barrier(clients)

    def post(n):
        session = requests.Session()
        session.auth = (user.username, PASSWORD)
        session.get(live_server.url + CALLS, timeout=30)
        barrier.wait(timeout=30)
        return session.post(
            live_server.url + CALLS,
            json={**BODY, "TranscriptMessage": [{"RoleCd": "AGENT"}] * 20},
            headers={"Idempotency-Key": "race", "REST-Framework-Version": "4"},
            timeout=60,
        )

    with ThreadPoolExecutor(clients) as pool:
        responses = list(pool.map(post, range(clients)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, [r.text[:200] for r in responses]
    assert PhoneCall.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    created = [r for r in responses if r.status_code == 201]
    assert len({r.json()["CallId"] for r in created}) == 1
    session = requests.Session()
    session.auth = (user.username, PASSWORD)
    retry = session.post(
        live_server.url + CALLS,
        json={**BODY, "TranscriptMessage": [{"RoleCd": "AGENT"}] * 20},
        headers={"Idempotency-Key": "race", "REST-Framework-Version": "4"},
        timeout=60,
    )
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["CallId"] == PhoneCall.objects.get().pk
