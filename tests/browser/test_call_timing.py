"""The call page in time, in Chromium, on a real WAV recording: click a line's time to hear
it, follow along, links to a moment (#t=), the speaker timeline, search with time, by
keyboard only, and no serious or critical axe violation."""

import re

import pytest
from playwright.sync_api import expect

from calls import services
from tests.browser.conftest import log_in
from tests.browser.test_admin import axe_source, serious_violations  # noqa: F401
from tests.factories import grant_view, wav_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START, END = "StartOffsetMs_c", "EndOffsetMs_c"
# (role, name, start s, end s, words): a line every 5 s, the customer once over the agent.
LINES = [
    ("AGENT", "Sam Ortiz", 0.5, 4.0, "Thanks for calling Acme, this is Sam."),
    ("CUSTOMER", "Dana Miller", 5.0, 9.0, "Hi Sam, my parcel never arrived."),
    ("AGENT", "Sam Ortiz", 10.0, 14.0, "Let me look that up for you."),
    ("CUSTOMER", "Dana Miller", 13.0, 14.5, "It was order 1182."),  # overlaps the agent
    ("AGENT", "Sam Ortiz", 15.0, 19.0, "I can see it left the depot on Monday."),
    ("CUSTOMER", "Dana Miller", 20.0, 24.0, "So where is it now?"),
    ("AGENT", "Sam Ortiz", 25.0, 29.0, "The courier lost it; I will refund you today."),
    ("CUSTOMER", "Dana Miller", 31.0, 36.0, "Thank you, that is all."),
]
SECONDS = 40


@pytest.fixture
def support_user(transactional_db):
    from tests.factories import UserFactory

    return grant_view(UserFactory(username="support"))


@pytest.fixture
def timed_call(transactional_db):
    return services.phone_call_create(
        actor=services.Actor("cti"),
        values={
            "interaction_id": 1,
            "call_number": "CN-TIMED",
            "recording_format": "audio/wav",
            "custom": {"CallStartTime_c": "2025-03-04T09:15:00.000+00:00"},
        },
        messages=[
            {
                "role_cd": role,
                "posted_by_display_name": name,
                "message_content": words,
                "custom": {START: int(start * 1000), END: int(end * 1000)},
            }
            for role, name, start, end, words in LINES
        ],
        recording=wav_bytes(seconds=SECONDS),
    )


def call_path(written) -> str:
    return f"/calls/{written.call.id}/"


def line_id(written, index: int) -> str:
    return f"m{written.messages[index].id}"


def ready(page) -> None:
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")
    page.evaluate(
        """() => {
            const player = document.getElementById('player');
            window.__seeks = [];
            player.addEventListener('seeked', () => window.__seeks.push(player.currentTime));
        }"""
    )


def landed(page) -> float:
    """Where the last seek put the player (read when it happened, before playback moves)."""
    page.wait_for_function("() => window.__seeks.length > 0")
    return page.evaluate("() => window.__seeks[window.__seeks.length - 1]")


def current_lines(page) -> list[str]:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('[aria-current=\"true\"]')).map(e => e.id)"
    )


def in_view(page, element_id: str) -> bool:
    return page.evaluate(
        """(id) => { const box = document.getElementById(id).getBoundingClientRect();
                     return box.top >= 0 && box.bottom <= window.innerHeight; }""",
        element_id,
    )


def test_clicking_a_lines_time_plays_from_a_second_before_it(in_browser, support_user, timed_call):
    def step(page):
        log_in(page)
        page.goto(call_path(timed_call))
        ready(page)
        line = page.locator(f"#{line_id(timed_call, 4)}")
        expect(line.locator(".msg__seek")).to_have_text("00:15")

        line.locator(".msg__seek").click()

        assert abs(landed(page) - 14.0) < 0.3
        page.wait_for_function("() => !document.getElementById('player').paused")
        page.evaluate("() => document.getElementById('player').pause()")
        # Enter on a time does the same.
        page.evaluate("() => { window.__seeks = []; }")
        page.locator(f"#{line_id(timed_call, 1)} .msg__seek").focus()
        page.keyboard.press("Enter")
        assert abs(landed(page) - 4.0) < 0.3
        page.evaluate("() => document.getElementById('player').pause()")
        assert page.problems == []

    in_browser(step)


