"""Put calls on legal hold, or lift it: ``legal_hold CALL_NUMBER… --reason TEXT`` / ``--release``.

A held call cannot be deleted (API, batch, admin), and retention (``purge_calls``) and
erasure (``subject_erase``) skip it. The hold notes who placed it (``--by``, default the
command's user name), when and why; the call's history shows each change.
"""

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from calls import services
from calls.models import PhoneCall


class Command(BaseCommand):
    help = "Place calls (by CallNumber) on legal hold with --reason, or lift it with --release."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("call_numbers", nargs="+", metavar="CALL_NUMBER")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--reason", help="Why the calls are held (a case, a request).")
        action.add_argument("--release", action="store_true", help="Lift the hold.")
        parser.add_argument("--by", default=None, help="Who places or lifts the hold.")

    def handle(self, *args: Any, **options: Any) -> None:
        numbers = options["call_numbers"]
        calls = PhoneCall.objects.filter(call_number__in=numbers)
        missing = sorted(set(numbers) - set(calls.values_list("call_number", flat=True)))
        if missing:
            raise CommandError(f"No call with CallNumber {', '.join(missing)}.")
        actor = services.Actor(username=(options["by"] or getpass.getuser())[:64])
        if options["release"]:
            changed = services.legal_hold_release(actor=actor, calls=calls)
            verb, unchanged = "Released", "were not on hold"
        else:
            reason = options["reason"].strip()
            if not reason:
                raise CommandError("--reason must not be empty.")
            changed = services.legal_hold_place(actor=actor, calls=calls, reason=reason)
            verb, unchanged = "Placed on legal hold", "were on hold already"
        self.stdout.write(f"{verb}: {', '.join(sorted(changed)) or 'none'}.")
        others = sorted(set(numbers) - set(changed))
        if others:
            self.stdout.write(f"Unchanged ({unchanged}): {', '.join(others)}.")
