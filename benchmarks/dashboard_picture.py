"""The picture of the cohort dashboard in docs/images/dashboard-rehearsal.png. Not part of CI.

    .venv/bin/python benchmarks/dashboard_picture.py [--keep DIR] [--learners 40]

Makes a rehearsal cohort (``grade rehearse``, 40 made-up learners, Modules 1 to 3, handed in as LMS
zips, most with a pre-course check), collects it (``grade zip-collect``), draws its dashboard
(``cohort dashboard``), and opens the page in Debian's Chromium with Playwright. The picture keeps
the page's title, its introduction, the learning gain and the item analysis of one module (the
other parts are hidden, not changed), reduced to a small palette. It prints the per-module
figures of ``learning-gain.csv``.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = REPO / "docs" / "images" / "dashboard-rehearsal.png"
MODULES = ["m01", "m02", "m03"]
SHOWN_ITEMS = "m02"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]

KEEP_ONLY = """
(shown) => {
  const main = document.querySelector('main');
  const keep = new Set([
    main.querySelector('h1'), main.querySelector('h1 + p'),
    document.querySelector("section[aria-labelledby='learning-gain']"),
    document.querySelector("section[aria-labelledby='item-analysis']"),
  ]);
  for (const el of Array.from(main.children)) if (!keep.has(el)) el.style.display = 'none';
  const items = document.querySelector("section[aria-labelledby='item-analysis']");
  for (const el of Array.from(items.children)) {
    const label = el.getAttribute && el.getAttribute('aria-labelledby');
    if ((label && label !== 'item-analysis-' + shown) || (!label && el.tagName === 'P' && el !== items.querySelector('p')))
      el.style.display = 'none';
  }
}
"""


def run(*args: str) -> None:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", COLUMNS="200")
    subprocess.run([str(BIN / "affirming_care"), *args], check=True, env=env, stdout=subprocess.DEVNULL)


def make_cohort(root: Path, learners: int) -> Path:
    run(
        "grade",
        "rehearse",
        "--course",
        str(root),
        "--learners",
        str(learners),
        "--modules",
        *MODULES,
        "--deliver",
        "zip",
    )
    for mid in MODULES:
        run(
            "grade",
            "zip-collect",
            mid,
            str(root / "downloads" / f"{mid}-lms-download.zip"),
            "--course",
            str(root),
        )
    run("cohort", "dashboard", "--course", str(root))
    return root / "dashboard"


def picture(page_file: Path, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1040, "height": 900}, device_scale_factor=1)
            page.goto(page_file.as_uri())
            page.evaluate(KEEP_ONLY, SHOWN_ITEMS)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
        finally:
            browser.close()
    image = Image.open(out).convert("RGB")
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)


def figures(dashboard: Path) -> list[dict[str, str]]:
    with (dashboard / "learning-gain.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["objective"] == "" and r["module"] in MODULES]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="make the course folder here (a new folder) and keep it")
    parser.add_argument("--learners", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dashboard-picture-") as tmp:
        root = args.keep or Path(tmp) / "course"
        dashboard = make_cohort(root, args.learners)
        picture(dashboard / "index.html", OUT)
        print(f"{OUT.relative_to(REPO)}: {OUT.stat().st_size // 1024} KB")
        for r in figures(dashboard):
            print(
                f"{r['module']}: {r['learners']} learners with both; before {r['before']}, after {r['after']}, "
                f"change {r['change']}, normalised gain {r['normalised_gain']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
