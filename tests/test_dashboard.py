"""The cohort dashboard: charts as PNG files from a synthetic cohort, aggregates only, and nothing below the minimum."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import matplotlib.image
import pytest

from affirming_care.cli import main
from affirming_care.grading.dashboard import DashboardError, build_dashboard
from affirming_care.loader import load_course
from synthetic_cohort import NAMES, Grade, first_then_right, make_cohort

REPO = Path(__file__).resolve().parents[1]


def grades(i: int, module: str) -> Grade:
    """Even learners get every check right, odd ones none; the last reflection waits for a grader."""
    return Grade(checks=1.0 if i % 2 == 0 else 0.0, reflection=None if i == 11 else 12)


MINI = Path(__file__).parent / "fixtures" / "mini-course" / "content"


@pytest.fixture(scope="module")
def cohort_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Twelve learners on the mini course, made once; each test gets its own copy."""
    root = tmp_path_factory.mktemp("template") / "cohort"
    ids = make_cohort(root, load_course(MINI), 12, grades=grades)
    return root, ids


@pytest.fixture
def cohort(
    mini_course: Path, tmp_path: Path, cohort_template: tuple[Path, list[str]]
) -> tuple[Path, list[str]]:
    template, ids = cohort_template
    root = tmp_path / "cohort"
    shutil.copytree(template, root)
    return root, ids


