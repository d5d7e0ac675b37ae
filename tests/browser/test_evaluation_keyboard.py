"""The course evaluation in the book's host, in headless Chromium, by keyboard only.

Quicker than building the whole book: a page of the same parts the book's evaluation page has
(the static view from ``evaluation_html``, the book's script ``affirming-care.js`` and the engine),
served on 127.0.0.1 from a temporary folder.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from affirming_care.evaluation import STANDALONE_MODULE, evaluation_html, load_evaluation
from affirming_care.store import read_answer_file

pytestmark = [pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]
KEY = "affirming-care:answers:evaluation"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Course evaluation</title>
<link rel="stylesheet" href="_static/affirming-care.css">
<script type="module" src="_static/affirming-care.js"></script></head>
<body><main id="main-content"><h1>Course evaluation</h1>{body}
<template id="ac-answers-template"><section class="ac-ui ac-answers"><h2>Your answers on this page</h2></section></template>
</main></body></html>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def evaluation_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("evaluation-page")
    static = folder / "_static"
    static.mkdir()
    for name in ("affirming-care.js", "affirming-care.css"):
        shutil.copy(ROOT / "book" / "_static" / name, static / name)
    shutil.copy(ROOT / "src" / "affirming_care" / "static" / "engine.js", static / "engine.js")
    html = evaluation_html(load_evaluation(), STANDALONE_MODULE, "Saved at once, only in this browser.")
    (folder / "evaluation.html").write_text(PAGE.format(body=html), encoding="utf-8")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/evaluation.html"
    finally:
        server.shutdown()
        server.server_close()


def stored(page: Any) -> dict[str, Any]:
    raw = page.evaluate(f"localStorage.getItem({KEY!r})")
    return json.loads(raw) if raw else {}


def focused(page: Any) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def test_the_evaluation_is_answered_with_the_keyboard_and_kept(
    page: Any, evaluation_page: str, tmp_path: Path
) -> None:
    page.goto(evaluation_page)
    page.wait_for_selector(".ac-live-root fieldset")
    assert page.locator(".ac-live-root fieldset").count() == 4
    assert page.locator(".ac-live-root fieldset legend").first.inner_text().startswith("1.")
    # Tab from the top of the page to the first statement's first point
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused(page).endswith("-objectives-1"):
            break
    assert focused(page) == "course-evaluation--live-objectives-1"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "the focused point has no visible focus"
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # arrows move the choice within the group: 4, Agree
    assert stored(page)["evaluation"]["ratings"] == {"objectives": 4}
    page.keyboard.press("Tab")  # Tab leaves the group for the next statement
    assert focused(page) == "course-evaluation--live-relevance-1"
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("Tab")  # through the other two groups to the comments
    assert focused(page) == "course-evaluation--live-comments"
    page.keyboard.type("Clear & kind <b>cases</b>.")
    page.wait_for_timeout(100)
    record = stored(page)["evaluation"]
    assert record["ratings"] == {"objectives": 4, "relevance": 1}
    assert record["comments"] == "Clear & kind <b>cases</b>."
    assert page.locator(".ac-live-root b").count() == 0  # learner text stays text

    page.reload()
    page.wait_for_selector(".ac-live-root fieldset")
    assert page.is_checked("#course-evaluation--live-objectives-4")
    assert page.input_value("#course-evaluation--live-comments") == "Clear & kind <b>cases</b>."

    with page.expect_download() as download:
        page.get_by_role("button", name="Download my evaluation").press("Enter")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "evaluation-answers.json"
    data = read_answer_file(path, STANDALONE_MODULE)  # the Python reader accepts the book's file
    assert data is not None and data.evaluation is not None
    assert data.evaluation.ratings == {"objectives": 4, "relevance": 1}


def answer_first_statement(page: Any, url: str, key: str) -> dict[str, Any]:
    """Open ``url``, choose "Agree" for the first statement by keyboard; what ``key`` then holds."""
    page.goto(url)
    page.wait_for_selector(".ac-live-root .ac-evaluation-item")
    first = page.locator(".ac-live-root .ac-evaluation-item input[type=radio]").first
    first.focus()
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    raw = page.evaluate(f"localStorage.getItem({key!r})")
    return json.loads(raw) if raw else {}


@pytest.mark.slow
def test_the_built_book_keeps_the_evaluation_on_its_page_and_in_module_12(page: Any, site: str) -> None:
    """The built book: the evaluation page keeps its own answers; Module 12's page keeps them with m12's."""
    on_its_own = answer_first_statement(page, site + "book/evaluation.html", KEY)
    assert on_its_own["module"] == "evaluation" and on_its_own["evaluation"]["ratings"] == {"objectives": 4}
    assert page.get_by_role("button", name="Download my evaluation").is_visible()
    with_capstone = answer_first_statement(
        page, site + "notebooks/m12-capstone.html", "affirming-care:answers:m12"
    )
    assert with_capstone["module"] == "m12" and with_capstone["evaluation"]["ratings"] == {"objectives": 4}
    assert page.get_by_role("button", name="Download my evaluation").count() == 0
