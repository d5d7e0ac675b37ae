"""The book builds with warnings as errors, renders cases as static HTML, and asks no other host."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the whole book once, into a temporary folder, with warnings as errors."""
    out = tmp_path_factory.mktemp("book")
    env = dict(os.environ, AFFIRMING_CARE_ANSWERS=str(tmp_path_factory.mktemp("answers")))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "jupyter-book"),
            "build",
            str(REPO),
            "--path-output",
            str(out),
            "-W",
            "-n",
            "--keep-going",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out / "_build" / "html"


def test_the_book_builds_with_warnings_as_errors(built_book: Path) -> None:
    assert (built_book / "index.html").exists()
    assert (built_book / "notebooks" / "m02-two-mistakes.html").exists()


def test_cases_render_statically_with_every_response(built_book: Path) -> None:
    page = (built_book / "notebooks" / "m02-two-mistakes.html").read_text()

    assert page.count('class="ac-vignette"') >= 2
    assert "<details" in page and 'class="ac-client-voice"' in page
    assert "application/vnd.jupyter.widget-view+json" not in page
    assert "from affirming_care import Module" not in page  # code is hidden


def test_no_page_loads_anything_from_another_host(built_book: Path) -> None:
    offenders = []
    for page in built_book.rglob("*.html"):
        text = page.read_text(errors="replace")
        for m in re.finditer(r'<(?:script|link|img|iframe)\b[^>]*?(?:src|href)="(https?:)?//([^"/]+)', text):
            offenders.append(f"{page.relative_to(built_book)}: {m.group(0)[:120]}")
    assert offenders == []
