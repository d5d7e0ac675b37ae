"""Learner text is data, never markup (issue 9): Markdown, feedback pages, CSV cells, terminal tables,
certificates and roster names. Fast: no nbgrader run (the browser test does that, in Chromium)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import jinja2
import nbformat
import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from rich.console import Console

from affirming_care.cli import main
from affirming_care.grading.course import SOURCE
from affirming_care.grading.feedback import offline_page
from affirming_care.grading.preprocessors import SanitizeLearnerText
from affirming_care.grading.roster import RosterError, read_roster
from affirming_care.grading.sanitise import (
    FORMULA_START,
    clean_markdown,
    csv_cell,
    rich_text,
    safe_csv_writer,
)
from affirming_care.grading.status import LearnerStatus, ModuleStatus

REPO = Path(__file__).resolve().parents[1]

PAYLOADS = [
    "<script>window.pwned = 1</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](JaVa\tScRiPt:alert(1))",
    "[click](javascript\\:alert(1))",
    "[click][r]\n\n[r]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    "<b onmouseover=alert(1)>bold</b>",
    "<details open ontoggle=alert(1)>x</details>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<<script>script>alert(1)<</script>/script>",
]

DANGER = re.compile(
    r"<(script|iframe|svg|img|math|style|object|embed)\b|\son\w+\s*=|javascript:|data:text", re.I
)


def rendered(markdown: str) -> str:
    """The HTML nbconvert's Markdown renderer (the formgrader's and the feedback's) makes of it."""
    return markdown2html_mistune(markdown)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_learner_markdown_renders_inert(payload: str) -> None:
    clean = rendered(clean_markdown(f"My reflection.\n\n{payload}\n\nThe end."))

    assert not DANGER.search(clean), clean
    assert "My reflection." in clean


def test_the_payloads_are_dangerous_before_cleaning() -> None:
    """Else the test above proves nothing: nbconvert's renderer passes raw HTML through."""
    dangerous = [p for p in PAYLOADS if DANGER.search(rendered(p))]
    assert len(dangerous) >= 10, dangerous


def test_ordinary_markdown_stays_markdown() -> None:
    text = (
        "I *noticed* my **own** assumptions.\n\n- one\n- two\n\n1. first\n\n> a quote\n\n"
        "See [the guide](https://example.org/guide) or [mail me](mailto:a@example.org); `code` & more."
    )
    assert clean_markdown(text) == text
    with_html = "I <em>noticed</em> a <3 and a <b>bold</b> [link](https://example.org)\n> quoted"
    html = rendered(clean_markdown(with_html))
    assert "<em>noticed</em>" in html and "<strong>" not in html and "<b>bold</b>" in html
    assert '<a href="https://example.org">link</a>' in html and "&lt;3" in html
    assert "<blockquote>" in html


def test_the_course_own_markdown_is_not_changed_by_the_sanitiser() -> None:
    notebooks = sorted(SOURCE.glob("*/*.ipynb"))
    assert notebooks
    pre = SanitizeLearnerText()
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        before = [c.source for c in nb.cells]
        after, _ = pre.preprocess(nbformat.read(path, as_version=4), {})
        assert [c.source for c in after.cells] == before, path


def test_the_preprocessor_cleans_answer_cells_added_cells_and_html_outputs() -> None:
    nb = nbformat.v4.new_notebook()
    reflection = nbformat.v4.new_markdown_cell("Honest words. <img src=x onerror=alert(1)>")
    reflection.metadata["nbgrader"] = {"solution": True, "grade": True, "grade_id": "r", "points": 12}
    faked = nbformat.v4.new_markdown_cell("<script>alert(1)</script>Locked?")
    faked.metadata["nbgrader"] = {"locked": True, "grade_id": "fake"}
    raw = nbformat.v4.new_raw_cell("<script>alert(1)</script><p>raw</p>", metadata={"format": "text/html"})
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/html": "<p onclick='x()'>out</p><script>y()</script>",
                "application/javascript": "alert(1)",
                "image/svg+xml": "<svg onload='alert(1)'/>",
                "text/plain": "out",
            },
        )
    ]
    nb.cells = [reflection, faked, raw, code]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.metadata["title"] = "</title><script>alert(1)</script>"

    SanitizeLearnerText().preprocess(nb, {})

    assert "widgets" not in nb.metadata and "title" not in nb.metadata
    assert nb.cells[0].source == "Honest words. "
    assert nb.cells[1].source == "Locked?"
    assert nb.cells[2].source == "<p>raw</p>"
    assert nb.cells[3].outputs[0]["data"] == {"text/html": "<p>out</p>", "text/plain": "out"}


