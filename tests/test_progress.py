"""A self-paced learner's progress: read from answer stores the widgets wrote, in Python and in the book's script."""

from __future__ import annotations

import base64
import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
from datetime import date
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from affirming_care import Module
from affirming_care.loader import content_root, load_course
from affirming_care.progress import (
    AnswersClearer,
    CertificateMaker,
    course_summary,
    course_summary_script,
    progress_from_stores,
    progress_html,
    read_progress,
    summary_sentence,
)
from affirming_care.result_file import ModuleResult, PostTestPart, ReflectionPart, embed
from affirming_care.store import AnswerFile, AnswerStore
from affirming_care.testing import build_book
from synthetic_cohort import first_then_right

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "book" / "_static" / "my-progress.js"
REAL = content_root()  # the real course (or $AFFIRMING_CARE_CONTENT), read before any fixture changes it


LONG_ENOUGH = "I would ask what she wants from our work together, and follow her lead. " * 10 + "Then " * 20
"""160 words: within the mini course's reflection range (150 to 350)."""


@pytest.fixture(autouse=True)
def no_results_at_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``~/mNN/feedback`` is looked in for returned results: give each test an empty home."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("AFFIRMING_CARE_RESULTS", raising=False)
    return home


def m02(progress):
    return next(m for m in progress.modules if m.id == "m02")


def write_result(
    path: Path, earned: float = 4.0, passed: bool = True, graded_at: str = "2026-12-01T10:00:00+00:00"
) -> Path:
    """A returned result as ``grade feedback`` writes it (five post-test points, a graded reflection)."""
    result = ModuleResult(
        module="m02",
        posttest=PostTestPart(earned=earned, possible=5, pass_mark=0.75, passed=passed),
        reflection=ReflectionPart(score=9, max=12, threshold=8, graded=True),
        passed=passed,
        graded_at=graded_at,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.model_dump_json(indent=1))
    return path


def test_with_no_answer_files_every_module_is_not_started_and_the_view_is_friendly(
    mini_course: Path, answers: Path
) -> None:
    progress = read_progress()
    html = progress_html(progress)

    assert progress.empty
    assert [m.status for m in progress.modules] == ["not started"]
    assert "You have not started any module yet" in html
    assert "<img" not in html  # no chart of zeros
    assert "m02-two-mistakes.ipynb" in html  # where to start
    assert list(answers.iterdir()) == []  # reading never writes


def test_progress_follows_what_the_widgets_saved(mini_course: Path, answers: Path) -> None:
    module = Module("m02")
    check = module.check("m02-q-one")
    check.select("b")
    check.submit()  # wrong at the first try
    check.select("a")
    check.submit()  # then right

    started = m02(read_progress())

    assert started.status == "started"
    assert (started.checks_answered, started.checks_right, started.checks_right_first) == (1, 1, 0)
    assert started.percent_done == 25  # 1 of 4 parts: 1 case, 2 checks, 1 reflection

    two = module.check("m02-q-two")
    two.select("a", "b")
    two.submit()
    case = module.vignette("m02-kai-intake")
    case.begin()
    case.choose("b")
    case.go_on()
    reflection = module.reflection()
    reflection.write(LONG_ENOUGH)

    done = m02(read_progress())

    assert done.status == "activities done"  # no post-test result has come back
    assert (done.cases_done, done.checks_right, done.checks_right_first) == (1, 2, 1)
    assert done.reflection_words == 160
    assert done.self_assessment is None  # not scored yet
    assert "Post-test: hand in the Module 2 assignment to have it graded" in progress_html(read_progress())


def test_a_self_assessment_is_kept_in_the_store_and_counted_once_complete(
    mini_course: Path, answers: Path
) -> None:
    reflection = Module("m02").reflection()
    reflection.write("Some words about my practice.")
    reflection.assess(accuracy=2, **{"self-awareness": 3})

    assert m02(read_progress()).self_assessment is None  # two of four criteria scored

    reflection.assess(**{"client-centred": 1, "application": 2})
    stored = json.loads((answers / "m02-answers.json").read_text())

    assert stored["reflections"]["m02-reflection"]["self_assessment"] == {
        "accuracy": 2,
        "self-awareness": 3,
        "client-centred": 1,
        "application": 2,
    }
    assert m02(read_progress()).self_assessment == 8
    assert "you scored it 8 of 12" in progress_html(read_progress())


