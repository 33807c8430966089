"""Webhook endpoints, the events sent to them, and the delivery log.

The outbox itself is the task queue's table (django-tasks-db): ``calls.webhooks.outbox``
enqueues one task per write inside the write's transaction. The worker's first task turns it
into ``WebhookEvent`` rows (one per event type and call) and one ``WebhookMessage`` per
subscribed endpoint, whose ``WebhookAttempt`` rows are the delivery log the admin shows.
"""

import uuid

from django.db import models
from django.utils import timezone


class WebhookEndpoint(models.Model):
    """A receiver of signed webhooks (Standard Webhooks), subscribed to some event types.

    The signing secret (``whsec_…``) is kept encrypted (``calls.webhooks.signing``), never
    in plain text; after a rotation the previous one signs too until
    ``previous_secret_expires_at``. ``failing_since`` is the first failed attempt since the
    last success: five days of failures disable the endpoint, and so does a 410 at once.
    """

    url = models.URLField(max_length=1000)
    description = models.CharField(max_length=255, blank=True)
    event_types = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    secret = models.TextField(editable=False)
    previous_secret = models.TextField(blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=255, blank=True, default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class WebhookEvent(models.Model):
    """Something that happened to one call, with the exact JSON body every endpoint gets.

    The id is derived from the outbox task and the event (uuid5), so a fan-out that runs
    again after a crash makes the same events, not new ones; ``webhook-id`` is
    ``msg_`` and its hex, the same for every attempt and every endpoint.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=32)
    call_id = models.BigIntegerField()  # not a foreign key: a deleted call keeps its events
    call_number = models.CharField(max_length=30)
    occurred_at = models.DateTimeField()
    payload = models.TextField()

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            # The admin's "events of this call".
            models.Index(fields=["call_id"], name="webhook_event_call_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.call_number}"

    @property
    def message_id(self) -> str:
        return f"msg_{self.id.hex}"


class WebhookMessage(models.Model):
    """One event for one endpoint: pending until an attempt succeeds or the retries end.

    ``claimed_until`` is the lease of the worker sending it right now: a worker takes a
    message only with one atomic UPDATE that finds no live lease, so two workers (or a
    replay beside a pending retry) never send one message at the same time.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="messages")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="messages")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)  # since it was last (re)started
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Raised each time an attempt is scheduled (first, retry, replay): a delivery task holds
    # the ticket it was enqueued with, and one whose ticket is no longer current does nothing.
    ticket = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_message_once"),
        ]
        indexes = [
            # Replay "every failed message of this endpoint since …", and the admin's filter.
            models.Index(
                fields=["endpoint", "status", "created_at"], name="webhook_message_state_idx"
            ),
            # `webhooks recover`: pending messages whose attempt is overdue.
            models.Index(fields=["status", "next_attempt_at"], name="webhook_message_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a message: when, the answer's status, how long, what it said."""

    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_body = models.TextField(blank=True, default="")  # the first 2 kB
    error = models.CharField(max_length=255, blank=True, default="")
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        indexes = [
            # A message's log in the admin, newest first.
            models.Index(fields=["message", "attempted_at"], name="webhook_attempt_msg_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"
