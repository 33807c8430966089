"""System checks of the webhooks' configuration (``manage.py check``)."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def check_task_backend(**kwargs: Any) -> list[checks.CheckMessage]:
    """The outbox row is written through the task backend inside the write's transaction:
    only a database backend makes that row part of the transaction."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend != "django_tasks_db.DatabaseBackend":
        return [
            checks.Error(
                f"TASKS['default'] is {backend!r}; the webhooks need "
                "'django_tasks_db.DatabaseBackend' (their outbox is its table).",
                id="callbook.E101",
            )
        ]
    return []
