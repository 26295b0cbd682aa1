"""axe-core in the browser tests: `assert_no_axe_violations(page)` runs the vendored
axe-core (tests/vendor/axe-core, MPL-2.0) over the page as it is and fails with every
violation named (rule, impact, the first nodes' selectors)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

_RUN = """async (tags) => {
  const result = await window.axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))
  }));
}"""


@cache
def _source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core over `page` (a Playwright page). Evaluated through the DevTools
    protocol, which the page's Content-Security-Policy does not govern: no inline script
    is added to the page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    return page.evaluate(_RUN, TAGS)


def assert_no_axe_violations(page: Any, *, what: str = "") -> None:
    """Fail with every axe-core violation on `page` (`what` names the page in the message)."""
    violations = axe_violations(page)
    if violations:
        lines = [
            f"- {v['id']} ({v['impact']}): {v['help']} at {', '.join(v['nodes'])}"
            for v in violations
        ]
        where = what or page.url
        raise AssertionError(f"axe-core found violations on {where}:\n" + "\n".join(lines))