def test_a_skipped_case_is_not_done(mini_course: Path, answers: Path) -> None:
    data = first_then_right(load_course(), "m02", 0)
    data.vignettes = {k: v.model_copy(update={"status": "skipped"}) for k, v in data.vignettes.items()}
    (answers / "m02-answers.json").write_text(data.model_dump_json())
    write_result(answers.parent / "m02" / "feedback" / "2026-12-01 10:00:00" / "m02-result.json")

    progress = m02(read_progress())

    assert progress.posttest == "passed"  # everything else is there
    assert (progress.status, progress.cases_done, progress.cases_skipped) == ("started", 0, 1)
    assert "0 of 1 finished; 1 skipped (a skipped case is not finished)" in progress_html(read_progress())


def test_a_returned_passed_post_test_completes_the_module(mini_course: Path, answers: Path) -> None:
    (answers / "m02-answers.json").write_text(first_then_right(load_course(), "m02", 0).model_dump_json())
    write_result(answers.parent / "m02" / "feedback" / "2026-12-01 10:00:00" / "m02-result.json", 3.5)

    progress = read_progress()

    assert (m02(progress).status, m02(progress).posttest_earned) == ("complete", 3.5)
    assert [m.id for m in progress.complete] == ["m02"]
    assert "Post-test: passed (3.5 of 5 points)" in progress_html(progress)
    assert summary_sentence(progress).startswith("You have completed 1 of 1 modules.")


def test_a_28_word_reflection_does_not_complete_a_module(mini_course: Path, answers: Path) -> None:
    data = first_then_right(load_course(), "m02", 0)
    for r in data.reflections.values():
        r.text = "I would ask what the client wants. " * 4  # 28 words; the prompt asks for 150 to 350
    (answers / "m02-answers.json").write_text(data.model_dump_json())
    write_result(answers.parent / "m02" / "feedback" / "2026-12-01 10:00:00" / "m02-result.json")

    progress = m02(read_progress())

    assert (progress.reflection_words, progress.reflection_in_range) == (28, False)
    assert progress.posttest == "passed" and progress.status == "started"
    assert "28 words; the prompt asks for 150 to 350, so it does not count yet" in progress_html(
        read_progress()
    )


def test_the_newest_result_counts_and_the_page_carries_one(
    mini_course: Path, answers: Path, no_results_at_home: Path
) -> None:
    (answers / "m02-answers.json").write_text(first_then_right(load_course(), "m02", 0).model_dump_json())
    write_result(
        answers.parent / "m02" / "feedback" / "a" / "m02-result.json", 4, True, "2026-12-01T10:00:00+00:00"
    )
    # A later hand-in, returned through nbgrader's exchange: only the page comes back, in ~/m02/feedback.
    later = write_result(no_results_at_home / "x.json", 2, False, "2026-12-02T10:00:00+00:00")
    page = no_results_at_home / "m02" / "feedback" / "2026-12-02 09:00:00" / "m02.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        embed(
            "<html><body><p>nbgrader's page</p></body></html>",
            ModuleResult.model_validate_json(later.read_text()),
        )
    )

    progress = m02(read_progress())

    assert (progress.posttest, progress.posttest_earned, progress.status) == (
        "not passed",
        2,
        "activities done",
    )
    assert progress.result_file == str(page)
    assert "Post-test: not passed yet (2 of 5 points, 75% needed)" in progress_html(read_progress())


