"""Learner markup is inert where the instructor reads it: nbgrader's formgrader and the feedback page,
opened in headless Chromium (issue 9, item 3).

A course folder with one released module (m00) and two learners; one hands in a reflection full
of script payloads, with an added Markdown cell and an added raw HTML cell, and is autograded
with the course's nbgrader_config.py. Each payload, if it ran, would set a ``window.__pwned_*``
global. A control shows that the same hand-in, rendered as it was submitted, does run them.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from affirming_care.grading.course import SOURCE, formgrader_command
from test_grading_support import Material, grade

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MODULE = "m00"
LEARNER = "ana.kim"
PAYLOADS = [
    "<script>window.__pwned_script = 1</script>",
    '<img src=x onerror="window.__pwned_img = 1">',
    '<svg onload="window.__pwned_svg = 1"></svg>',
    '<iframe srcdoc="<script>parent.__pwned_iframe = 1</script>"></iframe>',
    '<a class=bait href="javascript:window.__pwned_href = 1">bait</a>',
    "[bait](javascript:window.__pwned_mdlink=1)",
]
REFLECTION = "My honest reflection: I assumed too much.\n\n" + "\n\n".join(PAYLOADS)
PWNED = "Object.keys(window).filter(k => k.startsWith('__pwned'))"


def hand_in(root: Path) -> Path:
    """The released notebook with the payloads in the reflection, an added Markdown and raw cell."""
    nb = nbformat.read(root / "release" / MODULE / f"{MODULE}.ipynb", as_version=4)
    answers = [
        c for c in nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")
    ]
    assert answers, "m00 has a reflection answer cell"
    answers[0].source = REFLECTION
    nb.cells.append(nbformat.v4.new_markdown_cell('<img src=y onerror="window.__pwned_added = 1"> added'))
    nb.cells.append(
        nbformat.v4.new_raw_cell(
            "<script>window.__pwned_raw = 1</script>",
            metadata={"raw_mimetype": "text/html", "format": "text/html"},
        )
    )
    dest = root / "submitted" / LEARNER / MODULE / f"{MODULE}.ipynb"
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("formgrader")
    mat = Material(source=SOURCE, modules=[MODULE], content=None)
    root = tmp / "course"
    roster = tmp / "roster.csv"
    roster.write_text(
        "id,first_name,last_name,email\n"
        f"{LEARNER},Ana,Kim [she/her],ana@example.org\n"
        "ben.okafor,Ben,Okafor,ben@example.org\n",
        encoding="utf-8",
    )
    grade("init", "--course", root, "--roster", roster, "--modules", MODULE, "--source", SOURCE, mat=mat)
    grade("release", MODULE, "--course", root, mat=mat)
    submitted = hand_in(root)
    control = tmp / "as-submitted.html"
    subprocess.run(
        [str(Path(sys.executable).parent / "jupyter"), "nbconvert",
         "--to", "html", str(submitted), "--output", str(control)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    grade("autograde", MODULE, "--course", root, mat=mat)
    grade("feedback", MODULE, "--course", root, "--include-ungraded", mat=mat)

    from affirming_care.grading.gradebook import gradebook

    with gradebook(root) as gb:
        # A name that reached the gradebook without the roster check (which refuses it: see
        # test_grading_escape.py): the students list must still show it as text.
        gb.find_student("ben.okafor").last_name = '<img src=z onerror="window.__pwned_name = 1">'
        gb.db.commit()
        submission = gb.find_submission_notebook(MODULE, MODULE, LEARNER).id

    port, token = free_port(), secrets.token_hex(16)
    cmd = [
        *formgrader_command(root, port),
        f"--IdentityProvider.token={token}",
        "--ServerApp.open_browser=False",
    ]
    log = (tmp / "formgrader.log").open("w")
    proc = subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT, env=mat.env())
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp / "formgrader.log").read_text()) from None
                time.sleep(1)
        yield {
            "root": root,
            "base": base,
            "token": token,
            "submission": submission,
            "control": control,
            "feedback": root / "feedback" / LEARNER / MODULE / f"{MODULE}.html",
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    """A page that may reach only this machine; requests elsewhere are refused and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    elsewhere: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "file://", "data:", "about:")):
            r.continue_()
        else:
            elsewhere.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.elsewhere = elsewhere
    try:
        yield page
    finally:
        context.close()


def click_bait(page: Any) -> None:
    for link in page.get_by_text("bait", exact=True).all():
        with contextlib.suppress(Exception):  # not clickable (no href): nothing to run
            link.click(timeout=2000)
    page.wait_for_timeout(500)


def test_the_control_shows_the_payloads_run_when_not_cleaned(course: dict[str, Any], tab: Any) -> None:
    tab.goto(course["control"].as_uri())
    tab.wait_for_timeout(1500)
    assert len(tab.evaluate(PWNED)) >= 3, "the payloads run in a page that does not clean them"


def test_the_formgrader_submission_view_runs_no_learner_script(course: dict[str, Any], tab: Any) -> None:
    tab.goto(f"{course['base']}/formgrader/submissions/{course['submission']}/?token={course['token']}")
    tab.get_by_text("My honest reflection").first.wait_for(timeout=60000)
    click_bait(tab)

    assert tab.evaluate(PWNED) == []
    assert "Kim [she/her]" in tab.content()


def test_the_formgrader_students_page_shows_a_name_as_text(course: dict[str, Any], tab: Any) -> None:
    tab.goto(f"{course['base']}/formgrader/manage_students?token={course['token']}")
    tab.get_by_text("ben.okafor").first.wait_for(timeout=60000)
    tab.wait_for_timeout(500)

    assert tab.evaluate(PWNED) == []
    assert tab.get_by_text('<img src=z onerror="window.__pwned_name = 1">', exact=False).count() >= 1


def test_the_feedback_page_runs_no_learner_script_and_loads_nothing_from_elsewhere(
    course: dict[str, Any], tab: Any
) -> None:
    page = course["feedback"]
    assert page.exists()
    tab.goto(page.as_uri())
    tab.get_by_text("My honest reflection").first.wait_for(timeout=30000)
    click_bait(tab)

    assert tab.evaluate(PWNED) == []
    assert tab.elsewhere == [], "the feedback page asked another host for something"
    assert "mathjax" not in page.read_text(encoding="utf-8").lower()
