"""The JupyterLab a learner opens shows none of nbgrader's instructor tools; instructors keep them.

Starts the very command ``make course`` runs (read from ``make -n``), in a real JupyterLab on
127.0.0.1, and looks at it in Debian's Chromium: no Formgrader, Create Assignment, Course List or
Validate, in the menus, the side panels or on the server; the Assignment List stays, for cohort
learners. Then the JupyterLab that ``affirming_care grade formgrader`` starts still has the
Formgrader. Chromium must be installed (`apt-get install chromium`); `.ci/run` installs it.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
INSTRUCTOR_PLUGINS = [
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:validate-assignment",
]
INSTRUCTOR_WORDS = ["Formgrader", "Create Assignment", "Course List", "Courses", "Validate"]
TEST_ARGS = [
    "--no-browser", "--IdentityProvider.token=", "--ServerApp.password=",
    "--expose-app-in-browser", "--LabApp.news_url=",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_course_command() -> str:
    """The shell command `make course` runs, as make prints it (the environment is not rebuilt)."""
    out = subprocess.run(
        ["make", "-n", "-s", "-o", ".venv/.installed-stamp", "course", f"BIN={Path(sys.executable).parent}"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    command = out.replace("\\\n", " ").strip()
    assert "jupyter lab" in command, out
    return command


@contextmanager
def jupyterlab(shell_command: str, root: Path, port: int) -> Iterator[str]:
    """Run ``shell_command`` plus the test's own arguments, in the checkout; yield its address.

    Settings a user changes go to ``root``, never to the checkout or the home folder.
    """
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".user-config"))
    env.pop("JUPYTER_CONFIG_PATH", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    extra = TEST_ARGS if f"--port={port}" in shell_command else [*TEST_ARGS, f"--port={port}"]
    log_path = root / f"lab-{port}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            f"exec env {shell_command} {shlex.join(extra)}",
            shell=True, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"JupyterLab did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def status(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


def what_lab_shows(url: str) -> dict[str, Any]:
    """The nbgrader plugins, commands, menu items and side panels of the JupyterLab at ``url``."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `apt-get install chromium` (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{url}/lab")
            page.wait_for_function("window.jupyterapp && window.jupyterapp.started", timeout=90_000)
            page.evaluate("window.jupyterapp.restored")
            page.wait_for_selector("#jp-MainMenu", timeout=60_000)
            shown = page.evaluate(
                """plugins => {
                    const app = window.jupyterapp;
                    const menus = [...document.querySelectorAll('#jp-MainMenu .lm-MenuBar-itemLabel')]
                        .map(e => e.textContent);
                    return {
                        active: plugins.filter(p => app.isPluginActivated(p)),
                        menus,
                        commands: app.commands.listCommands().filter(c => c.startsWith('nbgrader:')),
                        panels: ['left', 'right'].flatMap(area => [...app.shell.widgets(area)]
                            .map(w => w.title.caption || w.title.label || w.id)),
                    };
                }""",
                INSTRUCTOR_PLUGINS,
            )
            shown["menu_items"] = []
            if "Nbgrader" in shown["menus"]:
                page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").click()
                page.wait_for_selector("#jp-mainmenu-nbgrader", timeout=10_000)
                shown["menu_items"] = page.locator(
                    "#jp-mainmenu-nbgrader .lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel"
                ).all_text_contents()
                page.keyboard.press("Escape")
            shown["toolbar"] = page.locator(".jp-Toolbar").all_text_contents()
            return shown
        finally:
            browser.close()


def test_the_learner_jupyterlab_has_no_instructor_tools(tmp_path: Path) -> None:
    command = make_course_command()
    assert "deploy/learner" in command  # the learners' settings, which deploy/ and binder/ use too
    with jupyterlab(command, tmp_path, free_port()) as url:
        formgrader = status(f"{url}/formgrader")
        assignments = status(f"{url}/assignments")
        shown = what_lab_shows(url)

    assert shown["active"] == [], shown
    assert "nbgrader:open-formgrader" not in shown["commands"]
    assert "nbgrader:open-create-assignment" not in shown["commands"]
    assert "nbgrader:open-course-list" not in shown["commands"]
    assert shown["menu_items"] == ["Assignment List"], shown
    visible = json.dumps([shown["panels"], shown["menu_items"], shown["toolbar"]])
    assert not [word for word in INSTRUCTOR_WORDS if word in visible], visible
    assert formgrader == 404  # the server extension is off, not only hidden
    assert assignments != 404  # learners in a cohort fetch and submit here


def test_the_formgrader_command_still_opens_the_formgrader(tmp_path: Path) -> None:
    from affirming_care.instructor import formgrader_command

    port = free_port()
    command = shlex.join(formgrader_command(tmp_path, port))
    assert "deploy/learner" not in command
    with jupyterlab(command, tmp_path, port) as url:
        formgrader = status(f"{url}/formgrader")
        shown = what_lab_shows(url)

    assert formgrader != 404
    assert "@jupyter/nbgrader:formgrader" in shown["active"]
    assert "Formgrader" in shown["menu_items"]


def test_binder_and_both_hubs_give_learners_the_same_settings() -> None:
    """One folder of learner settings, put on JUPYTER_CONFIG_PATH everywhere a learner works."""
    learner = REPO / "deploy" / "learner"
    page_config = json.loads((learner / "labconfig" / "page_config.json").read_text())
    server = json.loads((learner / "jupyter_server_config.json").read_text())
    start = (REPO / "binder" / "start").read_text()
    dockerfile = (REPO / "deploy" / "z2jh" / "Dockerfile").read_text()
    install = (REPO / "deploy" / "tljh" / "install.sh").read_text()
    tljh = (REPO / "deploy" / "tljh" / "jupyterhub_config.d" / "affirming-care.py").read_text()

    assert sorted(k for k, v in page_config["disabledExtensions"].items() if v) == sorted(INSTRUCTOR_PLUGINS)
    extensions = server["ServerApp"]["jpserver_extensions"]
    assert extensions["nbgrader.server_extensions.formgrader"] is False
    assert extensions["nbgrader.server_extensions.assignment_list"] is True
    assert (
        "deploy/learner" in start
        and "JUPYTER_CONFIG_PATH" in start
        and os.access(REPO / "binder" / "start", os.X_OK)
    )
    assert "COPY deploy/learner" in dockerfile and "ENV JUPYTER_CONFIG_PATH=" in dockerfile
    assert "deploy/learner/labconfig/page_config.json" in install and '"JUPYTER_CONFIG_PATH"' in tljh
    # Nothing turns the tools off for everyone (the graders' formgrader services share the environment).
    for text in (dockerfile, install):
        assert "extension disable" not in text
