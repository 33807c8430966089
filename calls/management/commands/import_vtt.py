"""``manage.py import_vtt CALL_NUMBER FILE``: a transcript's times from a WebVTT file.

Each cue's identifier is a ``MessageNumber`` of the call; its start and end become that
message's offsets (``calls.timing``), all in one transaction
(``services.transcript_times_set``); the words of the messages are left as they are.
Cues that name no message of the call are reported; a cue whose end is before its start,
or a file that is not WebVTT, is an error and nothing is written.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from calls import services
from calls.models import PhoneCall
from calls.transcript_vtt import InvalidVtt, import_times, report

# The most a file may weigh: 200,000 cues of a long transcript are a few tens of MB.
MAX_BYTES = 64 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Set the times of a call's messages from a WebVTT file (cue identifiers: MessageNumbers)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("call_number", help="the call's CallNumber")
        parser.add_argument("path", help="a WebVTT file")
        parser.add_argument("--user", default="import", help="the who-columns' username")

    def handle(self, *args: Any, call_number: str, path: str, user: str, **options: Any) -> None:
        call = PhoneCall.objects.filter(call_number=call_number).first()
        if call is None:
            raise CommandError(f"No call has the CallNumber {call_number!r}.")
        file = Path(path)
        try:
            if file.stat().st_size > MAX_BYTES:
                raise CommandError(f"{path} is larger than {MAX_BYTES} bytes.")
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            result = import_times(
                actor=services.Actor(username=user[:64]), call=call, content=content
            )
        except InvalidVtt as error:
            raise CommandError(f"{path}: {error}. Nothing was written.") from None
        except services.InvalidTiming as error:
            raise CommandError(
                f"{path}: cue {error.index + 1 if error.index is not None else '?'}: "
                f"{error.name} {error.detail} Nothing was written."
            ) from None
        self.stdout.write(report(result))
