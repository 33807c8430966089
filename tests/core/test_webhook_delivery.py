"""Webhooks end to end: API writes, the outbox, the worker, a real receiver on 127.0.0.1.

Signatures are checked with the reference library (``standardwebhooks``); the worker is
django-tasks-db's own, run in-process in batch mode (``tests.webhooks.run_worker``).
"""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook

from calls.models import PhoneCall, WebhookAttempt, WebhookEndpoint, WebhookMessage
from calls.webhooks import delivery, sender
from calls.webhooks.endpoints import endpoint_create, endpoint_rotate_secret
from tests.api.helpers import (
    BATCH_TYPE,
    CALLS,
    ROOT,
    b64,
    call_url,
    client_for,
    create_statements,
    messages_url,
)
from tests.factories import UserFactory, wav_bytes
from tests.webhooks import Receiver, run_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _allow_private(settings):
    settings.CALLBOOK_WEBHOOKS_ALLOW_PRIVATE = True
    settings.CALLBOOK_PUBLIC_URL = "https://callbook.example.com"


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def api():
    return client_for(UserFactory(username="cti", is_superuser=True), 4)


def _subscribe(receiver, *types):
    return endpoint_create(url=receiver.url, event_types=list(types) or ["call.created"])


def _create(api, **values):
    body = {"InteractionId": 1, "PhoneNumber": "+14155550100", **values}
    response = api.post(CALLS, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _verified(receiver, secret):
    return [Webhook(secret).verify(got.body, got.headers) for got in receiver.received]


def test_a_call_deleted_before_its_event_is_sent_is_named_by_id_and_number(api, receiver):
    _, secret = _subscribe(receiver, "call.created")
    created = _create(api)
    PhoneCall.objects.all().delete()
    run_worker()
    (payload,) = _verified(receiver, secret)
    assert payload["data"] == {"CallId": created["CallId"], "CallNumber": created["CallNumber"]}


def test_a_created_call_reaches_the_receiver_signed_as_the_v4_item(api, receiver):
    _, secret = _subscribe(receiver, "call.created")
    created = _create(api, TranscriptMessage=[{"RoleCd": "AGENT", "MessageContent": b64("Hi")}])
    run_worker()
    (got,) = receiver.received
    assert got.headers["webhook-id"].startswith("msg_")
    assert got.headers["content-type"] == "application/json"
    payload = Webhook(secret).verify(got.body, got.headers)
    assert payload["type"] == "call.created"
    assert payload["timestamp"] == created["CreationDate"]
    item = api.get(call_url(created["CallId"]), {"expand": "TranscriptMessage"}).json()
    host = "https://callbook.example.com"
    assert payload["data"] == _rehost(item, "http://testserver", host)
    assert payload["data"]["TranscriptMessage"]["count"] == 1  # a v4 child collection


def _rehost(value, old, new):
    if isinstance(value, dict):
        return {k: _rehost(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_rehost(v, old, new) for v in value]
    return value.replace(old, new) if isinstance(value, str) else value


def test_each_write_makes_the_events_it_is_about_and_one_per_write(api, receiver):
    _, secret = _subscribe(
        receiver,
        "call.created",
        "call.updated",
        "call.deleted",
        "transcript.updated",
        "recording.stored",
        "recording.removed",
    )
    created = _create(api, TranscriptMessage=[{"RoleCd": "AGENT"}, {"RoleCd": "CUSTOMER"}])
    call_id = created["CallId"]
    run_worker()  # after each write: a payload renders the call as it is when it is sent
    api.patch(call_url(call_id), {"LeftMessageFlag": True}, format="json")
    run_worker()
    api.patch(call_url(call_id), {"TranscriptMessage": [{"RoleCd": "AGENT"}] * 3}, format="json")
    run_worker()
    api.post(messages_url(call_id), {"RoleCd": "AGENT"}, format="json")
    run_worker()
    api.put(
        call_url(call_id) + "/enclosure/CallRecording",
        wav_bytes(0.1),
        content_type="application/octet-stream",
    )
    run_worker()
    api.delete(call_url(call_id) + "/enclosure/CallRecording")
    run_worker()
    api.delete(call_url(call_id))
    run_worker()
    payloads = _verified(receiver, secret)
    assert [p["type"] for p in payloads] == [
        "call.created",
        "call.updated",
        "transcript.updated",
        "transcript.updated",
        "recording.stored",
        "recording.removed",
        "call.deleted",
    ]
    assert payloads[-1]["data"] == {"CallId": call_id, "CallNumber": created["CallNumber"]}
    # A transcript.updated of three new messages is one event carrying the transcript.
    assert payloads[2]["data"]["TranscriptMessage"]["count"] == 5
    assert payloads[1]["data"]["LeftMessageFlag"] is True
    assert any(link["rel"] == "enclosure" for link in payloads[4]["data"]["links"])
    assert len({got.headers["webhook-id"] for got in receiver.received}) == 7


def test_a_rolled_back_write_sends_nothing(api, receiver):
    _subscribe(receiver, "call.created")
    batch = {
        "parts": [
            {
                "id": "1",
                "path": "/phoneCalls",
                "operation": "create",
                "payload": {"InteractionId": 1},
            },
            {"id": "2", "path": "/phoneCalls", "operation": "create", "payload": {"Nope": 1}},
        ]
    }
    response = api.post(ROOT, json.dumps(batch), content_type=BATCH_TYPE)
    assert response.status_code == 400
    assert not PhoneCall.objects.exists()
    assert not DBTaskResult.objects.exists()  # the outbox row went with the rollback
    run_worker()
    assert receiver.received == []


def test_no_outbox_row_without_an_endpoint_and_one_insert_with_one(
    api, receiver, django_assert_num_queries
):
    _create(api)  # warm the process (permissions, prepared statements)
    with django_assert_num_queries(create_statements(messages=False)):
        # BEGIN, call INSERT, history INSERT, COMMIT: the subscription list is in memory
        _create(api)
    assert not DBTaskResult.objects.exists()
    _subscribe(receiver, "call.created")
    _create(api)  # reads the changed subscription list once
    with django_assert_num_queries(create_statements(messages=False) + 1):
        # BEGIN, call INSERT, history INSERT, the outbox INSERT, COMMIT
        _create(api)
    assert DBTaskResult.objects.count() == 2


def test_an_endpoint_not_subscribed_to_the_type_gets_nothing(api, receiver):
    _subscribe(receiver, "call.deleted")
    _create(api)
    assert not DBTaskResult.objects.exists()
    run_worker()
    assert receiver.received == []


def test_a_receiver_down_for_a_while_gets_every_event_after_it_comes_back(
    api, receiver, monkeypatch
):
    monkeypatch.setattr(delivery, "RETRY_DELAYS", (0.3, 0.3, 0.3))
    _, secret = _subscribe(receiver, "call.created")
    receiver.stop()
    numbers = [_create(api)["CallNumber"] for _ in range(3)]
    run_worker()  # every first attempt fails: connection refused
    assert WebhookAttempt.objects.filter(succeeded=False).count() == 3
    assert set(WebhookMessage.objects.values_list("status", flat=True)) == {"pending"}
    receiver.start()  # the same port again
    time.sleep(0.4)
    run_worker()
    assert sorted(p["data"]["CallNumber"] for p in _verified(receiver, secret)) == sorted(numbers)
    assert set(WebhookMessage.objects.values_list("status", flat=True)) == {"succeeded"}
    assert WebhookEndpoint.objects.get().failing_since is None


def test_retries_end_and_the_message_fails(api, receiver, monkeypatch):
    monkeypatch.setattr(delivery, "RETRY_DELAYS", (0.1,))
    receiver.status = 500
    _subscribe(receiver, "call.created")
    _create(api)
    run_worker()
    time.sleep(0.2)
    run_worker()
    message = WebhookMessage.objects.get()
    assert (message.status, message.attempts) == ("failed", 2)
    assert len(receiver.received) == 2
    assert [a.status_code for a in message.log.all()] == [500, 500]


def test_two_workers_never_deliver_one_message_twice_at_once(api, receiver):
    from calls.webhooks.tasks import deliver

    receiver.delay = 0.05
    _subscribe(receiver, "call.created")
    for _ in range(8):
        _create(api)
    run_worker()  # the fan-outs: 8 messages, their first attempts also sent
    receiver.received.clear()
    delivery.replay(list(WebhookMessage.objects.all()))
    # A second delivery task of every message with the same ticket, as a recovery makes.
    for message in WebhookMessage.objects.all():
        deliver.enqueue(message_id=message.pk, ticket=message.ticket)
    workers = [threading.Thread(target=run_worker, args=(f"w{i}",)) for i in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    ids = [got.headers["webhook-id"] for got in receiver.received]
    assert len(ids) == 8 and len(set(ids)) == 8
    assert set(WebhookMessage.objects.values_list("status", flat=True)) == {"succeeded"}


def test_replay_sends_a_failed_message_again_with_the_same_id(api, receiver, monkeypatch):
    monkeypatch.setattr(delivery, "RETRY_DELAYS", ())
    receiver.status = 503
    _, secret = _subscribe(receiver, "call.created")
    _create(api)
    run_worker()
    message = WebhookMessage.objects.get()
    assert message.status == "failed"
    receiver.status = 200
    assert delivery.replay_failed(message.endpoint, timezone.now() - timedelta(hours=1)) == 1
    run_worker()
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    Webhook(secret).verify(second.body, second.headers)
    assert WebhookMessage.objects.get().status == "succeeded"


def test_replay_of_messages_made_before_the_time_leaves_them(api, receiver, monkeypatch):
    monkeypatch.setattr(delivery, "RETRY_DELAYS", ())
    receiver.status = 500
    _subscribe(receiver, "call.created")
    _create(api)
    run_worker()
    endpoint = WebhookEndpoint.objects.get()
    assert delivery.replay_failed(endpoint, timezone.now() + timedelta(seconds=1)) == 0


def test_410_disables_the_endpoint_at_once(api, receiver):
    receiver.status = 410
    _subscribe(receiver, "call.created")
    _create(api)
    run_worker()
    endpoint = WebhookEndpoint.objects.get()
    assert not endpoint.enabled
    assert "410" in endpoint.disabled_reason
    assert WebhookMessage.objects.get().status == "failed"
    _create(api)  # the subscription list forgot the disabled endpoint
    assert DBTaskResult.objects.filter(task_path__endswith="dispatch").count() == 1


def test_an_endpoint_failing_for_five_days_is_disabled(api, receiver, monkeypatch):
    monkeypatch.setattr(delivery, "RETRY_DELAYS", (60,))
    receiver.status = 500
    endpoint, _ = _subscribe(receiver, "call.created")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(days=5, minutes=1)
    )
    _create(api)
    run_worker()
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "five days" in endpoint.disabled_reason


def test_a_success_ends_the_failing_period(api, receiver):
    endpoint, _ = _subscribe(receiver, "call.created")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now())
    _create(api)
    run_worker()
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_a_disabled_endpoint_is_not_sent_to(api, receiver):
    endpoint, _ = _subscribe(receiver, "call.created")
    _create(api)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
    run_worker()
    assert receiver.received == []
    assert WebhookMessage.objects.count() == 0


def test_after_a_rotation_both_secrets_verify_until_the_overlap_ends(api, receiver, settings):
    endpoint, old = _subscribe(receiver, "call.created")
    new = endpoint_rotate_secret(endpoint)
    _create(api)
    run_worker()
    (got,) = receiver.received
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(got.body, got.headers)
    Webhook(new).verify(got.body, got.headers)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    _create(api)
    run_worker()
    latest = receiver.received[-1]
    assert len(latest.headers["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(latest.body, latest.headers)


def test_redirects_are_not_followed(api, receiver):
    receiver.status = 302
    _subscribe(receiver, "call.created")
    _create(api)
    run_worker()
    assert len(receiver.received) == 1
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.succeeded) == (302, False)


def test_only_the_first_2_kb_of_an_answer_are_kept(api, receiver):
    receiver.reply = b"x" * 10_000
    _subscribe(receiver, "call.created")
    _create(api)
    run_worker()
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, len(attempt.response_body)) == (200, 2048)
    assert attempt.latency_ms >= 0


def test_a_slow_receiver_times_out(api, receiver, monkeypatch):
    monkeypatch.setattr(sender, "TOTAL_TIMEOUT", 0.3)
    monkeypatch.setattr(delivery, "RETRY_DELAYS", ())
    receiver.delay = 1.0
    _subscribe(receiver, "call.created")
    _create(api)
    run_worker()
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "timed out" in attempt.error


def test_a_private_address_is_refused_at_delivery(api, receiver, settings, monkeypatch):
    monkeypatch.setattr(delivery, "RETRY_DELAYS", ())
    _subscribe(receiver, "call.created")
    settings.CALLBOOK_WEBHOOKS_ALLOW_PRIVATE = False  # as if DNS now named a private address
    _create(api)
    run_worker()
    assert receiver.received == []
    assert "refused" in WebhookAttempt.objects.get().error


def test_purges_are_events_too(receiver):
    from calls import services
    from tests.factories import PhoneCallFactory

    _, secret = _subscribe(receiver, "call.deleted")
    calls = PhoneCallFactory.create_batch(3, deleted_flag=True)
    services.purge_calls(PhoneCall.objects.filter(deleted_flag=True))
    assert DBTaskResult.objects.count() == 1  # one outbox row for the purge's batch
    run_worker()
    assert sorted(p["data"]["CallId"] for p in _verified(receiver, secret)) == sorted(
        c.pk for c in calls
    )


def test_recover_enqueues_a_message_whose_task_was_lost(api, receiver, monkeypatch):
    _subscribe(receiver, "call.created")
    receiver.stop()
    monkeypatch.setattr(delivery, "RETRY_DELAYS", (3600,))
    _create(api)
    run_worker()
    DBTaskResult.objects.filter(status="READY").delete()  # the retry's task is lost
    WebhookMessage.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=11))
    receiver.start()
    assert delivery.recover() == 1
    run_worker()
    assert len(receiver.received) == 1
