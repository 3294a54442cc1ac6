"""Browser-test fixtures shared by every package: the app on a real loopback
server, and Debian's chromium driven by Playwright (never Playwright's own
browser download, which these machines cannot fetch)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from bot.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots kept for people to look at (git-ignored).
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on a free loopback port, served by werkzeug in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's chromium; `make browser` installs it (a test that needs it fails without it)."""
    from playwright import sync_api as playwright

    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed (`make browser` installs it)")
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The impacts that fail a page; "moderate" and "minor" findings are reported by
# axe too but are advice (a heading order, a landmark's name), not barriers.
BLOCKING_IMPACTS = ("serious", "critical")


def accessibility_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical findings on the open page, one line each (rule: targets)."""
    if not AXE_SCRIPT.exists():
        pytest.fail("axe-core is not installed (`make install` runs npm ci)")
    page.add_script_tag(path=str(AXE_SCRIPT))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({
                id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(" "))
            }))"""
    )
    return [
        f"{item['id']} ({item['impact']}): {', '.join(item['targets'][:5])}"
        for item in found
        if item["impact"] in BLOCKING_IMPACTS
    ]
