"""Shared fixtures: the mini course under tests/fixtures, and a clean answer folder per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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
    """The whole book, built once per test session into a temporary folder, warnings as errors.

    Shared by tests/test_book.py and the browser tests in tests/browser/.
    """
    out = tmp_path_factory.mktemp("book")
    result = build_book(out, tmp_path_factory.mktemp("book-answers"))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out / "_build" / "html"
