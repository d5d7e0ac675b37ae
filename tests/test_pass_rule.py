"""The pass rule on a real nbgrader gradebook, and one partial-credit figure everywhere it shows.

The gradebook is made with nbgrader's own API in the shape the module assignments have: one
autograded cell per post-test slot (``m02_post_<slug>``, slot points) and one manually graded
reflection cell (``m02_reflection``, 12 points).
"""

from __future__ import annotations

import csv
import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest

from affirming_care.grading.course import (
    CourseSettings,
    GradingError,
    ModuleInfo,
    load_settings,
    save_settings,
    write_config,
)
from affirming_care.grading.exports import export_all, grade_table
from affirming_care.grading.feedback import _write_one
from affirming_care.grading.gradebook import gradebook
from affirming_care.grading.posttest_feedback import PostTestPages
from affirming_care.posttest import BANK_ROOT, Bank, draw, drawn_variant, load_bank, score_hand_in
from affirming_care.store import AnswerFile, PostTestRecord

MODULE = "m02"
REFLECTION = f"{MODULE}_reflection"


def cell(slot_id: str) -> str:
    return f"{MODULE}_post_{slot_id.removeprefix(MODULE + '-p-').replace('-', '_')}"


def course_folder(root: Path, bank: Bank) -> Path:
    root.mkdir(parents=True)
    settings = CourseSettings(modules={MODULE: ModuleInfo(title="Two mistakes", number=2, minutes=50)})
    save_settings(root, settings)
    write_config(root, settings)
    (root / "posttest").mkdir()
    shutil.copy(BANK_ROOT / f"{MODULE}.yml", root / "posttest" / f"{MODULE}.yml")
    with gradebook(root) as gb:
        gb.update_or_create_assignment(MODULE)
        gb.update_or_create_notebook(MODULE, MODULE)
        for slot in bank.slots:
            gb.update_or_create_grade_cell(
                cell(slot.id), MODULE, MODULE, max_score=slot.points, cell_type="code"
            )
        gb.update_or_create_grade_cell(REFLECTION, MODULE, MODULE, max_score=12, cell_type="markdown")
    return root


def hand_in(root: Path, sid: str, post: dict[str, float], reflection: float | None) -> None:
    """One learner's graded submission: each post-test cell's auto score, the reflection's manual score."""
    with gradebook(root) as gb:
        gb.update_or_create_student(sid, first_name=sid.title(), last_name="Test")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbgrader's add_submission trips a SQLAlchemy autoflush warning
            gb.add_submission(MODULE, sid)
        for name, score in post.items():
            g = gb.find_grade(name, MODULE, MODULE, sid)
            g.auto_score, g.needs_manual_grade = score, False
        g = gb.find_grade(REFLECTION, MODULE, MODULE, sid)
        g.auto_score, g.manual_score, g.needs_manual_grade = 0.0, reflection, reflection is None
        gb.db.commit()


def right_of(bank: Bank, k: int) -> dict[str, float]:
    """The first ``k`` post-test cells right (full points), the rest wrong."""
    return {cell(s.id): (float(s.points) if i < k else 0.0) for i, s in enumerate(bank.slots)}


@pytest.fixture
def bank() -> Bank:
    return load_bank(BANK_ROOT / f"{MODULE}.yml")


