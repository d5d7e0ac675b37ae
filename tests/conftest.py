"""Shared fixtures: the mini course under tests/fixtures, and a clean answer folder per test."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from affirming_care.loader import cached_course
from affirming_care.testing import build_book

TESTS = Path(__file__).parent
REPO = TESTS.parent
MINI = TESTS / "fixtures" / "mini-course"


@pytest.fixture
def mini_course(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A copy of the one-module mini course, used as the content for this test."""
    root = tmp_path / "mini-course"
    shutil.copytree(MINI, root)
    monkeypatch.setenv("AFFIRMING_CARE_CONTENT", str(root / "content"))
    cached_course.cache_clear()
    yield root
    cached_course.cache_clear()


@pytest.fixture
def answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder where the widgets keep this test's answer store."""
    folder = tmp_path / "answers"
    folder.mkdir()
    monkeypatch.setenv("AFFIRMING_CARE_ANSWERS", str(folder))
    return folder


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole book, built once per test run into a temporary folder, warnings as errors.

    Shared by tests/test_book.py, tests/test_lms_package.py and the browser tests in tests/browser/.
    Under pytest-xdist (``-n 2``) the workers share one build: the first to need it builds it
    in the run's common temporary folder while holding a lock; the others wait and reuse it.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return _build_book_once(tmp_path_factory.mktemp("book"), tmp_path_factory.mktemp("book-answers"))
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker of this run
    with FileLock(shared / "book.lock"):
        html = shared / "book" / "_build" / "html"
        if (shared / "book.built").exists():
            return html
        _build_book_once(shared / "book", shared / "book-answers")
        (shared / "book.built").touch()
        return html


def _build_book_once(out: Path, answers: Path) -> Path:
    result = build_book(out, answers)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out / "_build" / "html"


# The longest modules by `--durations` (setup included), longest first; other slow modules follow them.
LONGEST = (
    "tests/test_grading_hostile_e2e.py",
    "tests/test_grading_e2e.py",
    "tests/browser/test_book_in_browser.py",
    "tests/test_dashboard.py",
    "tests/browser/test_formgrader_in_browser.py",
    "tests/test_grading_noexec.py",
    "tests/test_lms_package.py",
)


def _longest_first(scope: list[pytest.Item]) -> int:
    path = scope[0].nodeid.split("::")[0]
    return LONGEST.index(path) if path in LONGEST else len(LONGEST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``make test``: ``-n 2 --dist loadscope --no-loadscope-reorder``), hand the
    slow modules out first, so that no long one starts last while the other worker sits idle.

    A module is slow when it has a ``slow`` test. Those that use the built book alternate with
    those that do not, so one worker builds the book while the other grades; the LONGEST go first. Each module's (and
    each notebook's) items keep their order; run in one process, nothing is reordered.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return
    scopes: dict[str, list[pytest.Item]] = {}
    for item in items:  # a scope as pytest-xdist's loadscope splits it
        scopes.setdefault(item.nodeid.rsplit("::", 1)[0], []).append(item)
    book: list[list[pytest.Item]] = []
    other: list[list[pytest.Item]] = []
    rest: list[list[pytest.Item]] = []
    for scope in scopes.values():
        if not any(item.get_closest_marker("slow") for item in scope):
            rest.append(scope)
        elif any("built_book" in getattr(item, "fixturenames", ()) for item in scope):
            book.append(scope)
        else:
            other.append(scope)
    book.sort(key=_longest_first)
    other.sort(key=_longest_first)
    slow = [s for pair in itertools.zip_longest(book, other) for s in pair if s is not None]
    items[:] = [item for scope in slow + rest for item in scope]