def test_autograde_cleans_after_nbgrader_own_sanitising_steps() -> None:
    from nbgrader.converters.autograde import Autograde
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO / "assignments")).load_config()
    ours = config.Autograde.sanitize_preprocessors
    defaults = [
        f"nbgrader.preprocessors.{p.__name__}"
        for p in Autograde.class_traits()["sanitize_preprocessors"].default()
    ]
    assert ours == [*defaults, "affirming_care.grading.preprocessors.SanitizeLearnerText"]
    assert "affirming_care.grading.preprocessors.SanitizeLearnerText" in config.GenerateFeedback.preprocessors


def test_the_feedback_page_loads_nothing_from_another_host() -> None:
    from jupyter_core.paths import jupyter_path

    macro = next(
        Path(d) / "base" / "mathjax.html.j2"
        for d in jupyter_path("nbconvert", "templates")
        if (Path(d) / "base" / "mathjax.html.j2").exists()
    )
    page = (
        "<html><head>"
        + jinja2.Template(macro.read_text() + "{{ mathjax() }}").render()
        + "<link rel='stylesheet' href='https://cdn.example.org/a.css'>"
        "<script src=//cdn.example.org/b.js></script><style>p{}</style></head><body>"
        "<img src='https://tracker.example.org/p.png'><a href='https://example.org/more'>a link</a></body></html>"
    )
    out = offline_page(page)
    assert not re.search(r"""\bsrc\s*=\s*["']?\s*(?:https?:)?//""", out)
    assert not re.search(r"<link\b[^>]*href", out)
    assert "mathjax" not in out.lower() and "<style>p{}</style>" in out
    assert "<a href='https://example.org/more'>a link</a>" in out  # a link to follow, not a load


# CSV ------------------------------------------------------------------------------------------------------

FORMULA_NAMES = ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(1)", "\tTab", "\rReturn"]


def test_every_formula_start_is_neutralised_and_numbers_stay_numbers() -> None:
    for name in FORMULA_NAMES:
        assert csv_cell(name) == "'" + name
    assert (
        csv_cell("Ana Kim") == "Ana Kim"
        and csv_cell(4.5) == 4.5
        and csv_cell(0) == 0
        and csv_cell(None) == ""
    )
    fh = io.StringIO()
    safe_csv_writer(fh).writerow(["=1+1", 12, "Silva, Jr."])
    assert fh.getvalue() == '"\'=1+1","12","Silva, Jr."\r\n'
    assert next(csv.reader(io.StringIO(fh.getvalue()))) == ["'=1+1", "12", "Silva, Jr."]


# Terminal tables ----------------------------------------------------------------------------------------------


def printed(renderable: object, width: int = 80) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_summary_tables_print_learner_text_as_it_is_and_wrap_it() -> None:
    from affirming_care.grade_cli import status_table

    long_note = "answer file m02 answers (copy 2).json: " + "x" * 120 + " END-OF-NOTE"
    learners = [
        LearnerStatus(id="ana.kim", name="Ana Kim [she/her]", on_roster=True, notes=["[/oops] key"]),
        LearnerStatus(id="[/x]", name="[/x] Rich", on_roster=True, problem="[bold]not bold[/bold]"),
        LearnerStatus(id="ben", name="Ben", on_roster=True, notes=[long_note]),
    ]
    status = ModuleStatus("m02", "Mistakes [draft]", None, 20.0, learners)
    wide = printed(status_table(status), width=400)
    for text in (
        "Ana Kim [she/her]",
        "[/oops] key",
        "[/x] Rich",
        "[bold]not bold[/bold]",
        "Mistakes [draft]",
    ):
        assert text in wide
    assert long_note in wide

    narrow = printed(status_table(status), width=80)
    assert "…" not in narrow and "END-OF" in narrow, "a long note is folded onto more lines, never cut"
    assert "(copy" in narrow and "2).json:" in narrow
    assert rich_text("[b]x[/b]") == "\\[b]x\\[/b]"


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.strip() == f"affirming_care {version('affirming-care')}"


