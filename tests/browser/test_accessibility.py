"""The staff pages in Chromium, measured: axe-core finds nothing serious or critical, the
phone layout neither scrolls sideways nor draws text under 14 px.

Pages: the sign-in page, the 403 page, the list (empty, filtered, searched), a call with a
recording and a transcript (and its shortcuts dialog open), at 1280 and 390 px. A
violation of lower impact fails the test too, until it is fixed or listed in the README
(Staff pages, "Accessibility, measured") with its reason and added to ``ACCEPTED``.
"""

import json

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from calls.models import TranscriptMessage
from tests.browser.axe import BLOCKING, SMALL_TEXT, axe_source, violations  # noqa: F401
from tests.browser.conftest import log_in
from tests.factories import (
    PhoneCallFactory,
    TranscriptMessageFactory,
    UserFactory,
    grant_view,
    wav_bytes,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 390)
# Violations of lower impact that the README lists, with why they stay. Empty today.
ACCEPTED: set[str] = set()


@pytest.fixture
def calls(transactional_db):
    grant_view(UserFactory(username="support"))
    UserFactory(username="visitor")
    call = PhoneCallFactory(
        call_number="CN-A11Y-1", phone_number="+14155550123", recording_format="audio/wav"
    )
    call.recording.save("r", ContentFile(wav_bytes(seconds=2)))
    lines = [
        ("CUSTOMER", "Dana Miller", "Hi, I am calling about a refund for order 1182."),
        ("AGENT", "Sam Ortiz", "Sure, let me look up the refund status."),
        ("AGENT", "Sam Ortiz", "The refund was issued yesterday."),
    ]
    for role, name, text in lines:
        TranscriptMessageFactory(
            call=call, role_cd=role, posted_by_display_name=name, message_content=text
        )
    TranscriptMessageFactory(
        call=call,
        role_cd="AGENT",
        posted_by_display_name="Sam Ortiz",
        visibility_cd=TranscriptMessage.INTERNAL,
        message_content="Internal: refund approved.",
    )
    PhoneCallFactory(call_number="CN-A11Y-2", phone_number="+14155550123", left_message_flag=True)
    PhoneCallFactory(call_number="CN-A11Y-3", phone_number="+4930555000")
    return call


def staff_pages(call) -> list[tuple[str, str]]:
    return [
        ("list", "/"),
        ("list, empty", "/?q=nothing+like+this"),
        ("list, filtered", "/?voicemail=true&sort=-duration"),
        ("list, searched", "/?q=refund"),
        ("call", f"/calls/{call.id}/"),
        ("call, at a message", f"/calls/{call.id}/?q=refund#m{call.messages.first().id}"),
    ]


def audit_everything(in_browser, call, axe: str) -> dict[str, list[dict]]:
    pages = staff_pages(call)

    def audit(page):
        found: dict[str, list[dict]] = {}

        def check(name: str) -> None:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                found[f"{name} @{width}"] = violations(page, axe)

        page.goto("/accounts/login/")
        check("sign-in")
        log_in(page, username="visitor")
        check("403")
        page.context.clear_cookies()
        log_in(page)
        for name, path in pages:
            page.goto(path)
            check(name)
        page.goto(pages[-2][1])
        page.keyboard.press("?")
        expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
        check("call, shortcuts dialog")
        return found

    return in_browser(audit)


def test_axe_finds_no_serious_or_critical_violation_on_the_staff_pages(
    in_browser,
    calls,
    axe_source,  # noqa: F811
):
    found = audit_everything(in_browser, calls, axe_source)
    blocking = {
        page: [v for v in found_there if v["impact"] in BLOCKING]
        for page, found_there in found.items()
    }
    blocking = {page: v for page, v in blocking.items() if v}
    assert blocking == {}, json.dumps(blocking, indent=2)
    others = sorted({v["id"] for found_there in found.values() for v in found_there})
    print("axe, impact below serious:", others or "none")
    # Anything new of lower impact goes into the README's list (and ACCEPTED) or is fixed.
    assert set(others) <= ACCEPTED, json.dumps(found, indent=2)


@pytest.mark.parametrize("width", [390, 360])
def test_the_phone_layout_fits_and_its_text_is_at_least_14_px(in_browser, calls, width):
    pages = staff_pages(calls)

    def check(page):
        page.set_viewport_size({"width": width, "height": 844})
        log_in(page)
        found = {}
        for name, path in pages:
            page.goto(path)
            page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            small = page.evaluate(SMALL_TEXT)
            if scroll > width or small:
                found[name] = {"scrollWidth": scroll, "small text": small}
        return found, page.problems

    found, problems = in_browser(check)
    assert found == {}, json.dumps(found, indent=2)
    assert problems == []


def test_on_a_phone_a_call_is_three_unwrapped_lines_and_the_list_can_be_sorted(in_browser, calls):
    def check(page):
        page.set_viewport_size({"width": 390, "height": 844})
        log_in(page)
        row = page.locator("tr.calls__row").filter(has_text="CN-A11Y-1")
        cells = {
            label: row.locator(f'td[data-label="{label}"]')
            for label in ("Time", "Phone number", "Agent", "Duration")
        }
        lines = {}
        for label, cell in cells.items():
            expect(cell).to_be_visible()
            lines[label] = cell.evaluate(
                "el => Math.round(el.getBoundingClientRect().height"
                " / parseFloat(getComputedStyle(el).lineHeight))"
            )
        # Nothing overlaps: no two cells of any row share a pixel.
        overlaps = page.evaluate(
            """() => [...document.querySelectorAll('tr.calls__row')].flatMap(row => {
                const boxes = [...row.cells].map(c => c.getBoundingClientRect())
                    .filter(b => b.width > 0 && b.height > 0);
                const hit = boxes.some((a, i) => boxes.slice(i + 1).some(b =>
                    a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
                    a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5));
                return hit ? [row.textContent.trim().slice(0, 40)] : [];
            })"""
        )
        page.get_by_label("Sort").select_option("time")
        page.get_by_role("button", name="Sort", exact=True).click()
        page.wait_for_url("**sort=time**")
        first = page.locator("tr.calls__row").first.locator("a.calls__open").get_attribute("href")
        page.goto(f"/calls/{calls.id}/")
        buttons = [
            page.get_by_role("button", name=name).bounding_box()["y"]
            for name in ("Previous match", "Next match")
        ]
        field = page.get_by_label("Search the transcript").bounding_box()
        return lines, overlaps, first, buttons, field

    lines, overlaps, first, buttons, field = in_browser(check)
    assert overlaps == []
    assert lines == {"Time": 1, "Phone number": 1, "Agent": 1, "Duration": 1}
    assert first == f"/calls/{calls.id}/?back=sort%3Dtime"  # the oldest call first
    # The transcript search's buttons stay on the line of its field.
    assert abs(buttons[0] - buttons[1]) < 2
    assert abs(buttons[0] - field["y"]) < field["height"]
