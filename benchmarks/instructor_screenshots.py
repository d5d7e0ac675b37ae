"""Screenshots for book/instructor-guide.md, taken from a real browser. Not part of CI.

    .venv/bin/python benchmarks/instructor_screenshots.py [--keep DIR]

Makes a 12-learner rehearsal course for m02 (the course's own content), collects and autogrades
it, starts JupyterLab on 127.0.0.1 in the course folder, and drives Debian's Chromium with
Playwright: the formgrader's assignment list, its list of submissions, a reflection being graded
with the rubric right above it, and the feedback page a learner gets. The PNGs are reduced to a
small palette and written to book/figures/instructor/.

Until every module of the course is written, ``content/curriculum.yml`` names modules that do not
exist yet and the content does not validate; the script then grades against a copy of the content
whose curriculum lists only the modules that exist (the pictures show only m02).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = REPO / "book" / "figures" / "instructor"
MODULE = "m02"
TOKEN = "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def content_for_pictures(tmp: Path) -> Path:
    """The course content; if it does not validate yet, a copy listing only the modules written so far."""
    from affirming_care.loader import ContentError, load_course

    content = REPO / "content"
    try:
        load_course(content)
        return content
    except ContentError:
        pass
    copy = tmp / "content"
    shutil.copytree(content, copy)
    curriculum = yaml.safe_load((copy / "curriculum.yml").read_text())
    written = sorted(p.name.split("-")[0] for p in copy.iterdir() if (p / "module.yml").exists())
    for point in curriculum["points"]:
        point["taught_in"] = [m for m in point["taught_in"] if m in written] or written[:1]
    (copy / "curriculum.yml").write_text(yaml.safe_dump(curriculum, sort_keys=False, allow_unicode=True))
    load_course(copy)
    return copy


def build_source(content: Path, tmp: Path) -> Path:
    from affirming_care.assignments import write_assignments
    from affirming_care.loader import load_course

    course = load_course(content)
    course.modules = {MODULE: course.module(MODULE)}
    source = tmp / "source"
    write_assignments(course, REPO / "notebooks", source)
    return source


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shrink(path: Path, colors: int = 96) -> None:
    """A small palette keeps a screenshot of text sharp and well under 150 KB."""
    image = Image.open(path).convert("RGB")
    image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="make the course here instead of a temporary folder")
    args = parser.parse_args()
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="instructor-shots-"))
    tmp.mkdir(parents=True, exist_ok=True)
    content = content_for_pictures(tmp)
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", AFFIRMING_CARE_CONTENT=str(content))
    os.environ.update(AFFIRMING_CARE_CONTENT=str(content), PATH=env["PATH"])
    source = build_source(content, tmp)
    root = tmp / "course"
    ag = [str(BIN / "affirming_care"), "grade"]
    for step in (
        ["rehearse", "--learners", "12", "--source", str(source)],
        ["collect", MODULE],
        ["autograde", MODULE],
    ):
        subprocess.run([*ag, *step, "--course", str(root)], env=env, check=True, capture_output=True)

    from affirming_care.grading.gradebook import gradebook

    # A learner with some checks wrong and a reflection to grade shows the most on one page.
    plan = json.loads((root / "rehearsal.json").read_text())["submissions"]
    learner = next(p["learner"] for p in plan if p["kind"] == "partial" and p["reflection_written"])
    with gradebook(root) as gb:
        notebook_id = gb.find_submission_notebook(MODULE, MODULE, learner).id

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    lab = subprocess.Popen(
        [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        shoot(base, root, notebook_id, learner)
    finally:
        lab.terminate()
        lab.wait(timeout=30)
    for png in sorted(OUT.glob("*.png")):
        print(f"{png.relative_to(REPO)}: {png.stat().st_size // 1024} KB")


def shoot(base: str, root: Path, notebook_id: str, learner: str) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{base}/lab?token={TOKEN}")
        page.wait_for_selector("#jp-main-dock-panel", timeout=60000)
        page.wait_for_timeout(2000)
        for name in ("No", "Hide notification"):  # JupyterLab's news prompt
            button = page.get_by_role("button", name=name, exact=True)
            if button.count():
                button.first.click()
                break
        page.wait_for_timeout(500)
        if page.locator("#filebrowser").is_visible():  # more room for the formgrader
            page.locator('[data-id="filebrowser"]').click()
            page.wait_for_timeout(500)
        page.get_by_text("Nbgrader", exact=True).click()
        page.locator(".lm-Menu-itemLabel", has_text="Formgrader").first.click()
        page.wait_for_timeout(3000)
        frame = next(f for f in page.frames if "/formgrader" in f.url)

        frame.locator("table").first.scroll_into_view_if_needed()
        frame.evaluate("document.querySelector('table').scrollIntoView({block: 'center'})")
        page.wait_for_timeout(800)
        page.screenshot(path=OUT / "formgrader-assignments.png")

        frame.goto(f"{base}/formgrader/gradebook/{MODULE}/{MODULE}")
        frame.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)
        page.screenshot(path=OUT / "formgrader-submissions.png")

        page.set_viewport_size({"width": 1280, "height": 1000})
        frame.goto(f"{base}/formgrader/submissions/{notebook_id}/?index=0")
        frame.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)
        grade_id = f"{MODULE}_reflection"
        frame.locator(f"#{grade_id}-comment").fill(
            "A clear, concrete plan. Next time, name one assumption of your own and what you would do about it."
        )
        frame.locator(f"input#{grade_id}").fill("9")
        frame.locator(f"input#{grade_id}").press("Tab")
        page.wait_for_timeout(1000)
        frame.evaluate(f"document.getElementById('{grade_id}-comment').scrollIntoView({{block: 'end'}})")
        frame.evaluate("window.scrollBy(0, 40)")
        page.wait_for_timeout(800)
        page.screenshot(path=OUT / "formgrader-reflection-with-rubric.png")
        browser.close()

    # The grade and comment were saved by the formgrader; now the learner's feedback page.
    env = dict(os.environ)
    subprocess.run(
        [str(BIN / "affirming_care"), "grade", "feedback", MODULE, "--course", str(root), "--include-ungraded"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto((root / "feedback" / learner / MODULE / f"{MODULE}.html").as_uri())
        page.wait_for_timeout(800)
        for part, name in (("ac-ptf-title", "feedback-posttest.png"), ("Part-B", "feedback-reflection.png")):
            page.evaluate(
                f"[...document.querySelectorAll('h2')].find(h => h.id.startsWith('{part}'))"
                ".scrollIntoView({block: 'start'})"
            )
            if part == "Part-B":  # the answer, its score and the grader's comment, under the rubric
                page.evaluate(
                    f"document.querySelector('a[name=\"{MODULE}_reflection\"]').parentElement"
                    ".scrollIntoView({block: 'end'})"
                )
                page.evaluate("window.scrollBy(0, 80)")
            page.wait_for_timeout(300)
            page.screenshot(path=OUT / name)
        browser.close()
    for png in OUT.glob("*.png"):
        shrink(png)


if __name__ == "__main__":
    main()