def test_results_come_from_the_results_folder_when_it_is_set(
    mini_course: Path, answers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (answers / "m02-answers.json").write_text(first_then_right(load_course(), "m02", 0).model_dump_json())
    write_result(answers.parent / "m02" / "feedback" / "a" / "m02-result.json")  # not looked at now
    monkeypatch.setenv("AFFIRMING_CARE_RESULTS", str(tmp_path / "results"))

    assert m02(read_progress()).posttest == "not graded"
    write_result(tmp_path / "results" / "m02-result.json", 1, False)
    assert m02(read_progress()).posttest == "not passed"


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ('{"format": "affirming-care/result", "module": "m02", "posttest": {"earned": "lots", "possible": 5, '
         '"pass_mark": 0.75, "passed": true}, "passed": true, "graded_at": "2026-12-01T10:00:00"}',
         "field posttest.earned"),
        ('{"format": "affirming-care/result", "module": "m02", "passed": true}', "field posttest"),
        ("{ not json", "not valid JSON"),
        ("x" * 70_000, "more than a result can be"),
    ],
)  # fmt: skip
def test_a_malformed_result_is_reported_by_file_and_field(
    mini_course: Path, answers: Path, content: str, field: str
) -> None:
    (answers / "m02-answers.json").write_text(first_then_right(load_course(), "m02", 0).model_dump_json())
    bad = answers.parent / "m02" / "feedback" / "2026-12-01 10:00:00" / "m02-result.json"
    bad.parent.mkdir(parents=True)
    bad.write_text(content)

    progress = read_progress()

    assert m02(progress).posttest == "not graded" and m02(progress).status == "activities done"
    assert len(progress.problems) == 1
    assert str(bad) in progress.problems[0] and field in progress.problems[0]
    assert 'role="alert"' in progress_html(progress)


def test_a_result_that_is_a_link_is_not_followed(mini_course: Path, answers: Path, tmp_path: Path) -> None:
    target = write_result(tmp_path / "elsewhere.json")
    link = answers.parent / "m02" / "feedback" / "t" / "m02-result.json"
    link.parent.mkdir(parents=True)
    link.symlink_to(target)

    progress = read_progress()

    assert m02(progress).posttest == "not graded"
    assert "not a regular file" in progress.problems[0]


def test_a_damaged_file_is_reported_and_left_where_it_is(mini_course: Path, answers: Path) -> None:
    path = answers / "m02-answers.json"
    path.write_text('{"format": "affirming-care/answers", "version": 1, "module": "m02", "checks": {')

    progress = read_progress()

    assert m02(progress).status == "not started"
    assert progress.problems and "m02-answers.json" in progress.problems[0]
    assert "not valid JSON" in progress.problems[0]
    assert path.exists() and [p.name for p in answers.iterdir()] == ["m02-answers.json"]
    assert 'role="alert"' in progress_html(progress)