def test_the_post_test_must_pass_on_its_own_and_the_reflection_must_reach_the_threshold(
    tmp_path: Path, bank: Bank
) -> None:
    root = course_folder(tmp_path / "course", bank)
    assert bank.max_points == 5
    hand_in(root, "full.reflection", right_of(bank, 1), 12)  # 1 of 5 right, a full reflection
    hand_in(root, "four.eight", right_of(bank, 4), 8)
    hand_in(root, "four.seven", right_of(bank, 4), 7)
    hand_in(root, "four.waiting", right_of(bank, 4), None)

    table = grade_table(root)
    grades = {r.learner.id: r.grades[MODULE] for r in table.learners}

    verdicts = {sid: g.verdict(table.settings.pass_mark) for sid, g in grades.items()}
    assert verdicts == {
        "full.reflection": "not passed",  # 13 of 17 points overall (76%), but the post-test is 20%
        "four.eight": "passed",
        "four.seven": "not passed",
        "four.waiting": "waiting",
    }
    g = grades["four.eight"]
    assert (g.posttest_score, g.posttest_max, g.reflection_score, g.reflection_max) == (4, 5, 8, 12)
    rows = {r["Learner ID"]: r for r in csv.DictReader(export_all(root).files["completion"].open())}
    assert {sid: r["Modules passed"] for sid, r in rows.items()} == {
        "four.eight": "1",
        "four.seven": "0",
        "four.waiting": "0",
        "full.reflection": "0",
    }
    assert rows["full.reflection"]["m02 post-test (75% to pass)"] == "1/5"
    assert rows["full.reflection"]["m02 reflection (8 to pass)"] == "12/12"
    assert rows["four.waiting"]["m02 reflection (8 to pass)"] == "not graded yet"
    assert rows["four.waiting"]["Waiting for a grader (list)"] == "m02"


def test_the_reflection_threshold_is_a_course_setting(tmp_path: Path, bank: Bank) -> None:
    root = course_folder(tmp_path / "course", bank)
    hand_in(root, "four.seven", right_of(bank, 4), 7)
    settings = load_settings(root)
    settings.reflection_threshold = 7
    save_settings(root, settings)

    assert grade_table(root).learners[0].grades[MODULE].passed(settings.pass_mark)


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [("pass_mark", 0, "field pass_mark"), ("pass_mark", 1.5, "field pass_mark"), ("reflection_threshold", 13, "field reflection_threshold")],
)  # fmt: skip
def test_settings_out_of_range_are_refused_naming_the_field(
    tmp_path: Path, field: str, value: float, said: str
) -> None:
    save_settings(tmp_path, CourseSettings())
    path = tmp_path / "affirming-care-course.json"
    data = json.loads(path.read_text())
    data[field] = value
    path.write_text(json.dumps(data))

    with pytest.raises(GradingError) as err:
        load_settings(tmp_path)

    assert str(path) in str(err.value) and said in str(err.value) and repr(value) in str(err.value)


# One partial-credit figure: the feedback page, the result, the export and My progress ------------------


def half_right_seed(bank: Bank) -> tuple[str, str, str]:
    """A seed whose first slot draws a multiple-answer variant with two right options; one of them."""
    for n in range(200):
        seed = f"seed{n:04d}"
        first = draw(bank, seed)[0]
        variant = drawn_variant(bank, first)
        right = sorted(o.id for o in variant.options if o.correct)  # type: ignore[union-attr]
        if variant.kind == "multiple" and len(right) == 2:
            return seed, first.slot_id, right[0]
    raise AssertionError("no seed draws a two-answer variant in 200 tries")


