"""Helpers for testing the course (and for benchmarks): one way to build the book, one way to run axe.

The tests, the page-weight and build-time benchmarks all build the book the way the Makefile's
``book`` target does: ``jupyter-book build . -W -n --keep-going``, with answers kept in a
throwaway folder so a build never touches a learner's own answer files.

The browser tests of the book (tests/browser/test_book_in_browser.py) and of the widgets in
JupyterLab (tests/test_widget_keyboard.py, tests/test_posttest_keyboard.py) run axe-core the same
way, through :func:`axe_violations`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from affirming_care import paths

if TYPE_CHECKING:
    from playwright.sync_api import Page

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


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
"""The axe tags of WCAG 2.0, 2.1 and 2.2, levels A and AA."""


def axe_script() -> str:
    """axe-core, as bundled in the axe-playwright-python package (PyPI): never from a CDN."""
    import axe_playwright_python  # type: ignore[import-untyped]  # no type information

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


# One axe run over the union of two rule sets, chosen by axe's own ruleShouldRun: the rules a run
# limited to the WCAG tags would use (that includes target-size, off by default) and the rules a
# default run would use. The same findings as running axe twice, in less than half the time.
# Rules axe marks page-level (landmarks, a page title, ...) run only when the context is the whole
# document: axe itself skips them in a run scoped to a selector.
AXE_ONCE = """async ([tags, selector]) => {
    const page = {page: true};
    const chosen = options => axe._audit.rules.filter(r => axe.utils.ruleShouldRun(r, page, options)).map(r => r.id);
    const wcag = chosen({runOnly: {type: 'tag', values: tags}});
    const usual = chosen({});
    const values = [...new Set([...wcag, ...usual])];
    const found = selector === null ? 1 : document.querySelectorAll(selector).length;
    if (!found) return {wcag, usual, found, violations: []};
    const context = selector === null ? document : selector;
    const result = await axe.run(context, {runOnly: {type: 'rule', values}, resultTypes: ['violations']});
    return {wcag, usual, found, violations: result.violations};
}"""


def axe_violations(page: Page, selector: str | None = None) -> list[dict[str, Any]]:
    """axe-core's violations, in one run, inside every element ``selector`` matches (None: the page).

    Each is axe's own result (``id``, ``impact``, ``help``, ``nodes``...) with two keys added:
    ``wcag`` (the rule checks a WCAG 2.x A/AA success criterion) and ``usual`` (a default axe run
    uses the rule). axe is added to the page from the installed package the first time.
    Fails if the selector matches nothing or axe chose no rules, so a check built on it can fail.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_script())
    result = page.evaluate(AXE_ONCE, [WCAG_TAGS, selector])
    if not result["found"]:
        raise AssertionError(f"axe: nothing on the page matches {selector!r}")
    if not (result["wcag"] and result["usual"]):
        raise AssertionError(f"axe chose no rules: {result}")
    violations: list[dict[str, Any]] = result["violations"]
    for v in violations:
        v["wcag"] = v["id"] in result["wcag"]
        v["usual"] = v["id"] in result["usual"]
    return violations


def axe_summary(violations: list[dict[str, Any]]) -> list[str]:
    """One line per violation, for an assertion message: rule, impact, help and where (three nodes)."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    ]
