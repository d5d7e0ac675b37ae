"""Every `grade` step over the hostile rehearsal cohort, run as an instructor would (issue 9, "Done when").

22 learners (the fewest that hold every honest and hostile kind in both deliveries), two modules
of the real course: the first handed in through nbgrader's exchange, the second as an LMS zip,
both with ``grade rehearse --hostile``. Every command runs in its own process under umask 022:
init, release, rehearse, collect, zip-collect, autograde, status, feedback, export, then
``cohort dashboard`` and ``cohort certificates``. Then:

- honest kinds get the checks score the manifest expects (that this equals nbgrader's executing
  autograde is shown in tests/test_grading_noexec.py and tests/test_grading_e2e.py, once each);
- each hostile kind is reported by learner and reason, earns no more than the manifest says, and
  no command crashes (no traceback anywhere);
- no added cell ran: the manifest's canary files never appear;
- learner markup is inert in the autograded copy (rendered with the formgrader's own template),
  in the feedback pages and the dashboard, opened in headless Chromium;
- no CSV cell starts with a formula character;
- every file in the course folder is 0600 under 0700 folders; the exchange keeps nbgrader's modes.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from affirming_care.grading.hostile import CANARY_DIR
from affirming_care.grading.rehearsal import HOSTILE, SPECIAL, synthetic_roster, write_roster
from affirming_care.grading.sanitise import FORMULA_START
from affirming_care.store import read_answer_file, store_filename
from test_grading_support import BIN, Material, material

pytestmark = pytest.mark.slow
LEARNERS = 22
DUE = "2026-11-20 17:00+00:00"
CHROMIUM = Path("/usr/bin/chromium")
PWNED = "Object.keys(window).filter(k => k.startsWith('__pwned'))"


def run(*args: str | Path, mat: Material, tool: str = "grade") -> subprocess.CompletedProcess[str]:
    """``affirming_care grade ...`` (or ``cohort ...``) in a fresh process under umask 022."""
    return subprocess.run(
        [str(BIN / "affirming_care"), tool, *map(str, args)],
        capture_output=True,
        text=True,
        env=mat.env(),
        timeout=900,
        umask=0o022,
    )


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("hostile-e2e")
    mat = material(tmp)
    root = tmp / "course"
    first, second = mat.modules
    roster = write_roster(synthetic_roster(LEARNERS, seed=7), tmp / "roster.csv")
    steps: list[tuple[str, list[Any], str]] = [
        ("init", ["init", "--course", root, "--roster", roster, "--exchange", tmp / "exchange",
                  "--modules", *mat.modules, "--source", mat.source], "grade"),
        (f"release {first}", ["release", first, "--course", root, "--due", DUE], "grade"),
        (f"release {second}", ["release", second, "--course", root, "--due", DUE], "grade"),
        ("rehearse exchange", ["rehearse", "--course", root, "--modules", first, "--use-existing-folder",
                               "--seed", "7", "--hostile", "--source", mat.source], "grade"),
        ("rehearse zip", ["rehearse", "--course", root, "--modules", second, "--deliver", "zip",
                          "--use-existing-folder", "--seed", "7", "--hostile", "--source", mat.source], "grade"),
        ("collect", ["collect", first, "--course", root], "grade"),
        ("zip-collect", ["zip-collect", second, root / "downloads" / f"{second}-lms-download.zip",
                         "--course", root], "grade"),
        (f"autograde {first}", ["autograde", first, "--course", root], "grade"),
        (f"autograde {second}", ["autograde", second, "--course", root], "grade"),
        ("status", ["status", "--course", root], "grade"),
        ("status json", ["status", "--course", root, "--json"], "grade"),
        (f"feedback {first}", ["feedback", first, "--course", root, "--include-ungraded"], "grade"),
        (f"feedback {second}", ["feedback", second, "--course", root, "--include-ungraded"], "grade"),
        ("export", ["export", "--course", root], "grade"),
        ("dashboard", ["dashboard", "--course", root, "--min-cohort", "3"], "cohort"),
        ("certificates", ["certificates", "--course", root, "--partial"], "cohort"),
    ]  # fmt: skip
    out: dict[str, Any] = {"root": root, "tmp": tmp, "mat": mat, "modules": mat.modules, "results": {}}
    for name, args, tool in steps:
        out["results"][name] = run(*args, mat=mat, tool=tool)
    out["manifest"] = json.loads((root / "rehearsal.json").read_text())["submissions"]
    if out["results"]["status json"].returncode == 0:
        out["status"] = {s["module"]: s for s in json.loads(out["results"]["status json"].stdout)}
    return out


def rows(cycle: dict[str, Any], module: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in cycle["status"][module]["learners"]}


def flat(text: str) -> str:
    return " ".join(text.split())


def test_every_command_exits_0_without_a_traceback(cycle: dict[str, Any]) -> None:
    for name, result in cycle["results"].items():
        text = result.stdout + result.stderr
        assert result.returncode == 0, (name, text[-3000:])
        assert "Traceback" not in text and "MarkupError" not in text, (name, text[-3000:])
        assert "SAWarning" not in text, name


def test_the_rehearsal_holds_every_honest_and_hostile_kind(cycle: dict[str, Any]) -> None:
    first, second = cycle["modules"]
    for m, skip in ((first, "zip_traversal"), (second, "impersonation")):
        kinds = {p["kind"] for p in cycle["manifest"] if p["module"] == m}
        assert set(SPECIAL) | {"complete", "partial"} <= kinds, m
        assert set(HOSTILE) - {skip} <= kinds, (m, set(HOSTILE) - kinds)
    per_learner = {
        (p["kind"], p["learner"])
        for p in cycle["manifest"]
        if p["kind"] in ("markup_name", "formula_name", "impersonation")
    }
    assert len({k for k, _ in per_learner}) == len(per_learner)  # one learner each, in both modules


def test_the_status_after_collect_prints_hostile_names_as_text(cycle: dict[str, Any]) -> None:
    for step in ("collect", "zip-collect", "status"):
        text = cycle["results"][step].stdout
        assert "Ana [she/her]" in text and "[/x] Rich" in text, step
        assert "=cmd|' /C calc'!A0" in text, step


def test_each_hostile_kind_is_reported_by_learner_and_reason(cycle: dict[str, Any]) -> None:
    first = cycle["modules"][0]
    for p in cycle["manifest"]:
        printed = flat(cycle["results"]["collect" if p["module"] == first else "zip-collect"].stdout)
        for reason in p["expected_findings"]:
            if reason == "not on the roster":
                assert repr(p["learner"]) in printed.split("Not on the roster, not collected:")[1], p
                continue
            claimed = [repr(p["learner"]), repr(p["learner"].split("/")[-1]), "'(no id)'"]
            assert any(f"{who}: {reason}" in printed for who in claimed), (p["kind"], p["learner"], reason)
            if p["kind"] != "stranger":
                assert f"{p['learner']!r}: {reason}" in printed, (p["kind"], p["learner"], reason)


def test_each_hand_in_earns_what_the_manifest_expects_and_no_more(cycle: dict[str, Any]) -> None:
    for p in cycle["manifest"]:
        m, sid, kind = p["module"], p["learner"], p["kind"]
        if kind == "stranger":
            assert sid not in rows(cycle, m), sid
            continue
        row = rows(cycle, m)[sid]
        if not p["collected"] or kind == "not_submitted":
            assert not row["submitted"] and not row["autograded"], (m, sid, kind)
            continue
        if kind == "missing_notebook":
            assert not row["autograded"] and "no notebook" in row["problem"]
            continue
        assert row["autograded"] and not row["problem"], (m, sid, kind, row)
        assert row["checks_score"] == p["expected_checks"], (m, sid, kind, row["checks_score"])
        assert row["score"] == row["checks_score"], (m, sid, kind)  # no reflection graded yet, none kept
        if kind == "regraded":
            assert row["reflection"] == "waiting" and row["reflection_score"] is None


def test_added_cells_are_reported_and_never_ran(cycle: dict[str, Any]) -> None:
    canaries = [p for p in cycle["manifest"] if p["canary"]]
    assert {p["kind"] for p in canaries} == {"added_cell", "patched_grader"}
    for p in canaries:
        assert not Path(p["canary"]).exists(), p
        notes = rows(cycle, p["module"])[p["learner"]]["notes"]
        assert any(n.startswith("added code cell after") for n in notes), (p["learner"], notes)
        assert f"{p['learner']}" in cycle["results"][f"autograde {p['module']}"].stdout
    assert (cycle["root"] / CANARY_DIR).is_dir() and not any((cycle["root"] / CANARY_DIR).iterdir())


def csv_files(cycle: dict[str, Any]) -> list[Path]:
    return sorted(cycle["root"].rglob("*.csv"))


def test_no_csv_cell_starts_with_a_formula_character(cycle: dict[str, Any]) -> None:
    files = csv_files(cycle)
    names = {p.relative_to(cycle["root"]).as_posix() for p in files}
    assert {"exports/canvas-gradebook.csv", "exports/moodle-grades.csv", "exports/completion.csv",
            "exports/nbgrader-grades.csv", "certificates/certificates.csv", "roster.csv"} <= names  # fmt: skip
    seen_formula_name = False
    for path in files:
        with path.open(newline="", encoding="utf-8") as fh:
            for line, row in enumerate(csv.reader(fh), 1):
                for cell in row:
                    assert not cell.startswith(FORMULA_START), (path.name, line, cell)
                    seen_formula_name |= cell == "'=cmd|' /C calc'!A0"
    assert seen_formula_name  # the hostile name is there, neutralised


def test_every_file_in_the_course_folder_is_private(cycle: dict[str, Any]) -> None:
    root: Path = cycle["root"]
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    wrong = []
    for path in root.rglob("*"):
        info = path.lstat()
        assert not stat.S_ISLNK(info.st_mode), path
        want = 0o700 if stat.S_ISDIR(info.st_mode) else 0o600
        if stat.S_IMODE(info.st_mode) != want:
            wrong.append((path.relative_to(root).as_posix(), oct(stat.S_IMODE(info.st_mode))))
    assert wrong == []


def test_the_exchange_has_nbgraders_modes_and_released_feedback_is_readable(cycle: dict[str, Any]) -> None:
    """What must be shared: the exchange root (1777), outbound (0755/0644), inbound (2733 + sticky:
    learners hand in but cannot list), feedback (0711, pages 0644 under secret names). Hand-in
    folders in the inbound are made by the learner's own `nbgrader submit` (0777, files 0644)."""
    exchange: Path = cycle["tmp"] / "exchange"
    course = exchange / "affirming-care"
    mode = {p: stat.S_IMODE(p.stat().st_mode) for p in [exchange, *exchange.rglob("*")]}
    assert mode[exchange] == 0o1777 and mode[course / "inbound"] == 0o3733
    assert mode[course / "feedback"] == 0o711
    pages = list((course / "feedback").glob("*.html"))
    assert pages and all(mode[p] == 0o644 for p in pages)
    for p in (course / "outbound").rglob("*"):
        assert mode[p] == (0o755 if p.is_dir() else 0o644), p
    for p, m in mode.items():
        if p.parent == course / "inbound":
            continue  # nbgrader submit's own 0777 hand-in folder, in an inbound no learner can list
        assert not (m & stat.S_IWOTH) or m & stat.S_ISVTX, (p, oct(m))


