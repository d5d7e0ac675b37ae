"""The engine's widgets in a real JupyterLab, in headless Chromium, as a learner uses them.

One JupyterLab server for the whole module, on 127.0.0.1, over a copy of the mini course, with
the widget manager set to save widget state (as the course environment is). Each test opens a
notebook of its own. Chromium must be installed (`apt-get install chromium`); `.ci/run` does it.
"""

from __future__ import annotations

import json
import os
import shutil
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

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
MINI = Path(__file__).parent / "fixtures" / "mini-course"
SETTINGS = Path(__file__).parents[1] / "src" / "affirming_care" / "jupyter" / "affirming-care.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notebook(root: Path, name: str, cells: list[str]) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / name)
    return name


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """JupyterLab serving the mini course's notebook, with no token, on loopback only."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(MINI / "notebooks" / "m02-two-mistakes.ipynb", root)
    settings = root / ".settings"
    # The course environment's settings (saved widget state), as user settings for this server.
    for plugin, values in json.loads(SETTINGS.read_text()).items():
        pkg, name = plugin.split(":")
        target = settings / pkg / f"{name}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    port = free_port()
    bindir = Path(sys.executable).parent
    env = dict(
        os.environ,
        AFFIRMING_CARE_CONTENT=str(MINI / "content"),
        JUPYTER_CONFIG_DIR=str(root / ".cfg"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(root / ".workspaces"),
    )
    env.pop("AFFIRMING_CARE_ANSWERS", None)
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `apt-get install chromium` (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    p = context.new_page()
    p.set_default_timeout(20_000)
    yield p
    context.close()


def open_notebook(page: Any, url: str, name: str, run: bool = True) -> None:
    page.goto(f"{url}/lab/tree/{name}?reset")  # a fresh workspace: only this notebook open
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=60_000)
    page.wait_for_function(
        "window.jupyterapp.shell.currentWidget.sessionContext?.session?.kernel?.status === 'idle'",
        timeout=60_000,
    )
    if run:
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.locator(".ac-live").first.wait_for(timeout=60_000)


CUT_OFF = """root => {
  const bad = [];
  for (const el of root.querySelectorAll('.ac-live button, .ac-live label, .ac-live legend, .ac-live p:not(.ac-visually-hidden), .ac-live select, .ac-live')) {
    const s = getComputedStyle(el);
    if (s.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth) bad.push('ellipsis: ' + el.textContent.slice(0, 60));
    if (el.scrollWidth > el.clientWidth + 1 && s.overflowX !== 'auto') bad.push('cut: ' + el.tagName + '.' + el.className + ' ' + el.scrollWidth + '>' + el.clientWidth + ' ' + el.textContent.slice(0, 60));
    if (el.tagName === 'BUTTON' && el.scrollHeight > el.clientHeight + 1) bad.push('cut below: ' + el.textContent.slice(0, 60));
  }
  for (const out of root.querySelectorAll('.jp-OutputArea-output')) {
    if (out.scrollWidth > out.clientWidth + 1) bad.push('output scrolls sideways: ' + out.textContent.slice(0, 60));
  }
  return bad;
}"""

OVERLAP = """root => {
  const boxes = [...root.querySelectorAll('.ac-live .ac-option, .ac-live .ac-field, .ac-live .ac-bar > button')]
    .map(e => [e, e.getBoundingClientRect()]).filter(([e, r]) => r.width > 0);
  const bad = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, r] = boxes[i], [b, q] = boxes[j];
    if (a.contains(b) || b.contains(a)) continue;
    if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1)
      bad.push(a.textContent.slice(0, 30) + ' / ' + b.textContent.slice(0, 30));
  }
  for (const s of root.querySelectorAll('.ac-live select')) if (s.getBoundingClientRect().width < 150) bad.push('narrow select');
  return bad;
}"""


def test_nothing_is_cut_off_or_overlaps_at_1100_and_400_pixels(lab: tuple[str, Path], page: Any) -> None:
    url, _root = lab
    open_notebook(page, url, "m02-two-mistakes.ipynb")
    page.evaluate("window.jupyterapp.commands.execute('filebrowser:activate')")
    page.locator(".jp-FileBrowser").first.wait_for()
    case = page.locator(".ac-live").first
    case.get_by_role("button", name="Start the case about Kai").click()
    page.locator("button.ac-response").first.wait_for()
    for width in (1100, 400, 320):
        if width < 1100:  # on a phone-sized window the learner closes the file browser
            page.evaluate("window.jupyterapp.shell.collapseLeft()")
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(400)
        body = page.locator("body")
        problems = body.evaluate(CUT_OFF)
        assert problems == [], (width, problems)
        assert body.evaluate(OVERLAP) == [], width
        # The whole response is there to read before it is chosen.
        assert "Ask who controls her" in page.locator("button.ac-response").first.inner_text()


def test_focus_goes_to_the_next_control_and_the_ring_is_visible(lab: tuple[str, Path], page: Any) -> None:
    from playwright.sync_api import expect

    url, root = lab
    (root / "m02-answers.json").unlink(missing_ok=True)
    open_notebook(page, url, "m02-two-mistakes.ipynb")
    case = page.locator(".ac-live").first

    case.get_by_role("button", name="Skip this case about Kai").click()
    again = case.get_by_role("button", name="Start the case about Kai")
    expect(again).to_be_focused()
    page.keyboard.press("Enter")
    expect(case.locator(".ac-note")).to_be_visible()  # after a skip, the content note comes again
    expect(again).to_be_focused()
    page.keyboard.press("Enter")
    expect(case.locator("button.ac-response").first).to_be_focused()

    ring = page.evaluate(
        """() => {
          const el = document.activeElement, s = getComputedStyle(el);
          const lum = c => { const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map(v => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
          let bg = el.parentElement, colour = 'rgb(255, 255, 255)';
          while (bg) { const c = getComputedStyle(bg).backgroundColor; if (c && !c.endsWith(', 0)') && c !== 'transparent') { colour = c; break; } bg = bg.parentElement; }
          const a = lum(s.outlineColor), b = lum(colour);
          return { width: parseFloat(s.outlineWidth), style: s.outlineStyle, contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
        }"""
    )
    assert ring["style"] != "none" and ring["width"] >= 2 and ring["contrast"] >= 3, ring

    page.keyboard.press("Enter")  # response A
    expect(case.get_by_role("button", name="Continue Kai's case after response A")).to_be_focused()
    expect(case.locator(".ac-feedback")).to_contain_text("Likely to cause harm")
    assert "MISTAKE-COERCION" not in case.inner_text()
    page.keyboard.press("Enter")  # on to s2, which continues by itself
    expect(case.get_by_role("button", name="Continue Kai's case", exact=True)).to_be_focused()
    page.keyboard.press("Enter")  # the ending
    expect(case.locator(".ac-ending-title")).to_be_focused()
    expect(case.locator(".ac-ending-title")).to_have_text("Ending: Bad")

    # Restart asks first; a finished case stays finished.
    case.get_by_role("button", name="Restart Kai's case").click()
    expect(case.get_by_role("button", name="Yes, start Kai's case again")).to_be_focused()
    page.keyboard.press("Enter")
    expect(case.locator("button.ac-response").first).to_be_focused()
    page.wait_for_timeout(500)
    saved = json.loads((root / "m02-answers.json").read_text())["vignettes"]["m02-kai-intake"]
    assert saved["status"] == "finished" and saved["path"] == ["s1"]

    names = page.evaluate(
        "() => [...document.querySelectorAll('.ac-live button')].map(b => b.getAttribute('aria-label') || b.textContent)"
    )
    assert len(names) == len(set(names)), names

    # A resumed case shows the feedback that was showing.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # response B
    expect(case.locator(".ac-feedback")).to_contain_text("A strong response")
    page.wait_for_timeout(500)
    page.reload()
    open_notebook(page, url, "m02-two-mistakes.ipynb")
    expect(page.locator(".ac-live").first.locator(".ac-feedback")).to_contain_text("A strong response")


def test_checks_are_real_radio_groups_and_checkboxes(lab: tuple[str, Path], page: Any) -> None:
    from playwright.sync_api import expect

    url, root = lab
    (root / "m02-answers.json").unlink(missing_ok=True)
    open_notebook(page, url, "m02-two-mistakes.ipynb")
    one = page.get_by_role("group", name="Question 1.")
    two = page.get_by_role("group", name="Question 2.")
    a, b = one.get_by_role("radio", name="A. A"), one.get_by_role("radio", name="B. B")

    active = "window.jupyterapp.shell.currentWidget.content.activeCellIndex"
    a.focus()
    page.keyboard.press("Space")
    before = page.evaluate(active)
    page.keyboard.press("ArrowDown")  # inside JupyterLab: the radio group, not the next cell
    expect(b).to_be_checked()
    expect(b).to_be_focused()
    assert page.evaluate(active) == before
    expect(two.get_by_role("checkbox")).to_have_count(3)
    expect(two.get_by_role("radio")).to_have_count(0)

    check = page.locator(".ac-live").nth(1)
    check.get_by_role("button", name="Check my answer to question 1").click()
    status = check.locator(".ac-check-status")
    expect(status).to_contain_text("Not quite.")
    a.check()  # practice feedback clears when the ticks change
    expect(status).not_to_contain_text("Not quite.")
    check.get_by_role("button", name="Check my answer to question 1").click()
    expect(status).to_contain_text("Correct.")
    text = status.inner_text()
    assert ".:" not in text and "MISTAKE" not in text and "a right answer" in text

    reflection = page.locator(".ac-live").nth(3)
    scores = reflection.locator("select")
    assert scores.first.evaluate("s => s.options[s.selectedIndex].text") == "Not scored"


def test_a_graded_check_never_shows_an_unsaved_tick_as_saved(lab: tuple[str, Path], page: Any) -> None:
    from playwright.sync_api import expect

    url, root = lab
    name = notebook(root, "graded.ipynb", ['from affirming_care import show\nshow("m02-q-one", graded=True)'])
    open_notebook(page, url, name)
    check = page.locator(".ac-live").first
    check.get_by_role("radio", name="A. A").check()
    check.get_by_role("button", name="Save my answer to question 1").click()
    expect(check.locator(".ac-check-status")).to_have_text(
        "Saved: A. You can change it until you hand in the assignment."
    )
    check.get_by_role("radio", name="B. B").check()
    expect(check.locator(".ac-check-status")).to_contain_text("Not saved yet")
    assert "Saved: A." not in check.locator(".ac-check-status").inner_text()


def test_one_plain_warning_for_a_damaged_answer_file(lab: tuple[str, Path], page: Any) -> None:
    url, root = lab
    (root / "m02-answers.json").write_text(
        '{"format": "affirming-care/answers", "version": 1, "module": "m02", "che'
    )
    open_notebook(page, url, "m02-two-mistakes.ipynb")
    page.wait_for_timeout(1000)

    warnings = page.locator("[data-ac-damaged]")
    assert warnings.count() == 1
    text = warnings.inner_text()
    kept = next(root.glob("m02-answers.DAMAGED-*.json"))
    assert kept.name in text and "rename it back to m02-answers.json" in text
    assert "column" not in text and "JSON" not in text


def test_a_reopened_notebook_shows_every_item_and_says_to_run_the_cells(
    lab: tuple[str, Path], page: Any
) -> None:
    from playwright.sync_api import expect

    url, root = lab
    name = notebook(
        root,
        "reopen.ipynb",
        [
            'from affirming_care import show\nshow("m02-kai-intake")',
            'from affirming_care import show\nshow("m02-q-two")',
        ],
    )
    open_notebook(page, url, name)
    page.locator(".ac-live").nth(1).wait_for()
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_timeout(1500)
    saved = nbformat.read(root / name, as_version=4)
    assert saved.metadata.get("widgets"), "the widget state was not saved with the notebook"

    # After Kernel > Restart without re-running, a click says what to do.
    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()")
    page.wait_for_function(
        "window.jupyterapp.shell.currentWidget.sessionContext?.session?.kernel?.status === 'idle'",
        timeout=60_000,
    )
    page.locator(".ac-live").first.get_by_role("button", name="Start the case about Kai").click()
    expect(page.locator(".ac-live").first.locator("[role=alert]").last).to_contain_text(
        "Run this cell (Shift+Enter) to continue", timeout=10_000
    )

    # With no kernel at all, then a page reload: the items are there, readable, with one plain line each.
    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    page.wait_for_timeout(1000)
    page.reload()
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=60_000)
    page.locator(".ac-live").nth(1).wait_for(timeout=30_000)
    expect(page.get_by_text("Run this cell to continue where you left off.").first).to_be_visible(
        timeout=10_000
    )
    assert page.get_by_text("Error displaying widget").count() == 0
    assert "Kai" in page.locator(".ac-live").first.inner_text()


def test_the_reflection_shows_the_anchors_once_every_criterion_is_scored(
    lab: tuple[str, Path], page: Any
) -> None:
    from playwright.sync_api import expect

    url, root = lab
    (root / "m02-answers.json").unlink(missing_ok=True)
    # The mini course has no anchors file; this stands in for anchors.after_self_score_html, so the
    # test follows the kernel-to-view path (tests/test_widgets.py covers the real anchors).
    stand_in = (
        "import affirming_care.anchors as anchors\n"
        "anchors.after_self_score_html = lambda module, scores, folder=None: "
        "f\"<p class='stand-in'>Anchors for {module}, scored {sum(scores.values())}</p>\""
    )
    name = notebook(
        root, "anchors.ipynb", [stand_in, 'from affirming_care import show\nshow("m02-reflection")']
    )
    open_notebook(page, url, name)
    reflection = page.locator(".ac-live").first
    scores = reflection.locator("select")
    anchors = reflection.locator(".ac-after-score")
    reflection.locator("textarea").fill("I would ask what words she uses for her work.")
    for i in range(scores.count() - 1):
        scores.nth(i).select_option("1")
    page.wait_for_timeout(1500)  # every save acknowledged by the kernel

    expect(anchors).to_be_hidden()

    scores.nth(scores.count() - 1).select_option("2")

    expect(anchors).to_be_visible()
    expect(anchors).to_contain_text(f"Anchors for m02, scored {scores.count() + 1}")


# axe-core in JupyterLab -----------------------------------------------------------------------------------

WIDGET_OUTPUTS = ".jp-OutputArea-output:has(.ac-live)"
"""Every cell output that holds a course widget: the scope of the axe runs below."""


def lab_axe_violations(page: Any, selector: str = WIDGET_OUTPUTS) -> list[dict[str, Any]]:
    """axe's violations inside ``selector``, every widget on screen while axe looks.

    JupyterLab's shell is absolutely positioned in a <body> of height 0 with ``overflow: hidden``;
    axe's isVisibleOnScreen then takes everything in the notebook for hidden (dequelabs/axe-core
    issues 3996 and 4539) and skips the rules that need visible text, color-contrast among them.
    For the run the body gets the window's height (the shell's layout does not change: it is
    positioned against the window) and the window is tall enough to show every cell at once.
    """
    from affirming_care.testing import axe_violations

    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 4000})
    page.evaluate("() => { document.body.style.height = '100vh'; }")
    try:
        page.wait_for_timeout(300)  # the notebook lays out its cells for the taller window
        return axe_violations(page, selector)
    finally:
        page.evaluate("() => { document.body.style.height = ''; }")
        page.set_viewport_size(size)


def assert_no_axe_violations(page: Any, widgets: int) -> None:
    """No axe violation at any impact inside the ``widgets`` cell outputs that hold a course widget."""
    from affirming_care.testing import axe_summary

    assert page.locator(WIDGET_OUTPUTS).count() == widgets  # the scope holds every widget meant
    assert axe_summary(lab_axe_violations(page)) == []


def test_axe_finds_nothing_in_the_case_checks_and_reflection_in_jupyterlab(
    lab: tuple[str, Path], page: Any
) -> None:
    """WCAG 2.2 AA (and every other rule of a default run, at any impact) as axe-core measures it.

    axe runs over the cell outputs that hold the course's widgets, not over the whole JupyterLab
    shell: the shell's own findings are upstream issues we do not own. First the case at its start
    (with its content note), the checks unanswered and the reflection empty; then the case with a
    choice's feedback showing, both practice checks answered with their feedback, and the
    reflection with text and a score.
    """
    from playwright.sync_api import expect

    url, root = lab
    (root / "m02-answers.json").unlink(missing_ok=True)
    open_notebook(page, url, "m02-two-mistakes.ipynb")
    page.locator(".ac-live").nth(3).wait_for()
    case, one, two, reflection = (page.locator(".ac-live").nth(i) for i in range(4))
    expect(case.locator(".ac-note")).to_be_visible()
    assert_no_axe_violations(page, 4)

    case.get_by_role("button", name="Start the case about Kai").click()
    case.locator("button.ac-response").first.click()
    expect(case.locator(".ac-feedback")).to_contain_text("Likely to cause harm")
    one.get_by_role("radio", name="B. B").check()
    one.get_by_role("button", name="Check my answer to question 1").click()
    expect(one.locator(".ac-check-status")).to_contain_text("Not quite.")
    two.get_by_role("checkbox").first.check()
    two.get_by_role("button", name="Check my answer to question 2").click()
    expect(two.locator(".ac-check-status")).not_to_be_empty()
    reflection.locator("textarea").fill("I would ask what words she uses for her work.")
    reflection.locator("select").first.select_option("1")
    assert_no_axe_violations(page, 4)


def test_axe_reports_a_problem_planted_in_a_widget_output_and_nothing_outside(
    lab: tuple[str, Path], page: Any
) -> None:
    """The control for the tests of axe in JupyterLab: the same scoped run finds an image without a
    text alternative, a button without a name and faint text (color-contrast, which needs the
    workaround in lab_axe_violations) put into a widget's output, and not ones put into the
    JupyterLab shell outside it."""
    url, root = lab
    name = notebook(root, "planted.ipynb", ['from affirming_care import show\nshow("m02-q-one")'])
    open_notebook(page, url, name)
    page.evaluate(
        """sel => {
          const bad = '<img src="data:,"><button style="width:2rem;height:2rem"></button>'
            + '<p style="color:#bbb;background:#fff">Faint text</p>';
          document.querySelector(sel).insertAdjacentHTML('beforeend', '<div class="planted-in">' + bad + '</div>');
          document.querySelector('#jp-top-panel').insertAdjacentHTML('beforeend', '<div class="planted-out">' + bad + '</div>');
        }""",
        WIDGET_OUTPUTS,
    )

    found = {v["id"]: v for v in lab_axe_violations(page)}

    assert {"image-alt", "button-name", "color-contrast"} <= found.keys(), found.keys()
    assert found["image-alt"]["wcag"] and found["image-alt"]["impact"] == "critical"
    targets = [str(n["target"]) for v in found.values() for n in v["nodes"]]
    assert any("planted-in" in t for t in targets) and not any("planted-out" in t for t in targets), targets
