"""The worker's side: turn an outbox row into messages, and make one attempt of a message.

Retries follow the Standard Webhooks specification's example schedule (immediately, then
5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h: about three days), each delay with up
to 10 % of random jitter; a receiver's ``Retry-After`` (429, 503) can lengthen a delay. A
2xx is success; a 410 disables the endpoint at once; an endpoint whose attempts have failed
for five days without a success in between is disabled, and the admin shows why.
"""

import random
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from calls.models import PhoneCall, TranscriptMessage
from calls.oracle.webhook_payloads import event_body, needs_messages

from . import sender
from .endpoints import endpoint_disable, secrets_in_use
from .events import CALL_DELETED
from .models import WebhookAttempt, WebhookEndpoint, WebhookEvent, WebhookMessage
from .signing import SecretUnreadable, signature_headers

# Seconds after each failed attempt before the next (the first attempt is immediate).
RETRY_DELAYS: Sequence[float] = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
JITTER = 0.1
LONGEST_RETRY_AFTER = 86400
DISABLE_AFTER = timedelta(days=5)
# A worker's hold on a message while it sends it: longer than the whole HTTP exchange.
LEASE = timedelta(seconds=sender.TOTAL_TIMEOUT + 45)
Pending = WebhookMessage.Status.PENDING

_EVENTS = uuid.UUID("5b0c3a52-6f0e-4d59-9a43-1c8a3b0f2e61")  # the namespace of event ids


def fan_out(
    outbox_id: str, types: Sequence[str], calls: Sequence[tuple[int, str]], at: datetime
) -> int:
    """Make the events of one write and a message per listening endpoint; enqueue them.

    Idempotent: the event ids derive from the outbox id, so a second run (a worker that
    died after committing) adds nothing and sends nothing twice. Returns the messages made.
    """
    from .tasks import deliver

    endpoints = list(WebhookEndpoint.objects.filter(enabled=True))
    listeners = {name: [e for e in endpoints if name in e.event_types] for name in types}
    if not any(listeners.values()):
        return 0
    found: dict[int, PhoneCall] = {}
    if any(listeners[name] and name != CALL_DELETED for name in types):
        queryset = PhoneCall.objects.filter(id__in=[call_id for call_id, _ in calls])
        if any(listeners[name] and needs_messages(name) for name in types):
            queryset = queryset.prefetch_related(
                Prefetch("messages", queryset=TranscriptMessage.objects.order_by("id"))
            )
        found = {call.id: call for call in queryset}
    now = timezone.now()
    events: list[WebhookEvent] = []
    messages: list[WebhookMessage] = []
    for call_id, number in calls:
        call = found.get(call_id)
        for name in types:
            if not listeners[name]:
                continue
            event = WebhookEvent(
                id=uuid.uuid5(_EVENTS, f"{outbox_id}:{name}:{call_id}"),
                type=name,
                call_id=call_id,
                call_number=number,
                occurred_at=at,
                payload=event_body(
                    name,
                    call_id=call_id,
                    call_number=number,
                    occurred_at=at,
                    call=call,
                    messages=call.messages.all() if call is not None else None,
                ),
            )
            events.append(event)
            messages += [
                WebhookMessage(event=event, endpoint=e, next_attempt_at=now, ticket=1)
                for e in listeners[name]
            ]
    with transaction.atomic():
        WebhookEvent.objects.bulk_create(events, ignore_conflicts=True)
        WebhookMessage.objects.bulk_create(messages, ignore_conflicts=True)
        made = list(
            WebhookMessage.objects.filter(
                event_id__in=[e.id for e in events], status=Pending, attempts=0
            ).values_list("id", "ticket")
        )
        for message_id, ticket in made:
            deliver.enqueue(message_id=message_id, ticket=ticket)
    return len(made)


def _claim(message_id: int, ticket: int, now: datetime) -> bool:
    """Take the message for this attempt: one UPDATE that only one worker can win."""
    return bool(
        WebhookMessage.objects.filter(pk=message_id, status=Pending, ticket=ticket)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + LEASE)
    )


def next_delay(attempts: int, retry_after: int | None = None) -> float | None:
    """Seconds until the next attempt after ``attempts`` failed ones; None: no more."""
    if attempts > len(RETRY_DELAYS):
        return None
    delay = RETRY_DELAYS[attempts - 1] * (1 + random.uniform(0, JITTER))  # noqa: S311
    if retry_after is not None:
        delay = max(delay, min(retry_after, LONGEST_RETRY_AFTER))
    return delay