def images(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<img src='([^']+)' alt='([^']*)'>", html)


def item(dash, item_id: str):
    return next(i for m in dash.modules for i in m.items if i.id == item_id)


def test_a_synthetic_cohort_gives_score_and_option_charts_as_png_files(
    cohort: tuple[Path, list[str]],
) -> None:
    root, _ = cohort

    dash = build_dashboard(root)

    names = sorted(p.name for p in (root / "dashboard").glob("*.png"))
    assert names == sorted(
        [
            "m02-scores-checks.png",
            "m02-scores-total.png",
            "m02-check-m02-q-one.png",
            "m02-check-m02-q-two.png",
            "m02-case-m02-kai-intake--s1.png",
        ]
    )
    for path in dash.charts:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        height, width, _ = matplotlib.image.imread(path).shape
        assert width >= 600 and height >= 250


def test_the_numbers_count_first_attempts(cohort: tuple[Path, list[str]]) -> None:
    root, _ = cohort

    dash = build_dashboard(root)
    q1, q2, case = item(dash, "m02-q-one"), item(dash, "m02-q-two"), item(dash, "m02-kai-intake--s1")

    # Every learner's latest answer is right; at the first try learner i chose option i mod k.
    assert [(s.letter, s.count) for s in q1.shares] == [("A", 6), ("B", 6)]
    assert [(s.letter, s.count) for s in q2.shares] == [("A", 4), ("B", 4), ("C", 4)]
    assert [(s.option, s.count, s.verdict) for s in case.shares] == [
        ("a", 6, "likely to cause harm"),
        ("b", 6, "a strong response"),
    ]
    assert q1.answered == q2.answered == case.answered == 12


def test_score_distributions_come_from_the_gradebook(cohort: tuple[Path, list[str]]) -> None:
    root, _ = cohort

    section = build_dashboard(root).modules[0]
    checks, total = section.scores

    assert (section.submissions, section.graded, section.waiting) == (12, 11, 1)
    assert checks.count == 12 and checks.bins[0] == 6 and checks.bins[9] == 6
    assert total.count == 11 and total.bins[9] == 6 and total.bins[8] == 5  # 12 of 14 points is 86%
    # The pass rule, not the total share: the five with 12 of 14 points have a full reflection and no
    # post-test point, so they do not pass; the six with every point do.
    assert total.at_pass_mark == 6


def test_misconceptions_to_take_up_are_the_most_chosen_wrong_first_answers(
    cohort: tuple[Path, list[str]],
) -> None:
    root, _ = cohort

    dash = build_dashboard(root)
    top = [(m.item, m.letter, round(m.share, 2)) for m in dash.misconceptions]

    assert top == [("m02-kai-intake--s1", "A", 0.5), ("m02-q-one", "B", 0.5), ("m02-q-two", "C", 0.33)]
    html = dash.html.read_text()
    assert "To take up in the next session" in html
    assert "Assumes coercion" in html  # the course's own feedback on that response


def test_every_chart_has_alt_text_with_its_numbers_and_no_names_appear(
    cohort: tuple[Path, list[str]],
) -> None:
    root, ids = cohort

    dash = build_dashboard(root)
    html = dash.html.read_text()
    shown = images(html)

    assert sorted(src for src, _ in shown) == sorted(p.name for p in dash.charts)
    for src, alt in shown:
        assert len(alt) > 80, src
        assert re.search(r"\d+%", alt), src
    assert any("B (not right): 6, 50%" in alt for _, alt in shown)
    written = html + dash.json.read_text() + " ".join(p.name for p in (root / "dashboard").iterdir())
    for lid, (first, last) in zip(ids, NAMES, strict=False):
        assert lid not in written and first not in written and last not in written
    assert "lang='en'" in html and "http://" not in html and "https://" not in html


def test_a_cohort_below_the_minimum_shows_no_charts(mini_course: Path, tmp_path: Path) -> None:
    root = tmp_path / "small"
    make_cohort(root, load_course(), 4)

    dash = build_dashboard(root)
    html = dash.html.read_text()
    data = json.loads(dash.json.read_text())

    assert list((root / "dashboard").glob("*.png")) == []
    assert dash.suppressed and "fewer than the minimum of 5" in dash.suppressed
    assert "fewer than the minimum of 5" in html and "<img" not in html
    assert data["modules"][0]["items"] == [] and data["modules"][0]["scores"] == []
    assert data["modules"][0]["stores"] == 0 and data["misconceptions"] == []


def test_a_question_too_few_answered_is_hidden_while_the_scores_are_shown(
    mini_course: Path, tmp_path: Path
) -> None:
    root = tmp_path / "few-files"
    course = load_course()
    make_cohort(root, course, 6, answers=lambda i, m: first_then_right(course, m, i) if i < 3 else None)

    dash = build_dashboard(root)

    assert [p.name for p in dash.charts] == ["m02-scores-checks.png", "m02-scores-total.png"]
    hidden = item(dash, "m02-q-one")
    assert hidden.shares == [] and "fewer than the minimum of 5" in (hidden.suppressed or "")
    assert "answers from 3 learners" in dash.html.read_text()


def test_the_minimum_can_be_changed_but_never_below_two(
    cohort: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, _ = cohort

    assert build_dashboard(root, min_cohort=13).suppressed
    assert not build_dashboard(root, min_cohort=12).suppressed
    with pytest.raises(DashboardError, match="at least 2"):
        build_dashboard(root, min_cohort=1)


def test_old_charts_are_replaced_not_left_behind(cohort: tuple[Path, list[str]]) -> None:
    root, _ = cohort
    build_dashboard(root)
    (root / "dashboard" / "notes.png").write_bytes(b"not ours")

    build_dashboard(root, min_cohort=13)

    assert [p.name for p in (root / "dashboard").glob("*.png")] == ["notes.png"]


def test_damaged_answer_files_are_counted_and_left_out(cohort: tuple[Path, list[str]]) -> None:
    root, ids = cohort
    (root / "submitted" / ids[0] / "m02" / "m02-answers.json").write_text(
        '{"format": "affirming-care/answers", '
    )

    dash = build_dashboard(root)

    assert dash.modules[0].damaged == 1
    assert item(dash, "m02-q-one").answered == 11
    assert "1 answer files could not be read" in dash.html.read_text()


def test_the_command_writes_the_report_and_says_where(
    cohort: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = cohort
    out = tmp_path / "report"

    assert main(["cohort", "dashboard", "--course", str(root), "--out", str(out)]) == 0
    printed = capsys.readouterr().out

    assert "5 charts" in printed and str(out / "index.html") in printed.replace("\n", "")
    assert (out / "index.html").exists()
    assert main(["cohort", "dashboard", "--course", str(tmp_path / "nowhere")]) == 1
    assert "not a folder" in capsys.readouterr().err


@pytest.mark.slow
def test_the_real_course_gets_a_chart_for_every_check_and_decision_point(tmp_path: Path) -> None:
    course = load_course()
    root = tmp_path / "real"
    make_cohort(root, course, 6)

    dash = build_dashboard(root, course=course)

    checks = sum(len(m.questions) for m in course.modules.values())
    points = sum(len(v.decision_points) for v in course.all_vignettes())
    assert len(dash.charts) == 2 * len(course.modules) + checks + points
    assert all(p.exists() for p in dash.charts)
    assert all(i.answered == 6 and i.chart for m in dash.modules for i in m.items)


# The facilitator guide ------------------------------------------------------------------------------------

GUIDE = REPO / "book" / "facilitator-guide.md"


def test_the_facilitator_guide_and_hub_page_are_in_the_table_of_contents() -> None:
    import yaml

    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [ch["file"] for part in toc["parts"] for ch in part["chapters"]]

    assert {"book/facilitator-guide", "book/jupyterhub", "book/my-progress"} <= set(files)


def test_the_case_format_in_the_facilitator_guide_validates(tmp_path: Path) -> None:
    from affirming_care.loader import load_vignette

    example = re.search(r"```yaml\n(id: .*?)```", GUIDE.read_text(), re.S)
    assert example is not None
    path = tmp_path / "m10-ren-records.yml"
    path.write_text(example.group(1))

    case = load_vignette(path)

    assert case.id == path.stem and len(case.endings) == 2
    assert {c.fit for s in case.decision_points for c in s.choices} == {"harmful", "strong"}


def test_the_cases_the_session_plan_names_exist() -> None:
    named = set(re.findall(r"`(m\d\d-[a-z0-9-]+)`", GUIDE.read_text())) - {"m10-ren-records"}
    known = {p.stem for p in (REPO / "content").glob("m*/vignettes/*.yml")}
    known |= {p.stem for p in (REPO / "assessment" / "facilitator-cases").glob("*.yml")}  # issue 13

    assert named and named <= known, sorted(named - known)


def test_the_session_plan_covers_every_module_in_six_sessions() -> None:
    text = GUIDE.read_text()
    sessions = re.findall(r"^### Session (\d): Modules? ([\d, and]+)", text, re.M)
    covered = sorted(int(n) for _, mods in sessions for n in re.findall(r"\d+", mods))

    assert [s for s, _ in sessions] == ["1", "2", "3", "4", "5", "6"]
    assert covered == list(range(13))
