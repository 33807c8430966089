"""The webhook tasks on Django's task framework (django-tasks, database backend).

``dispatch`` is the outbox row of one write (``outbox.record`` enqueues it inside the
write's transaction); ``deliver`` is one attempt of one message. ``manage.py db_worker``
runs them; several workers on several hosts share the queue, each task claimed by one.
"""

from datetime import datetime

from django_tasks import task

from . import delivery


@task()
def dispatch(outbox_id: str, types: list[str], calls: list[list[int | str]], at: str) -> int:
    pairs = [(int(call_id), str(number)) for call_id, number in calls]
    return delivery.fan_out(outbox_id, types, pairs, datetime.fromisoformat(at))


@task()
def deliver(message_id: int, ticket: int) -> str:
    return delivery.attempt(message_id, ticket)