def test_follow_along_marks_the_spoken_line_across_three_boundaries(
    in_browser, support_user, timed_call
):
    def step(page):
        page.set_viewport_size({"width": 1280, "height": 600})
        log_in(page)
        page.goto(call_path(timed_call))
        ready(page)
        page.evaluate(
            """() => {
                window.__marked = [];
                const seen = () => {
                    const current = document.querySelectorAll('[aria-current="true"]');
                    window.__marked.push(Array.from(current).map(e => e.id).join(','));
                };
                new MutationObserver(seen).observe(document.getElementById('conversation'),
                    {subtree: true, attributes: true, attributeFilter: ['aria-current']});
                const player = document.getElementById('player');
                player.playbackRate = 2;
                player.currentTime = 8.5;
            }"""
        )
        page.wait_for_function("() => window.__seeks.length > 0")
        page.evaluate("() => document.getElementById('player').play()")
        # 10 s, 13 s (the overlap starts), 15 s and 20 s: three boundaries and more.
        page.wait_for_function("() => document.getElementById('player').currentTime > 21")
        page.evaluate("() => document.getElementById('player').pause()")

        marked = [m for m in page.evaluate("() => window.__marked") if m]
        singles = [m for m in marked if "," not in m]
        assert singles == marked, "never more than one line is current"
        expected = [line_id(timed_call, i) for i in (1, 2, 3, 4, 5)]
        assert [m for i, m in enumerate(marked) if i == 0 or m != marked[i - 1]] == expected
        assert current_lines(page) == [line_id(timed_call, 5)]
        assert "msg--spoken" in page.locator(f"#{line_id(timed_call, 5)}").get_attribute("class")
        assert in_view(page, line_id(timed_call, 5)), "followed: the spoken line is in view"

        # Off: the toggle is remembered, the lines are still marked, the page stays put.
        page.get_by_label("Follow along").uncheck()
        page.reload()
        ready(page)
        expect(page.get_by_label("Follow along")).not_to_be_checked()
        page.evaluate("() => window.scrollTo(0, 0)")
        page.evaluate("() => { document.getElementById('player').currentTime = 35; }")
        page.wait_for_function(
            "(id) => document.getElementById(id).getAttribute('aria-current') === 'true'",
            arg=line_id(timed_call, 7),
        )
        assert page.evaluate("() => window.scrollY") == 0
        assert page.problems == []

    in_browser(step)


def test_a_link_to_a_moment_opens_the_player_there_with_the_line_in_view(
    in_browser, support_user, timed_call
):
    def step(page):
        page.set_viewport_size({"width": 1280, "height": 600})
        log_in(page)
        page.goto(call_path(timed_call) + "#t=0:25")
        page.wait_for_function(
            "() => Math.abs(document.getElementById('player').currentTime - 25) < 0.3"
        )
        spoken = line_id(timed_call, 6)
        page.wait_for_function(
            "(id) => document.getElementById(id).getAttribute('aria-current') === 'true'",
            arg=spoken,
        )
        page.wait_for_function(
            """(id) => { const b = document.getElementById(id).getBoundingClientRect();
                         return b.top >= 0 && b.bottom <= window.innerHeight; }""",
            arg=spoken,
        )
        assert current_lines(page) == [spoken]

        # Seconds work too, and a message link carries its time.
        page.goto(call_path(timed_call) + "#t=20")
        page.wait_for_function(
            "() => Math.abs(document.getElementById('player').currentTime - 20) < 0.3"
        )
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.locator(f"#{line_id(timed_call, 2)} .msg__copy").click()
        expect(page.locator("#copy-status")).to_have_text("Link to this message copied.")
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied.endswith(f"{call_path(timed_call)}#{line_id(timed_call, 2)}&t=10")

        # "Copy link at current time", and that link opens the player there.
        page.get_by_role("button", name="Copy link at current time").click()
        expect(page.locator("#moment-status")).to_contain_text("copied")
        moment = page.evaluate("() => navigator.clipboard.readText()")
        assert re.search(r"#t=20(\.\d)?$", moment), moment
        page.goto(moment)
        page.wait_for_function(
            "() => Math.abs(document.getElementById('player').currentTime - 20) < 0.3"
        )
        assert page.problems == []

    in_browser(step)


