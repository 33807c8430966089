"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

Playwright's sync API runs an asyncio event loop in the thread that uses it, and Django
refuses ORM calls from a thread with a running loop. So the browser lives in a thread of
its own: tests create data with the ORM as usual and hand browser steps to ``in_browser``
(``in_browser(lambda page: ...)``), which runs them in the Playwright thread and re-raises
their failures. No ``DJANGO_ALLOW_ASYNC_UNSAFE`` needed.

Without /usr/bin/chromium the tests are skipped, unless ``CALLBOOK_REQUIRE_BROWSER=1``
(set by .ci/run): then they fail, so CI cannot pass without running them.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
]
STEP_TIMEOUT = 120


def browser_required() -> bool:
    return os.environ.get("CALLBOOK_REQUIRE_BROWSER", "").strip() == "1"


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM) or browser_required():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (CALLBOOK_REQUIRE_BROWSER=1 to fail)")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


class BrowserThread:
    """One Chromium for the session, owned by one worker thread."""

    def __init__(self):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playwright")
        self.playwright = None
        self.chromium = None

    def call(self, fn, *args):
        return self.executor.submit(fn, *args).result(timeout=STEP_TIMEOUT)

    def start(self):
        def launch():
            from playwright.sync_api import sync_playwright

            self.playwright = sync_playwright().start()
            self.chromium = self.playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )

        self.call(launch)

    def stop(self):
        def close():
            if self.chromium:
                self.chromium.close()
            if self.playwright:
                self.playwright.stop()

        try:
            self.call(close)
        finally:
            self.executor.shutdown(wait=True)


@pytest.fixture(scope="session")
def chromium_thread():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"CALLBOOK_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
    thread = BrowserThread()
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture
def in_browser(chromium_thread, live_server):
    """``in_browser(fn)`` runs ``fn(page)`` in the browser thread; one fresh context per test.

    ``page.base_url`` is the live server's address; CSP violations and page errors are
    collected in ``page.problems`` so tests can assert there were none.
    """
    state = {}

    def open_page():
        context = chromium_thread.chromium.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(f"pageerror: {error}"))
        page.on(
            "console",
            lambda msg: (
                page.problems.append(f"console: {msg.text}") if msg.type == "error" else None
            ),
        )
        state["context"], state["page"] = context, page

    chromium_thread.call(open_page)

    def run(fn):
        return chromium_thread.call(fn, state["page"])

    run.url = live_server.url
    yield run
    chromium_thread.call(lambda: state["context"].close())


def log_in(page, username="support", password="correct-horse-battery"):
    page.goto("/")
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
