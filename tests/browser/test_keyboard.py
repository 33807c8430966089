"""Keyboard use of the staff pages in Chromium: the list's j / k / Enter / '/', the '?'
list of shortcuts, the switch that turns them off (remembered), and none while typing."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from calls.models import AccessRecord
from tests.browser.conftest import log_in
from tests.factories import PhoneCallFactory, UserFactory, grant_view, wav_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED_ROW = (
    "() => document.activeElement.closest('tr')?.querySelector('.calls__number a')?.textContent"
)


@pytest.fixture
def three_calls(transactional_db):
    grant_view(UserFactory(username="support"))
    now = timezone.now()
    calls = [
        PhoneCallFactory(call_number=f"CN-KEY-{n}", creation_date=now - datetime.timedelta(hours=n))
        for n in (1, 2, 3)
    ]
    return calls


def test_j_and_k_move_between_rows_and_enter_opens_the_call(in_browser, three_calls):
    def walk(page):
        log_in(page)
        seen = []
        for key in ["j", "j", "j", "j", "k"]:  # the last row stays put; no wrap-around
            page.keyboard.press(key)
            seen.append(page.evaluate(FOCUSED_ROW))
        # The focus is visible: the link's ring, and the row marked.
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        marked = page.evaluate(
            "() => getComputedStyle(document.activeElement.closest('tr')).boxShadow"
        )
        page.keyboard.press("Enter")
        page.wait_for_url("**/calls/*/")
        heading = page.get_by_role("heading", level=1).text_content()
        return seen, outline, marked, heading, page.problems

    seen, outline, marked, heading, problems = in_browser(walk)
    assert seen == ["CN-KEY-1", "CN-KEY-2", "CN-KEY-3", "CN-KEY-3", "CN-KEY-2"]
    assert outline == "solid" and marked != "none"
    assert "CN-KEY-2" in heading
    assert problems == []


def test_slash_focuses_the_search_and_typed_letters_stay_in_it(in_browser, three_calls):
    def type_in_search(page):
        log_in(page)
        page.keyboard.press("/")
        box = page.get_by_label("Search calls")
        expect(box).to_be_focused()
        page.keyboard.type("jk/?")
        expect(box).to_have_value("jk/?")
        expect(page.get_by_role("dialog")).to_be_hidden()
        return page.problems

    assert in_browser(type_in_search) == []


def test_the_question_mark_lists_the_shortcuts_and_the_switch_turns_them_off(
    in_browser, three_calls
):
    def turn_off(page):
        log_in(page)
        page.keyboard.press("j")
        page.keyboard.press("?")
        dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Next call in the list")
        switch = dialog.get_by_role("switch", name="Keyboard shortcuts")
        expect(switch).to_be_checked()
        switch.uncheck()
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        # The focus is back where it was when the list opened.
        expect(page.locator("a.calls__open").first).to_be_focused()
        back = page.evaluate(FOCUSED_ROW)
        page.keyboard.press("j")
        after_j = page.evaluate(FOCUSED_ROW)
        page.reload()  # remembered by the browser
        page.keyboard.press("j")
        page.keyboard.press("/")
        page.keyboard.press("?")
        state = page.evaluate(
            "() => [document.activeElement.tagName, !!document.querySelector('dialog[open]')]"
        )
        # The footer's button still opens the list, to turn them on again.
        page.get_by_role("button", name="Shortcuts").click()
        expect(switch).not_to_be_checked()
        switch.check()
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(page.get_by_role("button", name="Shortcuts")).to_be_focused()
        page.keyboard.press("j")
        on_again = page.evaluate(FOCUSED_ROW)
        return back, after_j, state, on_again, page.problems

    back, after_j, state, on_again, problems = in_browser(turn_off)
    assert back == after_j == "CN-KEY-1"  # j did nothing while off
    assert state == ["BODY", False]  # nor / nor ? after the reload
    assert on_again == "CN-KEY-1"
    assert problems == []


def test_with_shortcuts_off_space_on_the_call_page_plays_nothing(in_browser, three_calls):
    call = three_calls[0]
    call.recording_format = "audio/wav"
    call.save(update_fields=["recording_format"])
    call.recording.save("r", ContentFile(wav_bytes(seconds=3)))

    def space(page):
        log_in(page)
        page.goto(f"/calls/{call.id}/")
        page.evaluate("() => localStorage.setItem('callbook.shortcuts', 'off')")
        page.reload()
        page.locator("body").press("Space")
        page.wait_for_timeout(300)
        paused = page.evaluate("() => document.getElementById('player').paused")
        hint_shown = page.locator(".shortcut-hint").is_visible()
        return paused, hint_shown, page.problems

    paused, hint_shown, problems = in_browser(space)
    assert paused is True
    assert hint_shown is False  # the page does not offer keys that do nothing
    assert problems == []


def test_opening_a_call_records_no_play_and_playing_it_records_one(in_browser, three_calls):
    call = three_calls[0]
    call.recording_format = "audio/wav"
    call.save(update_fields=["recording_format"])
    call.recording.save("r", ContentFile(wav_bytes(seconds=3)))

    def open_it(page):
        log_in(page)
        page.goto(f"/calls/{call.id}/")
        page.wait_for_function("() => document.getElementById('player').readyState >= 1")

    def play(page):
        with page.expect_response("**/recording/played") as answer:
            page.locator("body").press("Space")
        page.wait_for_function(
            "() => { const p = document.getElementById('player');"
            " return !p.paused && p.currentTime > 0.2; }"
        )
        return answer.value.status, page.problems

    def kinds():
        return sorted(AccessRecord.objects.filter(call=call).values_list("kind", flat=True))

    in_browser(open_it)
    assert kinds() == ["recording_fetch"]  # the metadata preload: bytes, no play
    status, problems = in_browser(play)
    assert status == 204
    assert kinds() == ["recording_fetch", "recording_play"]
    assert problems == []
