"""The rehearsal cohort's plan, what a submission inspection reports, and the feedback widget filter."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from affirming_care.grading.answers_grader import read_submission_answers
from affirming_care.grading.inspect import inspect_submission
from affirming_care.grading.preprocessors import HideWidgetOutputs
from affirming_care.grading.rehearsal import KINDS, SPECIAL, plan_kinds, synthetic_roster, write_roster
from affirming_care.grading.roster import read_roster
from affirming_care.store import AnswerFile, CheckRecord


def test_a_synthetic_roster_is_a_valid_roster_of_unique_learners(tmp_path: Path) -> None:
    learners = synthetic_roster(40)

    again = read_roster(write_roster(learners, tmp_path / "roster.csv"))

    assert len({x.id for x in again}) == 40
    assert [x.model_dump() for x in again] == [x.model_dump() for x in learners]
    assert all(x.email.endswith("@example.org") for x in again)


def test_every_module_has_every_special_kind_once_on_different_learners() -> None:
    ids = [x.id for x in synthetic_roster(40)]
    modules = [f"m{n:02d}" for n in range(13)]

    plan = plan_kinds(ids, modules)

    for mid in modules:
        kinds = list(plan[mid].values())
        assert sorted(plan[mid]) == sorted(ids)
        assert all(kinds.count(k) == 1 for k in SPECIAL)
        assert {"complete", "partial"} <= set(kinds) <= set(KINDS)
    assert plan["m00"] != plan["m01"]
    assert plan_kinds(ids, modules) == plan  # the same seed, the same cohort


def test_a_tiny_cohort_still_has_complete_and_partial_learners() -> None:
    plan = plan_kinds(["a", "b", "c", "d"], ["m00"])

    assert sorted(plan["m00"].values()) == sorted(["complete", "partial", *SPECIAL[:2]])


def released_course(root: Path) -> dict:
    """A course folder with a released notebook: one locked code cell, one answer cell."""
    nb = new_notebook()
    setup = new_code_cell('module = Module("m02", graded=True)')
    setup.metadata["nbgrader"] = {"grade_id": "m02_setup", "locked": True, "grade": False, "solution": False}
    answer = new_markdown_cell("Write your reflection here.")
    answer.metadata["nbgrader"] = {
        "grade_id": "m02_reflection",
        "locked": False,
        "grade": True,
        "solution": True,
    }
    nb.cells = [setup, answer]
    (root / "release" / "m02").mkdir(parents=True)
    nbformat.write(nb, root / "release" / "m02" / "m02.ipynb")
    return {"m02.ipynb": nb}


def submit(root: Path, learner: str, files: dict[str, str]) -> None:
    folder = root / "submitted" / learner / "m02"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def test_inspection_names_what_is_wrong_with_each_submission(tmp_path: Path) -> None:
    released = released_course(tmp_path)
    nb = released["m02.ipynb"]
    good_answers = AnswerFile(module="m02", checks={"m02-q": CheckRecord(selected=["a"])}).model_dump_json()
    edited = nbformat.from_dict(nbformat.from_dict(nb))
    edited.cells[0].source += "\nmy notes"
    submit(
        tmp_path,
        "fine",
        {"m02.ipynb": nbformat.writes(nb), "m02-answers.json": good_answers, "timestamp.txt": "x"},
    )
    submit(tmp_path, "no-notebook", {"m02-answers.json": good_answers})
    submit(tmp_path, "broken", {"m02.ipynb": '{"cells": [', "m02-answers.json": good_answers})
    submit(tmp_path, "edited", {"m02.ipynb": nbformat.writes(edited), "m02-answers.json": good_answers})
    submit(
        tmp_path, "no-answers", {"m02.ipynb": nbformat.writes(nb), "notes.txt": "hi", "m02-Copy1.ipynb": "{}"}
    )
    submit(tmp_path, "damaged", {"m02.ipynb": nbformat.writes(nb), "m02-answers.json": good_answers[:20]})

    found = {
        s: inspect_submission(tmp_path, "m02", s)
        for s in ("fine", "no-notebook", "broken", "edited", "no-answers", "damaged")
    }

    assert (found["fine"].problems, found["fine"].notes) == ([], [])
    assert found["no-notebook"].problems == [
        "no notebook m02.ipynb in the submission (it has: m02-answers.json)"
    ]
    assert found["broken"].problems[0].startswith("m02.ipynb is not a readable notebook")
    assert found["edited"].problems == []
    assert found["edited"].notes == ["edited locked cell m02_setup"]
    assert found["no-answers"].notes == ["extra files not graded: m02-Copy1.ipynb, notes.txt"]
    # The answer file is read once, by the grader, which gives its notes with the grade.
    folder = tmp_path / "submitted"
    assert read_submission_answers(folder / "no-answers" / "m02", "m02", set()).notes == [
        "no answer file m02-answers.json: every post-test item scores 0"
    ]
    assert (
        read_submission_answers(folder / "damaged" / "m02", "m02", set())
        .notes[0]
        .startswith("damaged answer file m02-answers.json (line 1, column 11: not valid JSON")
    )


def test_feedback_keeps_no_widget_output_and_so_no_static_answer_key() -> None:
    cell = new_code_cell('module.check("m02-q-one")')
    cell.outputs = [
        new_output(
            "execute_result",
            data={
                "application/vnd.jupyter.widget-view+json": {
                    "model_id": "x",
                    "version_major": 2,
                    "version_minor": 0,
                },
                "text/html": '<li data-option="a" data-correct="true">A — Correct.</li>',
                "text/plain": "CheckWidget(...)",
            },
            execution_count=1,
        ),
        new_output("stream", name="stdout", text="Your answer: A. Correct.\n"),
    ]
    nb = new_notebook(cells=[cell])

    out, _ = HideWidgetOutputs().preprocess(nb, {})

    text = nbformat.writes(out)
    assert "data-correct" not in text and "widget-view" not in text
    assert "Your answer: A. Correct." in text
    assert out.cells[0].outputs[0].data == {
        "text/plain": "(Your answer was saved here; its result is in the next cell.)"
    }


def test_hostile_kinds_come_after_the_honest_ones_and_per_learner_kinds_stay_put() -> None:
    from affirming_care.grading.rehearsal import PER_LEARNER, hostile_kinds

    ids = [x.id for x in synthetic_roster(30)]
    modules = [f"m{n:02d}" for n in range(13)]
    hostile = hostile_kinds("exchange")

    plan = plan_kinds(ids, modules, hostile=hostile)

    for mid in modules:
        kinds = list(plan[mid].values())
        assert all(kinds.count(k) == 1 for k in [*SPECIAL, *hostile]), mid
        assert {"complete", "partial"} <= set(kinds)
    for kind in PER_LEARNER:
        assert len({next(s for s, k in plan[m].items() if k == kind) for m in modules}) == 1
    assert "zip_traversal" not in hostile and "impersonation" not in hostile_kinds("zip")
