"""Writes the README's screenshots from demo-like data: the list and a call at 1280 px
(docs/screenshot-list.png, docs/screenshot-call.png) and at 390 px, a phone
(docs/screenshot-list-phone.png, docs/screenshot-call-phone.png).

Run on purpose only: ``CALLBOOK_SCREENSHOTS=1 pytest tests/browser/test_screenshots.py``.
"""

import os
from pathlib import Path

import pytest

from tests.browser.conftest import log_in
from tests.browser.demo_data import make_featured_call, make_list_calls
from tests.factories import UserFactory, grant_view

DOCS = Path(__file__).resolve().parents[2] / "docs"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("CALLBOOK_SCREENSHOTS") != "1",
        reason="set CALLBOOK_SCREENSHOTS=1 to regenerate the README screenshots",
    ),
]


def test_write_the_readme_screenshots(in_browser, settings):
    settings.CALLBOOK_DISPLAY_TIME_ZONE = "America/Los_Angeles"
    grant_view(UserFactory(username="support"))
    make_list_calls()
    call = make_featured_call()

    def shoot(page):
        log_in(page)
        page.set_viewport_size({"width": 1280, "height": 1060})
        page.goto("/")
        page.screenshot(path=str(DOCS / "screenshot-list.png"))
        page.goto("/?q=refund")
        page.screenshot(path="/tmp/callbook-list-searched.png")
        page.set_viewport_size({"width": 1280, "height": 1240})
        page.goto(f"/calls/{call.id}/")
        page.get_by_label("Search the transcript").fill("refund")
        page.locator("#tsearch-status").filter(has_text="of").wait_for()
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(DOCS / "screenshot-call.png"))
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto("/")
        page.evaluate("() => document.querySelector('.calls').scrollIntoView()")
        page.evaluate("() => window.scrollBy(0, -72)")
        page.screenshot(path=str(DOCS / "screenshot-list-phone.png"))
        page.goto(f"/calls/{call.id}/")
        page.screenshot(path=str(DOCS / "screenshot-call-phone.png"))
        widths = page.evaluate("() => document.documentElement.scrollWidth")
        assert widths <= 390, widths
        return page.problems

    assert in_browser(shoot) == []