def test_the_view_has_a_chart_with_alt_text_and_a_table(mini_course: Path, answers: Path) -> None:
    AnswerStore("m02").answer_check("m02-q-one", ["a"])

    html = progress_html(read_progress())
    img = re.search(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)">', html)

    assert img is not None
    assert base64.b64decode(img.group(1))[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Module 2 (25% done)" in img.group(2)
    assert "<caption>Your progress, module by module</caption>" in html
    assert "1 of 2 answered; 1 right at the first try, 1 right now" in html


def test_the_real_course_progress_adds_up(tmp_path: Path) -> None:
    course = load_course()
    mids = sorted(course.modules)
    finished, started = mids[::2], mids[1::2]
    for mid in finished:
        (tmp_path / f"{mid}-answers.json").write_text(first_then_right(course, mid, 1).model_dump_json())
    for mid in started:
        part = first_then_right(course, mid, 0)
        part.reflections = {}
        part.vignettes = {}
        (tmp_path / f"{mid}-answers.json").write_text(part.model_dump_json())

    progress = read_progress(tmp_path, course)

    assert [m.id for m in progress.activities_done] == finished  # no post-test result: not complete
    assert progress.complete == [] and progress.minutes_complete == 0
    expected_started = [
        m
        for m in started
        if course.module(m).questions and (course.module(m).vignettes or course.module(m).reflection)
    ]
    assert [m.id for m in progress.started] == expected_started
    assert summary_sentence(progress).startswith(
        f"You have completed 0 of {len(mids)} modules. You have done the activities of {len(finished)} more modules"
    )


# The book's script computes the same progress -----------------------------------------------------------


def run_script(summary: dict, stores: dict, raw: dict | None = None) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to test book/_static/my-progress.js (the machine has Node.js 20)")
    program = """
const fs = require("fs");
import(process.argv[1]).then((api) => {
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const keys = Object.keys(input.raw);
const storage = { getItem: (k) => (k in input.raw ? input.raw[k] : null), key: (i) => keys[i], length: keys.length };
const read = api.readStores(storage, input.summary);
const progress = api.courseProgress(input.summary, Object.assign({}, input.stores, read.stores), read.problems);
process.stdout.write(JSON.stringify({
  progress, sentence: api.summarySentence(progress), alt: api.chartAlt(progress), problems: read.problems,
}));
});
"""
    result = subprocess.run(
        [node, "-e", program, SCRIPT.as_uri()],
        input=json.dumps({"summary": summary, "stores": stores, "raw": raw or {}}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def sample_stores(course) -> dict[str, AnswerFile]:
    """Varied stores: finished, partly done, only a reflection with a full self-assessment, nothing."""
    mids = sorted(course.modules)
    stores: dict[str, AnswerFile] = {}
    for n, mid in enumerate(mids):
        data = first_then_right(course, mid, n)
        if n % 4 == 1:
            data.vignettes = {
                k: v.model_copy(update={"status": "in-progress"}) for k, v in data.vignettes.items()
            }
            data.checks = dict(list(data.checks.items())[:1])
        elif n % 4 == 2:
            data.vignettes, data.checks = {}, {}
            for r in data.reflections.values():
                r.self_assessment = {c.id: (i + n) % 4 for i, c in enumerate(course.rubric.criteria)}
        elif n % 4 == 3:
            continue
        stores[mid] = data
    return stores


@pytest.mark.parametrize("which", ["mini", "real"])
def test_the_book_script_computes_the_same_progress_as_python(which: str, mini_course: Path) -> None:
    course = load_course(mini_course / "content") if which == "mini" else load_course(REAL)
    stores = sample_stores(course)
    # The mini course has one module: try an empty store on it too.
    variants = [stores, {}, {"m02": AnswerFile(module="m02")}] if which == "mini" else [stores, {}]
    if which == "mini":  # a skipped case, and a reflection below the word range
        skipped = first_then_right(course, "m02", 1)
        skipped.vignettes = {
            k: v.model_copy(update={"status": "skipped"}) for k, v in skipped.vignettes.items()
        }
        short = first_then_right(course, "m02", 2)
        for r in short.reflections.values():
            r.text = "Too short. " * 14
        variants += [{"m02": skipped}, {"m02": short}]
    for variant in variants:
        python = progress_from_stores(course, variant)

        js = run_script(
            course_summary(course), {k: json.loads(v.model_dump_json()) for k, v in variant.items()}
        )

        assert js["progress"]["modules"] == [m.to_json() for m in python.modules]
        assert {k: v for k, v in js["progress"].items() if k != "modules"} == {
            k: v for k, v in python.to_json().items() if k != "modules"
        }
        assert js["sentence"] == summary_sentence(python)


def test_the_book_script_reports_a_damaged_key_and_reads_the_rest(mini_course: Path) -> None:
    course = load_course(mini_course / "content")
    raw = {
        "affirming-care:answers:m02": '{"format": "affirming-care/answers", "version": 2, "module": "m02"}'
    }

    js = run_script(course_summary(course), {}, raw)

    assert "m02" in js["problems"] and "another version of the course" in js["problems"]["m02"]
    assert js["progress"]["modules"][0]["status"] == "not started"
    good = first_then_right(course, "m02", 0).model_dump_json()
    js = run_script(course_summary(course), {}, {"affirming-care:answers:m02": good})
    assert js["progress"]["modules"][0]["status"] == "activities done"  # the book never has a result
    assert js["progress"]["modules"][0]["posttest"] == "not graded"


def test_the_course_summary_is_safe_inside_a_script_element(mini_course: Path) -> None:
    html = course_summary_script(load_course(mini_course / "content"))

    body = html.removeprefix('<script type="application/json" id="ac-course-summary">').removesuffix(
        "</script>"
    )
    assert "</" not in body
    assert json.loads(body)["modules"][0]["checks"][1] == {"answer": ["a", "b"], "id": "m02-q-two"}


def test_the_book_page_loads_the_script_and_the_course_data() -> None:
    page = (REPO / "book" / "my-progress.md").read_text()

    assert '<script type="module" src="../_static/my-progress.js"></script>' in page
    assert "show_course_summary()" in page
    assert 'id="ac-my-progress"' in page
    assert "my-progress.js" not in (REPO / "_config.yml").read_text()  # this page only
    assert "https://" not in SCRIPT.read_text().replace("http://www.w3.org/2000/svg", "")


# The progress notebook and its certificate -------------------------------------------------------------


def test_the_progress_notebook_reads_like_instructions_and_is_stored_clean() -> None:
    nb = nbformat.read(REPO / "notebooks" / "my-progress.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]

    assert [c.source.splitlines()[0].startswith("# ") for c in code] == [True, True, True]
    assert all("remove-input" in c.metadata.get("tags", []) for c in code)
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "show_progress()" in code[0].source and "certificate_maker()" in code[1].source
    assert "answers_clearer()" in code[2].source


def test_the_certificate_button_explains_what_is_missing_then_writes_an_unverified_pdf(
    mini_course: Path, answers: Path
) -> None:
    maker = CertificateMaker(on=date(2026, 11, 26))

    assert maker.make() is None
    assert "Type your name" in maker.status.value
    maker.name.value = "Inés Okafor"
    assert maker.make() is None
    assert "Complete at least one module first" in maker.status.value

    (answers / "m02-answers.json").write_text(first_then_right(load_course(), "m02", 0).model_dump_json())
    assert maker.make() is None  # activities done, but no post-test result yet
    write_result(answers.parent / "m02" / "feedback" / "2026-12-01 10:00:00" / "m02-result.json")
    path = maker.make()

    assert path == answers / "my-certificate.pdf"
    text = " ".join(PdfReader(path).pages[0].extract_text().split())
    assert "Unverified: self-reported completion" in text
    assert "post-test was graded and passed" in text and "every case was finished" in text
    assert "Inés Okafor" in text
    assert "Module 2: The two most common mistakes" in text
    assert "Estimated hours: 0.75 hours" in text  # 50 minutes, to the quarter hour
    assert "26 November 2026" in text
    assert 'href="my-certificate.pdf"' in maker.status.value


# The book page in a browser ---------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def progress_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book with only the My progress page, built (warnings as errors) on the mini course."""
    out = tmp_path_factory.mktemp("progress-book")
    toc = out / "_toc.yml"
    toc.write_text("format: jb-book\nroot: book/my-progress\n")
    mini = Path(__file__).parent / "fixtures" / "mini-course" / "content"
    result = build_book(
        out, tmp_path_factory.mktemp("no-answers"), toc=toc, extra_env={"AFFIRMING_CARE_CONTENT": str(mini)}
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out / "_build" / "html"


@pytest.mark.slow
@pytest.mark.browser
def test_the_book_page_shows_progress_from_local_storage(progress_page: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `apt-get install chromium` (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    page_file = progress_page / "book" / "my-progress.html"
    html = page_file.read_text()
    assert '<script type="application/json" id="ac-course-summary">' in html
    assert '<script type="module" src="../_static/my-progress.js"></script>' in html
    store = first_then_right(
        load_course(Path(__file__).parent / "fixtures" / "mini-course" / "content"), "m02", 0
    )
    store.reflections = {}
    # Served over HTTP, as the book is: browsers load no JavaScript modules from file:// pages.
    handler = functools.partial(_QuietHandler, directory=str(progress_page))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            requests_made: list[str] = []
            page.on("request", lambda r: requests_made.append(r.url))
            page.goto(site + "book/my-progress.html")
            box = page.locator("#ac-my-progress")

            assert "You have not started any module in this browser yet" in box.inner_text()

            page.evaluate(
                "s => localStorage.setItem('affirming-care:answers:m02', s)", store.model_dump_json()
            )
            page.reload()
            text = box.inner_text()
            chart = box.get_by_role("img")

            assert "You have completed 0 of 1 modules. You have started 1 more." in text
            assert "started (75% done)" in text
            assert "2 of 2 answered; 1 right at the first try, 2 right now" in text
            assert "not written yet" in text
            assert "Module 2 (75% done)" in (chart.get_attribute("aria-label") or "")
            assert page.locator("table.ac-progress-table th[scope=row]").count() == 1
            assert all(u.startswith(site) for u in requests_made), requests_made
        finally:
            browser.close()
            server.shutdown()


def test_the_progress_command_prints_the_table_and_json(
    mini_course: Path, answers: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from affirming_care.cli import main

    assert main(["cohort", "progress", "--answers", str(answers)]) == 0
    assert "no module started" in " ".join(capsys.readouterr().out.split())

    AnswerStore("m02").answer_check("m02-q-one", ["a"])
    assert main(["cohort", "progress", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)

    assert data["started"] == 1 and data["modules"][0]["checks_right_first"] == 1
    assert main(["cohort", "progress", "--answers", str(answers / "missing")]) == 1


def test_my_progress_names_a_kept_damaged_file(mini_course: Path, answers: Path) -> None:
    (answers / "m02-answers.json").write_text("{ not json")
    Module("m02").check("m02-q-one")  # opening the module keeps the damaged file aside

    progress = read_progress()
    kept = next(answers.glob("m02-answers.DAMAGED-*.json"))

    assert progress.problems and kept.name in progress.problems[0]
    assert kept.name in progress_html(progress)


def test_the_book_script_names_answers_kept_aside(mini_course: Path) -> None:
    course = load_course(mini_course / "content")
    raw = {"affirming-care:answers:m02:damaged-20261201T101010": "{not json"}

    js = run_script(course_summary(course), {}, raw)

    assert "affirming-care:answers:m02:damaged-20261201T101010" in js["problems"]["m02"]


def test_clearing_moves_every_answer_file_aside_into_a_dated_folder_after_asking(
    mini_course: Path, answers: Path
) -> None:
    module = Module("m02")
    module.reflection().write("I would ask every client the same questions.")
    (answers / "m02-answers.DAMAGED-20261201T100000.json").write_text("{not json")
    (answers / "notes.txt").write_text("not an answer file")
    clearer = AnswersClearer(answers)

    clearer.ask()
    assert "m02-answers.json" in clearer.status.value and "DAMAGED" in clearer.status.value
    assert clearer.confirm.layout.display == "flex"
    clearer.keep()
    assert (answers / "m02-answers.json").exists()  # "Keep my answers" moves nothing

    clearer.ask()
    aside = clearer.clear()

    assert aside is not None and aside.name.startswith("cleared-answers-20")
    assert sorted(p.name for p in aside.iterdir()) == [
        "m02-answers.DAMAGED-20261201T100000.json",
        "m02-answers.json",
    ]
    assert sorted(p.name for p in answers.iterdir()) == [aside.name, "notes.txt"]
    assert "I would ask every client" in (aside / "m02-answers.json").read_text()  # moved, not deleted
    assert aside.name in clearer.status.value and 'role="status"' in clearer.status.value
    assert read_progress(answers).empty
    clearer.ask()
    assert "nothing to move" in clearer.status.value
    assert clearer.confirm.layout.display == "none"


def test_the_progress_notebook_says_how_to_clear_answers() -> None:
    nb = nbformat.read(REPO / "notebooks" / "my-progress.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)

    assert "answers_clearer()" in text
    assert "cleared-answers-" in text and "Nothing is deleted" in text


def test_the_result_a_page_carries_is_the_last_one_and_cannot_end_its_script_early(tmp_path: Path) -> None:
    from affirming_care.result_file import read_result

    planted = write_result(tmp_path / "planted.json", 5, True)
    ours = ModuleResult.model_validate_json(write_result(tmp_path / "ours.json", 1, False).read_text())
    fake = embed("<p>learner text</p>", ModuleResult.model_validate_json(planted.read_text()))
    ours = ours.model_copy(update={"graded_at": "2026-12-01T10:00:00+00:00 </script>"[:40]})
    page = tmp_path / "m02.html"
    page.write_text(embed(f"<html><body>{fake}</body></html>", ours))

    assert page.read_text().count('id="affirming-care-result"') == 1  # an earlier block is replaced
    got = read_result(page, "m02")
    assert (got.posttest.earned, got.passed) == (1, False)
    assert "</script>" not in page.read_text().split('id="affirming-care-result">')[1].split("</script>")[0]
