"""axe-core in the browser tests: the npm package's script, run in the page under test.

``npm ci`` installs it (package.json's dev dependencies); without it the tests that need it
are skipped, unless ``CALLBOOK_REQUIRE_BROWSER=1`` (CI), where they fail.
"""

from pathlib import Path

import pytest

from tests.browser.conftest import browser_required

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        if browser_required():
            pytest.fail(f"{AXE} is missing: run npm ci")
        pytest.skip(f"{AXE} is missing (npm ci installs it)")
    return AXE.read_text()


def violations(page, axe: str) -> list[dict]:
    """Every violation axe finds in the page as it is now: id, impact, node count, first node."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe)
    return page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                        first: v.nodes[0].target.join(" ")}))"""
    )


# The text of the page drawn smaller than 14 px (what is on screen: not hidden, not
# visually-hidden, SVG text at the size its scaling draws it).
SMALL_TEXT = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
    let clipped = false;
    for (let up = el; up && up !== document.body; up = up.parentElement) {
      const box = up.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1) { clipped = true; break; }
    }
    if (clipped) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest("svg");
    if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width) {
      size = size * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    }
    const text = node.textContent.trim().slice(0, 30);
    if (size < 13.95) found.push(`${el.tagName.toLowerCase()} ${size.toFixed(1)}px "${text}"`);
  }
  return [...new Set(found)];
}"""