class FakeNbgrader:
    """nbgrader's generate_feedback as far as this step needs: it writes the learner's page."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def generate_feedback(self, module: str, sid: str) -> dict[str, Any]:
        folder = self.root / "feedback" / sid / module
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{module}.html").write_text("<html><body><h1>nbgrader's feedback</h1></body></html>")
        return {"success": True}


def test_half_credit_shows_as_0_5_in_the_page_the_result_the_export_and_my_progress(
    tmp_path: Path, bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    from affirming_care.loader import load_course
    from affirming_care.progress import posttest_cell, progress_from_stores, read_results

    root = course_folder(tmp_path / "course", bank)
    seed, slot_id, one_right = half_right_seed(bank)
    data = AnswerFile(module=MODULE, posttest=PostTestRecord(seed=seed, answers={slot_id: [one_right]}))
    submitted = root / "submitted" / "half.credit" / MODULE
    submitted.mkdir(parents=True)
    (submitted / f"{MODULE}-answers.json").write_text(data.model_dump_json())
    scored = score_hand_in(bank, seed, data.posttest.answers)  # what autograde puts in each cell
    hand_in(root, "half.credit", {cell(s.slot_id): float(s.earned) for s in scored.slots}, 9)
    assert float(scored.earned) == 0.5

    written: dict[str, Path] = {}
    held: dict[str, str] = {}
    pages = PostTestPages.load(root, MODULE, load_settings(root).pass_rule)
    assert _write_one(root, MODULE, "half.credit", FakeNbgrader(root), written, held, pages), held
    page = written["half.credit"].read_text()
    result_path = written["half.credit"].parent / "m02-result.json"
    result = json.loads(result_path.read_text())
    completion = next(csv.DictReader(export_all(root).files["completion"].open()))
    monkeypatch.setenv("AFFIRMING_CARE_RESULTS", str(result_path.parent))
    course = load_course()
    results, bad, _ = read_results(course, tmp_path)
    mine = next(m for m in progress_from_stores(course, {}, results).modules if m.id == MODULE)

    assert "nbgrader's feedback" in page  # nbgrader's page is kept, the post-test added
    assert "Item 1: you earned 0.5 of 1 point" in page
    assert page.count("you earned 0 of 1 point") == 4
    assert "Post-test: 0.5 of 5 points." in page
    assert result["posttest"] == {"earned": 0.5, "possible": 5.0, "pass_mark": 0.75, "passed": False}
    assert result["reflection"] == {"score": 9.0, "max": 12.0, "threshold": 8.0, "graded": True}
    assert (result["format"], result["module"], result["passed"]) == ("affirming-care/result", MODULE, False)
    assert completion["m02 post-test (75% to pass)"] == "0.5/5"
    assert not bad and "0.5 of 5 points" in posttest_cell(mine)
    assert mine.posttest_earned == 0.5


def test_the_feedback_page_shows_choices_the_right_answer_rationale_and_option_feedback_escaped(
    tmp_path: Path, bank: Bank
) -> None:
    root = course_folder(tmp_path / "course", bank)
    seed, slot_id, one_right = half_right_seed(bank)
    drawn = draw(bank, seed)[0]
    variant = drawn_variant(bank, drawn)
    data = AnswerFile(module=MODULE, posttest=PostTestRecord(seed=seed, answers={slot_id: [one_right]}))
    folder = root / "submitted" / "ana" / MODULE
    folder.mkdir(parents=True)
    (folder / f"{MODULE}-answers.json").write_text(data.model_dump_json())
    hand_in(root, "ana", {}, None)
    pages = PostTestPages.load(root, MODULE, load_settings(root).pass_rule)

    section = pages.section("ana", pages.result("ana")) or ""

    from html import escape

    assert escape(variant.rationale) in section  # type: ignore[union-attr]
    for option in variant.options:
        assert escape(option.feedback) in section  # type: ignore[union-attr]
    row = section.split(escape(variant.option(one_right).text))[1].split("</tr>")[0]  # type: ignore[union-attr]
    assert row.startswith("</th><td>Yes</td><td>Yes</td>")  # chosen, and right
    assert "data-correct=" not in section and "<script" not in section
    assert "Your reflection has not been graded yet." in section


def test_the_variant_comes_from_the_seed_never_from_the_answer_file(tmp_path: Path, bank: Bank) -> None:
    root = course_folder(tmp_path / "course", bank)
    seed, slot_id, _ = half_right_seed(bank)
    raw = AnswerFile(module=MODULE, posttest=PostTestRecord(seed=seed, answers={})).model_dump(mode="json")
    raw["posttest"]["variant"] = "v2"  # an extra field: the store refuses the file, nothing is trusted
    raw["posttest"]["answers"] = {slot_id: ["<script>alert(1)</script>"]}
    folder = root / "submitted" / "eve" / MODULE
    folder.mkdir(parents=True)
    (folder / f"{MODULE}-answers.json").write_text(json.dumps(raw))
    hand_in(root, "eve", {}, 3)
    pages = PostTestPages.load(root, MODULE, load_settings(root).pass_rule)

    section = pages.section("eve", None) or ""

    assert "<script>alert" not in section
    assert "could not be read" in section or "earns 0" in section
