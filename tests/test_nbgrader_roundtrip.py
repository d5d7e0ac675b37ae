"""The Module 2 assignment through nbgrader: generate, release, submit, autograde, feedback, export.

Runs in a temporary course folder; nothing is written to the repository.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from affirming_care.assignments import REFLECTION_PLACEHOLDER
from affirming_care.grading.gradebook import api as nbgrader_api
from affirming_care.grading.init import bare_course
from affirming_care.loader import load_course
from affirming_care.posttest import a_wrong_answer, drawn_keys, load_banks, score_hand_in
from affirming_care.store import AnswerFile, PostTestRecord, ReflectionRecord

pytestmark = pytest.mark.slow
MODULE = "m02"
SEED = "5eed5eed5eed5eed"
REFLECTION = (
    "I would ask what the client wants from our time. <script>alert(1)</script> "
    "[a link](javascript:alert(1)) and then I would listen."
)


def page_text(path: Path) -> str:
    raw = re.sub(r"<style.*?</style>", " ", path.read_text(), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One course folder, three learners, autograded and with feedback generated."""
    root = bare_course(tmp_path_factory.mktemp("course"), [MODULE])
    api = nbgrader_api(root)
    result = api.generate_assignment(MODULE)
    assert result["success"], result["error"]

    bank = load_banks(root / "posttest")[MODULE]
    slots = [s.id for s in bank.slots]
    right = drawn_keys(bank, SEED)
    wrong = {sid: a_wrong_answer(bank, SEED, sid) for sid in slots}
    half = len(slots) // 2
    partly = {sid: (right if i < half else wrong)[sid] for i, sid in enumerate(slots)}
    # One multiple-answer item with a right option left out: nbgrader's partial-credit path.
    split = next(sid for sid in slots if len(right[sid]) > 1)
    partly[split] = a_wrong_answer(bank, SEED, split, part_right=True)
    learners = {"all_correct": right, "partly_correct": partly, "no_answer_file": None}
    reflection_id = load_course().module(MODULE).reflection.id
    for student, answers in learners.items():
        folder = root / "submitted" / student / MODULE
        shutil.copytree(root / "release" / MODULE, folder)
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
        if answers is not None:
            store = AnswerFile(module=MODULE, posttest=PostTestRecord(seed=SEED, answers=answers))
            if student == "all_correct":
                store.reflections[reflection_id] = ReflectionRecord(text=REFLECTION)
            (folder / f"{MODULE}-answers.json").write_text(store.model_dump_json())
    for student in learners:
        result = api.autograde(MODULE, student)
        assert result["success"], result["error"]
        result = api.generate_feedback(MODULE, student)
        assert result["success"], result["error"]
    expected = {s: float(score_hand_in(bank, SEED, a or {}).earned) for s, a in learners.items()}
    return {"root": root, "api": api, "bank": bank, "expected": expected}


def test_the_release_has_no_hidden_tests_and_no_model_answers(graded: dict) -> None:
    released = nbformat.read(graded["root"] / "release" / MODULE / f"{MODULE}.ipynb", as_version=4)
    source = nbformat.read(graded["root"] / "source" / MODULE / f"{MODULE}.ipynb", as_version=4)
    text = json.dumps(released)

    assert "BEGIN HIDDEN TESTS" in json.dumps(source)
    assert "BEGIN HIDDEN TESTS" not in text
    assert "expect_posttest(" not in text.replace("import expect_posttest", "")
    assert '"correct"' not in text
    answer_cells = [c for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert [c.source for c in answer_cells] == [REFLECTION_PLACEHOLDER]
    assert answer_cells[0].metadata.get("editable") is False, "the reflection is typed in the box, not here"
    items = json.loads((graded["root"] / "release" / MODULE / f"{MODULE}-posttest.json").read_text())
    assert items["module"] == MODULE and '"correct"' not in json.dumps(items)


def test_code_cells_are_locked_so_learners_only_click_and_type(graded: dict) -> None:
    released = nbformat.read(graded["root"] / "release" / MODULE / f"{MODULE}.ipynb", as_version=4)

    code = [c for c in released.cells if c.cell_type == "code"]

    assert code and all(c.metadata["nbgrader"]["locked"] for c in code)


def test_three_submissions_autograde_to_the_expected_scores(graded: dict) -> None:
    expected = graded["expected"]
    assert expected["all_correct"] == graded["bank"].max_points > expected["partly_correct"] > 0
    assert expected["partly_correct"] % 1, "a part-right multiple-answer item earns part of its point"
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded['root'] / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission(MODULE, s).code_score for s in expected}
        needs_manual = {s: gb.find_submission(MODULE, s).needs_manual_grade for s in expected}

    assert scores == expected
    # A reflection from the answer file waits for a grader; an empty one scores 0 without one.
    assert needs_manual == {"all_correct": True, "partly_correct": False, "no_answer_file": False}


def test_the_reflection_is_placed_inert_in_its_graded_cell(graded: dict) -> None:
    notebook = graded["root"] / "autograded" / "all_correct" / MODULE / f"{MODULE}.ipynb"
    [cell] = [
        c
        for c in nbformat.read(notebook, as_version=4).cells
        if c.metadata.get("nbgrader", {}).get("solution")
    ]
    assert "I would ask what the client wants from our time" in cell.source
    assert "<script" not in cell.source and "javascript:" not in cell.source


def test_a_missing_answer_file_is_explained_on_stdout(graded: dict) -> None:
    notebook = graded["root"] / "autograded" / "no_answer_file" / MODULE / f"{MODULE}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    streams = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "stream"]

    assert streams and all(o.name == "stdout" for o in streams)
    assert any("No answer file" in o.text for o in streams)


def test_feedback_holds_scores_and_rubric_but_no_answer_key(graded: dict) -> None:
    for student in ("all_correct", "partly_correct", "no_answer_file"):
        text = page_text(graded["root"] / "feedback" / student / MODULE / f"{MODULE}.html")

        assert "Score:" in text
        assert "Accuracy to the guide" in text  # the rubric
        assert "HIDDEN TESTS" not in text
        assert "expect_answer(" not in text
        assert "most recent call last" not in text
        assert (
            "data-correct"
            not in (graded["root"] / "feedback" / student / MODULE / f"{MODULE}.html").read_text()
        )


def test_export_holds_the_scores(graded: dict, tmp_path: Path) -> None:
    out = tmp_path / "grades.csv"
    bindir = Path(sys.executable).parent
    subprocess.run(
        [str(bindir / "nbgrader"), "export", "--to", str(out)],
        cwd=graded["root"],
        check=True,
        capture_output=True,
    )

    rows = {r["student_id"]: float(r["score"]) for r in csv.DictReader(out.open())}
    assert rows["all_correct"] == graded["expected"]["all_correct"]
    assert rows["no_answer_file"] == 0
    assert rows["partly_correct"] == graded["expected"]["partly_correct"]
