"""The built book, served on 127.0.0.1, and Debian's Chromium driven by Playwright.

The book is built once per session (``built_book`` in tests/conftest.py). Chromium is the system
package (``apt-get install chromium``; .ci/run installs it): Playwright never downloads a browser.
Without it these tests fail, saying so; they never skip.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site(built_book: Path) -> Iterator[str]:
    """The built book on http://127.0.0.1:<free port>/, served from a thread for the session."""
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# Module scope: the sync Playwright API keeps an event loop running while open, and other test
# files start their own Playwright; closing this one when its module ends keeps them apart.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium. Fails (never skips) when it is not installed."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing. The browser tests need Debian's Chromium: "
            "run `apt-get update && apt-get install -y chromium` (.ci/run does this)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page in its own context (its own, empty localStorage); script errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.script_errors = errors
    try:
        yield tab
        assert errors == [], f"script errors on the page: {errors}"
    finally:
        context.close()


@pytest.fixture(scope="session")
def book_pages(built_book: Path) -> list[str]:
    """Every HTML page of the built book, as paths relative to its root."""
    return sorted(p.relative_to(built_book).as_posix() for p in built_book.rglob("*.html"))