# Roster names -------------------------------------------------------------------------------------------------


def test_a_roster_name_with_markup_or_control_characters_is_refused_by_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "id,first_name,last_name,email\n"
        "ana.kim,Ana,Kim [she/her],ana@example.org\n"
        "eve,Eve,<script>alert(1)</script>,eve@example.org\n"
        "rtl,R\u202eTL,Name,rtl@example.org\n"
        "ok,Ava\u200cna,O'Brien,ok@example.org\n",
        encoding="utf-8",
    )
    with pytest.raises(RosterError) as err:
        read_roster(path)
    problems = [(p.line, p.field) for p in err.value.problems]
    assert problems == [(3, "last_name"), (4, "first_name")]
    assert "cannot hold < or >" in str(err.value) and "U+202E" in str(err.value)


def test_formula_characters_start_no_csv_cell_in_any_export(tmp_path: Path, mini_course: Path) -> None:
    from affirming_care.grading.certificates import cohort_certificates
    from affirming_care.grading.exports import CANVAS_HEADER, MOODLE_HEADER, export_all
    from affirming_care.grading.gradebook import gradebook
    from affirming_care.loader import load_course
    from synthetic_cohort import make_cohort

    root = tmp_path / "course"
    ids = make_cohort(root, load_course(), len(FORMULA_NAMES))
    with gradebook(root) as gb:
        for sid, name in zip(ids, FORMULA_NAMES, strict=True):
            student = gb.find_student(sid)
            student.first_name, student.last_name, student.email = name, name, name
        gb.db.commit()
    files = dict(export_all(root, tmp_path / "out").files)
    files["certificates"] = cohort_certificates(root, out=tmp_path / "pdfs", partial=True).manifest
    assert len(files) == 5

    for what, path in files.items():
        rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
        assert len(rows) > len(FORMULA_NAMES) - 1, what
        cells = [c for row in rows for c in row]
        assert not [c for c in cells if c.startswith(FORMULA_START)], what
        assert any(c.startswith("'=cmd|' /C calc'!A0") for c in cells), what
    canvas = list(csv.reader(files["canvas"].open()))
    moodle = list(csv.reader(files["moodle"].open()))
    assert canvas[0][:5] == CANVAS_HEADER and moodle[0][:4] == MOODLE_HEADER
    nbgrader = list(csv.DictReader(files["nbgrader"].open(newline="")))
    assert {float(r["score"]) for r in nbgrader} and all(float(r["max_score"]) > 0 for r in nbgrader)
    assert {r["last_name"] for r in nbgrader} == {"'" + n for n in FORMULA_NAMES}


def test_the_dashboard_shows_no_learner_markup(tmp_path: Path, mini_course: Path) -> None:
    import json

    from affirming_care.grading.dashboard import build_dashboard
    from affirming_care.grading.gradebook import gradebook
    from affirming_care.loader import load_course
    from synthetic_cohort import make_cohort

    root = tmp_path / "course"
    ids = make_cohort(root, load_course(), 12)
    with gradebook(root) as gb:
        gb.find_student(ids[0]).last_name = "<script>window.pwned=1</script>"
        gb.db.commit()
    store = root / "submitted" / ids[1] / "m02" / "m02-answers.json"
    data = json.loads(store.read_text())
    for record in data.get("checks", {}).values():
        record["attempts"][0]["selected"] = ["<img src=x onerror=alert(1)>"]
    data["checks"]["<svg onload=alert(1)>"] = next(iter(data["checks"].values()))
    store.write_text(json.dumps(data))

    page = build_dashboard(root, out=tmp_path / "dash").html
    assert page is not None
    html = page.read_text()

    assert "m02" in html and not re.search(r"<script|<img src=x|<svg|onerror|onload", html)
