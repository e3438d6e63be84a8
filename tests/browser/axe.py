"""axe-core in the page under test, without weakening its CSP.

The engine comes pinned with ``axe-playwright-python`` (its ``axe.min.js``).
``page.evaluate`` runs the source in the page's main world as DevTools would: the
page's Content-Security-Policy (no inline script) is left as it is, no bypass_csp.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def axe_violations(page) -> list[dict]:
    """The WCAG 2.1 A/AA violations of the page as it is now (open dialogs included)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = page.evaluate("options => axe.run(document, options)", options)
    return results["violations"]


def describe(violations: list[dict]) -> str:
    """One readable paragraph per rule broken, with the elements that break it."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:8]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {' '.join(node['target'])} — {node['html'][:160]} — {summary[:200]}")
    return "\n".join(lines)