def attempt(message_id: int, ticket: int) -> str:
    """One attempt of one message, if it is still this ticket's to make. Returns what
    happened (the task's result in the queue's table)."""
    now = timezone.now()
    if not _claim(message_id, ticket, now):
        return "skipped"
    message = WebhookMessage.objects.select_related("event", "endpoint").get(pk=message_id)
    endpoint, event = message.endpoint, message.event
    if not endpoint.enabled:
        answer = sender.Answer(None, "", 0, "the endpoint is disabled")
    else:
        try:
            headers = signature_headers(
                message_id=event.message_id,
                at=now,
                body=event.payload,
                secrets_in_use=secrets_in_use(endpoint, now),
            )
        except SecretUnreadable as error:
            answer = sender.Answer(None, "", 0, str(error))
        else:
            answer = sender.post(endpoint.url, event.payload.encode("utf-8"), headers)
    return _record(message, endpoint, answer, now)


def _record(
    message: WebhookMessage, endpoint: WebhookEndpoint, answer: sender.Answer, at: datetime
) -> str:
    from .tasks import deliver

    finished = timezone.now()
    outcome: str
    with transaction.atomic():
        WebhookAttempt.objects.create(
            message=message,
            attempted_at=at,
            status_code=answer.status,
            latency_ms=answer.latency_ms,
            response_body=answer.body,
            error=answer.error,
            succeeded=answer.succeeded,
        )
        message.attempts += 1
        message.last_attempt_at = at
        message.claimed_until = None
        if answer.succeeded:
            outcome = message.status = WebhookMessage.Status.SUCCEEDED
            message.next_attempt_at = None
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
                failing_since=None
            )
        elif answer.status == 410:
            outcome = message.status = WebhookMessage.Status.FAILED
            message.next_attempt_at = None
            endpoint_disable(
                endpoint, f"The receiver answered 410 Gone on {at:%Y-%m-%d %H:%M} UTC."
            )
        else:
            delay = next_delay(message.attempts, answer.retry_after) if endpoint.enabled else None
            if delay is None:
                outcome = message.status = WebhookMessage.Status.FAILED
                message.next_attempt_at = None
            else:
                outcome = "retry"
                message.ticket += 1
                message.next_attempt_at = finished + timedelta(seconds=delay)
                deliver.using(run_after=message.next_attempt_at).enqueue(
                    message_id=message.pk, ticket=message.ticket
                )
            if endpoint.enabled:
                _note_failure(endpoint, at)
        message.save(
            update_fields=[
                "attempts",
                "last_attempt_at",
                "claimed_until",
                "status",
                "next_attempt_at",
                "ticket",
            ]
        )
    return str(outcome)


def _note_failure(endpoint: WebhookEndpoint, at: datetime) -> None:
    """Start the endpoint's failing period, or disable it when that has lasted five days."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=at
    )
    since = WebhookEndpoint.objects.filter(pk=endpoint.pk).values_list("failing_since", flat=True)
    started = since.first()
    if started is not None and at - started >= DISABLE_AFTER:
        endpoint_disable(
            endpoint,
            f"Every attempt failed since {started:%Y-%m-%d %H:%M} UTC (five days).",
        )


def replay(messages: Sequence[WebhookMessage]) -> int:
    """Send these messages again, now, with a fresh retry schedule (same ``webhook-id``)."""
    from .tasks import deliver

    now = timezone.now()
    count = 0
    with transaction.atomic():
        for message in messages:
            message.status = Pending
            message.attempts = 0
            message.ticket += 1
            message.next_attempt_at = now
            message.save(update_fields=["status", "attempts", "ticket", "next_attempt_at"])
            deliver.enqueue(message_id=message.pk, ticket=message.ticket)
            count += 1
    return count


def replay_failed(endpoint: WebhookEndpoint, since: datetime) -> int:
    """Replay every failed message of ``endpoint`` made at or after ``since``."""
    failed = WebhookMessage.objects.filter(
        endpoint=endpoint, status=WebhookMessage.Status.FAILED, created_at__gte=since
    ).order_by("created_at", "id")
    return replay(list(failed))


def recover(older_than: timedelta = timedelta(minutes=10)) -> int:
    """Enqueue again the pending messages whose attempt is overdue by ``older_than``: their
    task was lost with a worker killed mid-attempt (SIGKILL; SIGTERM lets it finish)."""
    from .tasks import deliver

    now = timezone.now()
    overdue = WebhookMessage.objects.filter(
        status=Pending, next_attempt_at__lt=now - older_than
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    count = 0
    for message_id, ticket in overdue.values_list("id", "ticket"):
        deliver.enqueue(message_id=message_id, ticket=ticket)
        count += 1
    return count
