"""Helpers for testing the course (and for benchmarks): one way to build the book.

The tests, the page-weight and build-time benchmarks all build the book the way the Makefile's
``book`` target does: ``jupyter-book build . -W -n --keep-going``, with answers kept in a
throwaway folder so a build never touches a learner's own answer files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from affirming_care import paths

REPO = paths.course_root()


def build_book(
    out: Path,
    answers: Path,
    *,
    toc: Path | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 1800,
) -> subprocess.CompletedProcess[str]:
    """Build the book from this checkout into ``out/_build/html``, warnings as errors.

    Returns the finished process (check ``returncode``); the HTML is in ``out / "_build" / "html"``.
    """
    bindir = Path(sys.executable).parent
    env = dict(os.environ, AFFIRMING_CARE_ANSWERS=str(answers), **(extra_env or {}))
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    answers.mkdir(parents=True, exist_ok=True)
    command = [str(bindir / "jupyter-book"), "build", str(REPO), "--path-output", str(out)]
    command += ["--toc", str(toc)] if toc else []
    command += ["-W", "-n", "--keep-going"]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, check=False)
