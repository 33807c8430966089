"""``python -m bench.redaction``: what redaction adds to the create of a 20-message call.

In-process, on a throwaway SQLite database: ``timeit`` of ``services.phone_call_create``
with a realistic 20-message conversation (greetings, an order number, a card number with
its expiry date and code, a callback number), with redaction as configured and with it
switched off, interleaved round by round so the machine's noise hits both alike. Prints
the fastest and the median round of each, in wall and CPU time, and the redaction timed
alone; the target (under 15 %) is judged twice: the redaction alone against the fastest
create (the code's own cost, least moved by other work on the machine), and the median
rounds' CPU time (which also carries the neighbours' noise on a shared machine).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import timeit

CONVERSATION = [
    "Thank you for calling Acme support, my name is Ann, how can I help you today?",
    "Hi Ann, I'd like to pay the open invoice on my account please.",
    "Of course. Can I have the order number?",
    "Sure, it's 20240517 00981, the one from last Tuesday.",
    "Thank you. I can see an amount of 149 dollars and 99 cents.",
    "That's right, I want to pay it by card.",
    "No problem. Please read me the long number on the front of the card.",
    "OK it's four one one one, one one one one, one one one one, one one one one.",
    "Thank you. And the expiry date?",
    "Oh nine twenty seven.",
    "And the three digit security code on the back?",
    "seven three seven",
    "Thank you, the payment went through. Is there anything else I can do for you?",
    "Yes, can you send the receipt to my email?",
    "It goes to the address on file. Do you want a call back when it is sent?",
    "Yes please, on my mobile, 415 555 0199.",
    "Noted. You'll get the receipt within 24 hours.",
    "Great, thanks a lot for your help.",
    "You're welcome. Have a nice day!",
    "Bye!",
]


def main() -> None:
    folder = tempfile.mkdtemp(prefix="callbook-redaction-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crmsite.settings")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from calls import redaction, services

    actor = services.Actor("bench")
    messages = [
        {"message_content": text, "role_cd": "AGENT" if i % 2 == 0 else "CUSTOMER"}
        for i, text in enumerate(CONVERSATION)
    ]
    number = 0

    def create() -> None:
        nonlocal number
        number += 1
        services.phone_call_create(
            actor=actor,
            values={"interaction_id": number, "phone_number": "+14155550100"},
            messages=messages,
        )

    real = redaction.redact_messages

    def off(batch, **kwargs):  # the write path as it was before redaction
        return list(batch)

    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    per_round = 50
    for _ in range(3):  # warm up both
        create()
    # Wall time, and this process's CPU time: on a machine shared with other work the CPU
    # time is the steadier measure (it leaves out waiting for the cores and the disk).
    clocks = {"wall": time.perf_counter, "cpu": time.process_time}
    timings: dict[tuple[str, str], list[float]] = {
        (clock, label): [] for clock in clocks for label in ("without", "with")
    }
    order = [("without", off), ("with", real)]
    for _ in range(rounds):
        order.reverse()  # each goes first in every other round
        for label, function in order:
            redaction.redact_messages = function
            for clock, timer in clocks.items():
                seconds = timeit.timeit(create, number=per_round, timer=timer)
                timings[clock, label].append(seconds / per_round * 1000)
    redaction.redact_messages = real
    detectors = ",".join(sorted(redaction.current().kinds))
    print(
        f"create of a 20-message call on SQLite, {rounds} rounds of {per_round} each way "
        f"(detectors {detectors}, policy {redaction.current().policy}):"
    )
    # The fastest round is the code's own cost; the median also carries the neighbours'.
    for clock in clocks:
        for name, pick in (("fastest", min), ("median", statistics.median)):
            without, with_ = pick(timings[clock, "without"]), pick(timings[clock, "with"])
            print(
                f"  {clock} time, {name} round: {without:.2f} ms without redaction, "
                f"{with_:.2f} ms with: {(with_ - without) / without:+.1%}"
            )
    # The redaction alone, timed the same way: the steadiest view of its share.
    alone = [
        timeit.timeit(
            lambda: real(messages, own_number="+14155550100"),
            number=per_round,
            timer=time.process_time,
        )
        / per_round
        * 1000
        for _ in range(rounds)
    ]
    fastest_create = min(timings["cpu", "without"])
    print(
        f"  redaction alone, CPU time, fastest round: {min(alone):.3f} ms = "
        f"{min(alone) / fastest_create:.1%} of the fastest create without it"
    )
    cpu_without = statistics.median(timings["cpu", "without"])
    median_overhead = (statistics.median(timings["cpu", "with"]) - cpu_without) / cpu_without
    share = min(alone) / fastest_create
    load = os.getloadavg()[0]
    for label, value in (
        ("redaction alone vs the fastest create, CPU", share),
        (f"median CPU rounds, load average {load:.1f}", median_overhead),
    ):
        verdict = "PASS" if value < 0.15 else "FAIL"
        print(f"{verdict} redaction adds under 15% to a create ({label}): {value:+.1%}")


if __name__ == "__main__":
    main()
