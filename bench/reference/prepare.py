"""``python -m bench.reference.prepare --calls N --messages M``: the reference's database.

Run by ``bench.run`` with ``DATABASE_URL`` naming the reference's own (freshly created)
database: Callbook's migrations make the same tables and indexes, then the same generated
data is loaded; prints the range of the loaded call ids as JSON.
"""

import argparse
import json
import os

import django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--messages", type=int, required=True)
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # Callbook's, for its migrations
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from calls.sql.scale_data import load

    call_command("migrate", verbosity=0)
    plan = load(connection, calls=args.calls, messages=args.messages, progress=False)
    print(json.dumps({"first": plan.first_call_id, "last": plan.first_call_id + args.calls - 1}))


if __name__ == "__main__":
    main()
