"""``manage.py load_scale_data --calls 1000000 --messages 10``: bulk test data for load tests.

Appends generated calls and messages after the existing rows with ``COPY`` on PostgreSQL
(large ``executemany`` batches on SQLite); see ``calls.sql.scale_data``. Never run it on real data:
the rows are made up and written without history.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections


class Command(BaseCommand):
    help = "Append generated calls and transcript messages (for benchmarks and load tests)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--calls", type=int, default=1000)
        parser.add_argument("--messages", type=int, default=10, help="messages per call")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--no-progress", action="store_true")

    def handle(
        self,
        *args: Any,
        calls: int,
        messages: int,
        database: str,
        no_progress: bool,
        **options: Any,
    ) -> None:
        from calls.sql.scale_data import load

        plan = load(connections[database], calls=calls, messages=messages, progress=not no_progress)
        self.stdout.write(
            f"Loaded {calls} calls (ids from {plan.first_call_id}) "
            f"with {calls * messages} messages."
        )