# In the browser ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser checks need Debian's Chromium (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


def ran_in(browser: Any, page: Path) -> tuple[list[str], list[str], str]:
    """The payload globals set, the requests to anything but a local file, and the title."""
    context = browser.new_context()
    elsewhere: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(("file://", "data:", "about:")):
            r.continue_()
        else:
            elsewhere.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    tab = context.new_page()
    try:
        tab.goto(page.as_uri())
        tab.wait_for_timeout(700)
        return tab.evaluate(PWNED), elsewhere, tab.title()
    finally:
        context.close()


def formgrader_view(notebook: Path, student: Any, out: Path, name: tuple[str, str] = ("", "")) -> Path:
    """The autograded copy as the formgrader's submission view renders it (its template, its exporter)."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {
        "assignment_id": notebook.stem, "notebook_id": notebook.stem, "submission_id": "1", "index": 0,
        "total": 1, "base_url": "", "student": student, "first_name": name[0], "last_name": name[1],
        "notebook_path": "/" + notebook.name,
    }  # fmt: skip
    html, _ = HTMLExporter(config=config).from_filename(str(notebook), resources=resources)
    out.write_text(html, encoding="utf-8")
    return out


def raw_reflection_copy(root: Path, sid: str, m: str, tmp: Path) -> Path:
    """The submitted notebook with the answer file's reflection pasted, uncleaned, into its graded cell."""
    import nbformat

    folder = root / "submitted" / sid / m
    data = read_answer_file(folder / store_filename(m), m)
    assert data is not None
    text = next(r.text for r in data.reflections.values() if r.text)
    nb = nbformat.read(folder / f"{m}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = text
    out = tmp / f"raw-{m}.ipynb"
    nbformat.write(nb, out)
    return out


@pytest.mark.browser
def test_learner_markup_is_inert_in_the_autograded_copy_feedback_and_dashboard(
    cycle: dict[str, Any], chromium: Any, tmp_path: Path
) -> None:
    root: Path = cycle["root"]
    marked = [p for p in cycle["manifest"] if p["kind"] in ("markup_reflection", "markup_name")]
    assert {p["kind"] for p in marked} == {"markup_reflection", "markup_name"}
    pages = [root / "dashboard" / "index.html"]
    for p in marked:
        m, sid = p["module"], p["learner"]
        pages.append(
            formgrader_view(root / "autograded" / sid / m / f"{m}.ipynb", sid, tmp_path / f"{sid}-{m}.html")
        )
        pages.append(root / "feedback" / sid / m / f"{m}.html")
    # The control: the hand-in's reflection placed raw (uncleaned) in its cell runs its payloads,
    # so the check can fail.
    [reflection] = [p for p in marked if p["kind"] == "markup_reflection"][:1]
    control = formgrader_view(
        raw_reflection_copy(root, reflection["learner"], reflection["module"], tmp_path),
        reflection["learner"],
        tmp_path / "control.html",
    )
    ran, _, title = ran_in(chromium, control)
    assert ran and title == "pwned", "the payloads run in a page that does not clean them"
    for page in pages:
        assert page.exists(), page
        ran, elsewhere, title = ran_in(chromium, page)
        assert ran == [] and title != "pwned", page
        assert not [u for u in elsewhere if "127.0.0.1" in u or "localhost" in u], page
        if page.parent.name != "dashboard" and "feedback" in page.parts:
            assert elsewhere == [], (page, elsewhere)


@pytest.mark.browser
def test_a_markup_name_in_the_gradebook_is_inert_in_the_formgrader_view(
    cycle: dict[str, Any], chromium: Any, tmp_path: Path
) -> None:
    """nbgrader's formgrade template writes names unescaped; autograde takes < and > out of them first."""
    from affirming_care.grading.gradebook import gradebook

    [p] = [p for p in cycle["manifest"] if p["kind"] == "markup_name" and p["module"] == cycle["modules"][0]]
    m, sid = p["module"], p["learner"]
    with gradebook(cycle["root"]) as gb:
        student = gb.find_student(sid)
        name = (student.first_name, student.last_name)
    notebook = cycle["root"] / "autograded" / sid / m / f"{m}.ipynb"
    assert notebook.exists()
    assert "<" not in "".join(name) and "__pwned_name" in "".join(name)
    assert sid in cycle["results"][f"autograde {m}"].stdout.split("Names cleaned in the gradebook")[1]
    view = formgrader_view(notebook, sid, tmp_path / "view.html", name)
    ran, _, _ = ran_in(chromium, view)
    assert ran == []


def test_the_certificates_and_dashboard_ran_on_the_cohort(cycle: dict[str, Any]) -> None:
    assert "certificates written" in cycle["results"]["certificates"].stdout
    assert (cycle["root"] / "dashboard" / "index.html").exists()
    assert os.path.getsize(cycle["root"] / "certificates" / "certificates.csv") > 0
