"""The admin in Chromium: accessible pages (axe-core), the player, and a long transcript.

axe-core comes from npm (``npm ci``: package.json's dev dependencies); without it these
tests are skipped, unless ``CALLBOOK_REQUIRE_BROWSER=1``, where they fail.
"""

import datetime
import json
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from calls import services
from calls.models import AccessRecord, PhoneCall, TranscriptMessage
from tests.browser.conftest import browser_required
from tests.factories import PASSWORD, PhoneCallFactory, UserFactory, wav_bytes

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def axe_source():
    if not AXE.exists():
        if browser_required():
            pytest.fail(f"{AXE} is missing: run npm ci")
        pytest.skip(f"{AXE} is missing (npm ci installs it)")
    return AXE.read_text()


@pytest.fixture
def admin_user(transactional_db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def short_call(transactional_db):
    """A 7-message call with a playable recording, like a demo call."""
    lines = [
        ("BOT", "Acme Assistant", "Welcome to Acme Fibre. For billing, press 1."),
        ("CUSTOMER", "Dana Miller", "My bill this month is almost twice what I usually pay."),
        ("AGENT", "Sam Ortiz", "I can see a one-off installation charge of 89 dollars."),
        ("CUSTOMER", "Dana Miller", "I never asked for an installation."),
        ("AGENT", "Sam Ortiz", "Engineer visit was logged against the wrong account."),
        ("AGENT", "Sam Ortiz", "You're right, that charge was a mistake. I've credited it."),
        ("CUSTOMER", "Dana Miller", "Great, thank you for sorting that out so quickly."),
    ]
    written = services.phone_call_create(
        actor=services.Actor("integration"),
        values={
            "call_number": "CN-ADMIN-7",
            "interaction_id": 3001,
            "phone_number": "+14155550123",
            "recording_format": "audio/wav",
        },
        messages=[
            {
                "role_cd": role,
                "posted_by_display_name": name,
                "message_content": text,
                "visibility_cd": "INTERNAL" if "Engineer" in text else "EXTERNAL",
            }
            for role, name, text in lines
        ],
    )
    call = written.call
    call.recording.save("r", ContentFile(wav_bytes(seconds=4)))
    return call


@pytest.fixture
def long_call(transactional_db):
    written = services.phone_call_create(
        actor=services.Actor("integration"),
        values={"call_number": "CN-ADMIN-2000", "interaction_id": 3002},
        messages=[
            {"message_content": f"Line {n} of a long call.", "role_cd": "AGENT"}
            for n in range(1, 2001)
        ],
    )
    return written.call


def sign_in(page):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def serious_violations(page, axe: str) -> list[dict]:
    page.evaluate(axe)
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                        first: v.nodes[0].target.join(" ")}))"""
    )
    return found


def change_path(call):
    return f"/admin/calls/phonecall/{call.pk}/change/"


def test_axe_finds_no_serious_violation_on_the_admin_pages_of_calls(
    in_browser, axe_source, admin_user, short_call, long_call
):
    PhoneCallFactory.create_batch(3, creation_date=timezone.now() - datetime.timedelta(days=1))
    pages = [
        (change_path(short_call), 1280),
        (change_path(long_call), 1280),
        (change_path(long_call) + "?tfind=Line+1999", 1280),
        ("/admin/calls/phonecall/", 1280),
        ("/admin/calls/phonecall/", 390),
        (f"/admin/calls/phonecall/{short_call.pk}/history/", 1280),
    ]

    def audit(page):
        sign_in(page)
        found = {}
        for path, width in pages:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(path)
            violations = serious_violations(page, axe_source)
            if violations:
                found[f"{path} @{width}"] = violations
        return found

    found = in_browser(audit)
    assert found == {}, json.dumps(found, indent=2)


def test_the_player_is_visible_seekable_and_records_a_play_only_when_played(
    in_browser, admin_user, short_call
):
    def open_and_play(page):
        sign_in(page)
        page.goto(change_path(short_call))
        player = page.locator("#player")
        expect(player).to_be_visible()
        width = player.bounding_box()["width"]
        plays_before = recordings_fetched(page)
        page.locator("body").press("Space")  # the staff page's shortcut: play
        page.wait_for_function(
            "() => { const p = document.getElementById('player');"
            " return !p.paused && p.currentTime > 0.2; }"
        )
        page.locator("body").press("Space")  # pause
        page.wait_for_function("() => document.getElementById('player').paused")
        page.get_by_role("button", name="+5 s").click()  # the staff page's controls
        page.wait_for_function(
            "() => { const p = document.getElementById('player');"
            " return !p.seeking && p.currentTime > 3.9; }"
        )
        page.get_by_label("Speed").select_option("1.5")
        rate = page.evaluate("() => document.getElementById('player').playbackRate")
        return width, plays_before, rate

    def recordings_fetched(page):
        return page.evaluate(
            "() => performance.getEntriesByType('resource')"
            ".filter(e => e.name.includes('/recording')).length"
        )

    # Opening the page fetches nothing of the recording (preload="none"): no play yet.
    width, fetched_on_open, rate = in_browser(open_and_play)
    assert width >= 300
    assert fetched_on_open == 0
    assert rate == 1.5
    plays = AccessRecord.objects.filter(call=short_call, kind="recording_play")
    assert plays.count() == 1


def test_an_admin_goes_to_message_1234_of_2000_corrects_it_and_sees_it_in_history(
    in_browser, admin_user, long_call
):
    def correct(page):
        sign_in(page)
        page.goto(change_path(long_call))
        expect(page.locator("#transcript-status")).to_contain_text("of 2000")
        page.get_by_label("Go to message").fill("1234")
        page.get_by_role("button", name="Go", exact=True).click()
        page.wait_for_url("**#message-1234")
        text = page.get_by_label("Text of message 1234")
        expect(text).to_have_value("Line 1234 of a long call.")
        text.fill("Line 1234, as corrected.")
        page.get_by_role("button", name="Save and continue editing").click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
        # Back on the same page of the transcript, with the correction.
        expect(page.get_by_label("Text of message 1234")).to_have_value("Line 1234, as corrected.")
        page.get_by_role("link", name="History").click()
        entry = page.locator(".call-history__entry").first
        expect(entry).to_contain_text("Message #1234")
        expect(entry.locator("del")).to_have_text("Line 1234 of a long call.")
        expect(entry.locator("ins")).to_have_text("Line 1234, as corrected.")
        return page.problems

    assert in_browser(correct) == []
    message = TranscriptMessage.objects.filter(call=long_call).order_by("id")[1233]
    assert message.message_content == "Line 1234, as corrected."
    assert PhoneCall.objects.get(pk=long_call.pk).version == 2
