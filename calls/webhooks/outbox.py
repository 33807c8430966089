"""The write path's side of the webhooks: one outbox row per write, in its transaction.

The outbox is the task queue's own table: ``record`` enqueues the fan-out task through the
database backend of django-tasks, on the write's connection and inside its transaction, so
the row commits with the change or rolls back with it, and the worker only ever sees
committed rows. That is one INSERT per write, whatever the number of messages or event
types, and none at all when no enabled endpoint listens to any of the write's event types
(``subscriptions`` answers from memory).
"""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from .subscriptions import subscribed_types


def record(types: Sequence[str], calls: Iterable[tuple[int, str]], at: datetime) -> None:
    """Note that ``types`` happened to ``calls`` (``(id, number)`` pairs) at ``at``."""
    wanted = subscribed_types()
    heard = [name for name in types if name in wanted]
    pairs: list[list[int | str]] = [[i, n] for i, n in calls] if heard else []
    if not pairs:
        return
    from .tasks import dispatch  # the task module imports the rendering; keep it off import

    dispatch.enqueue(
        outbox_id=uuid.uuid4().hex,  # names the write's events, also if the fan-out runs again
        types=heard,
        calls=pairs,
        at=at.isoformat(),
    )


def record_call(types: Sequence[str], call_id: int, call_number: str, at: datetime) -> None:
    record(types, [(call_id, call_number)], at)
