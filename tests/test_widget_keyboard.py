"""The live widgets in a real JupyterLab, driven by keyboard alone, found by their accessible names.

Starts JupyterLab on 127.0.0.1 over a copy of the mini course and drives Debian's Chromium with
Playwright. Chromium must be installed (`apt-get install chromium`); `.ci/run` installs it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """JupyterLab serving the mini course's notebook, with no token, on loopback only."""
    mini = Path(__file__).parent / "fixtures" / "mini-course"
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(mini / "notebooks" / "m02-two-mistakes.ipynb", root)
    port = free_port()
    bindir = Path(sys.executable).parent
    env = dict(
        os.environ, AFFIRMING_CARE_CONTENT=str(mini / "content"), JUPYTER_CONFIG_DIR=str(root / ".cfg")
    )
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    log = (root / "lab.log").open("w")
    proc = subprocess.Popen(
        [str(bindir / "jupyter"), "lab", "--no-browser", "--allow-root", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         "--IdentityProvider.token=", "--ServerApp.password=", "--expose-app-in-browser",
         f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"JupyterLab did not start:\n{(root / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield url, root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_case_can_be_worked_through_by_keyboard(lab: tuple[str, Path]) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `apt-get install chromium` (.ci/run does this)")
    from playwright.sync_api import expect, sync_playwright

    url, root = lab
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{url}/lab/tree/m02-two-mistakes.ipynb")
        page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=60_000)
        page.wait_for_function(
            "window.jupyterapp.shell.currentWidget.sessionContext?.session?.kernel?.status === 'idle'",
            timeout=60_000,
        )
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

        start = page.get_by_role("button", name="Start the case")
        expect(start).to_be_visible(timeout=60_000)
        start.focus()
        page.keyboard.press("Enter")

        # Tab from the Start button's successor: the responses are buttons, reached with Tab.
        response_b = page.get_by_role("button", name="B. Ask what she wants")
        expect(response_b).to_be_visible(timeout=20_000)
        expect(page.get_by_role("button", name="A. Ask who controls her")).to_be_focused(timeout=10_000)
        page.keyboard.press("Tab")
        expect(response_b).to_be_focused()
        page.keyboard.press("Enter")

        expect(page.get_by_text("A strong response")).to_be_visible(timeout=20_000)
        expect(page.get_by_role("button", name="Continue")).to_be_focused(timeout=10_000)
        page.keyboard.press("Enter")
        expect(page.get_by_text("Ending: Good")).to_be_visible(timeout=20_000)

        # A single-choice check: each answer is a checkbox, reached with Tab and ticked with Space;
        # ticking one unticks the other.
        check = page.locator(".ac-check-widget").first
        a, b = check.get_by_role("checkbox", name="A. A"), check.get_by_role("checkbox", name="B. B")
        a.focus()
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        expect(b).to_be_focused()
        page.keyboard.press("Space")
        expect(a).not_to_be_checked()
        page.keyboard.press("Tab")
        expect(check.get_by_role("button", name="Check my answer")).to_be_focused()
        page.keyboard.press("Enter")
        expect(check.get_by_text("Not quite.")).to_be_visible(timeout=20_000)
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        expect(a).to_be_focused()
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(check.get_by_text("Correct.")).to_be_visible(timeout=20_000)
        browser.close()

    saved = (root / "m02-answers.json").read_text()
    assert '"status": "finished"' in saved and '"choice": "b"' in saved
    assert '"m02-q-one"' in saved