def test_the_timelines_segments_are_the_messages_times_and_seek_there(
    in_browser, support_user, timed_call
):
    def step(page):
        log_in(page)
        page.goto(call_path(timed_call))
        ready(page)
        lanes = page.evaluate(
            """() => Array.from(document.querySelectorAll('.timeline__lane')).map(lane => ({
                name: lane.querySelector('.timeline__name').textContent,
                segments: Array.from(lane.querySelectorAll('.timeline__segment')).map(a => {
                    const r = a.querySelector('rect');
                    return [+a.dataset.start, +a.dataset.end, +r.getAttribute('x'),
                            +r.getAttribute('width')];
                }),
            }))"""
        )
        svg = page.locator("#timeline")
        left = float(svg.get_attribute("data-left"))
        right = float(svg.get_attribute("data-right"))
        scale = (right - left) / (SECONDS * 1000)
        assert [lane["name"] for lane in lanes] == ["Sam Ortiz", "Dana Miller"]
        for lane in lanes:
            said = [(int(s * 1000), int(e * 1000)) for _, n, s, e, _ in LINES if n == lane["name"]]
            assert [(s, e) for s, e, _, _ in lane["segments"]] == said
            for start, end, x, width in lane["segments"]:
                assert abs(x - (left + start * scale)) < 0.02
                assert abs(width - (end - start) * scale) < 0.02
        overlaps = page.locator(".timeline__overlap")
        expect(overlaps).to_have_count(1)  # 13–14 s, the customer over the agent
        expect(page.locator(".timeline__table")).to_contain_text("Dana Miller")

        page.locator(".timeline__segment").nth(2).click()  # Sam's third turn, at 15 s
        assert abs(landed(page) - 14.0) < 0.3
        page.evaluate("() => document.getElementById('player').pause()")
        assert page.problems == []

    in_browser(step)


def test_keyboard_only_the_timeline_the_lines_and_search_with_time(
    in_browser, support_user, timed_call
):
    def step(page):
        log_in(page)
        page.goto(call_path(timed_call))
        ready(page)
        # After the transcript (the timeline is beside it), Tab reaches the timeline's
        # moments; Enter plays there.
        page.locator("#conversation .msg__copy").last.focus()
        for _ in range(6):
            page.keyboard.press("Tab")
            if page.evaluate(
                "() => document.activeElement.classList.contains('timeline__segment')"
            ):
                break
        assert page.evaluate("() => document.activeElement.dataset.start") == "500"
        page.keyboard.press("Enter")
        assert abs(landed(page) - 0.0) < 0.3
        page.keyboard.press("Escape")
        page.evaluate("() => document.getElementById('player').pause()")

        # "/" searches; a match shows its time, and Enter takes the player there.
        page.evaluate("() => { window.__seeks = []; document.activeElement.blur(); }")
        page.keyboard.press("/")
        page.keyboard.type("refund")
        page.keyboard.press("Enter")
        expect(page.locator("#tsearch-status")).to_have_text("1 of 1 · 00:25")
        assert abs(landed(page) - 24.0) < 0.3
        assert page.problems == []

    in_browser(step)


def test_the_timed_call_page_has_no_serious_accessibility_violation(
    in_browser,
    support_user,
    timed_call,
    axe_source,  # noqa: F811
):
    def step(page):
        log_in(page)
        page.goto(call_path(timed_call) + "#t=15")
        page.wait_for_function("() => document.querySelector('[aria-current=\"true\"]') !== null")
        assert serious_violations(page, axe_source) == []

    in_browser(step)
