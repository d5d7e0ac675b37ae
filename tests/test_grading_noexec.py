"""Grading click answers without running the hand-in: hostile added cells, tamper notes, the status.

One small course folder (the real course's m02), hand-ins written here: honest ones, and ones whose
added cells would forge the answer file, patch the grader, or write a marker file. Our autograde
grades them all from the answer files; a copy is graded by nbgrader's executing autograde, once, to
show honest hand-ins score the same both ways and that the hostile cells do run there (so the
marker-file proof can fail).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from affirming_care.assignments import slot_grade_id
from affirming_care.grading.answer_keys import PostTestKey, cell_key, module_keys
from affirming_care.grading.answers_grader import read_submission_answers
from affirming_care.grading.autograde import autograde, read_autograde_record
from affirming_care.grading.course import GradingError
from affirming_care.grading.gradebook import gradebook
from affirming_care.grading.init import init_course
from affirming_care.grading.inspect import tampering
from affirming_care.grading.release import release
from affirming_care.grading.status import module_status
from affirming_care.posttest import a_wrong_answer, draw, drawn_keys, load_banks, score_hand_in
from affirming_care.store import AnswerFile, PostTestRecord, store_filename

pytestmark = pytest.mark.slow
MODULE = "m02"
ON_TIME = "2026-11-20 10:00:00.000000 UTC"
LATE = "2026-11-22 10:00:00.000000 UTC"
DUE = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
HONEST = ["complete", "partial", "late", "locked_edited", "damaged", "no_answers"]
HOSTILE = ["forger", "patcher", "runner"]
BIN = Path(sys.executable).parent


SEED = "0123456789abcdef"


def answers_json(answers: dict[str, list[str]], module: str = MODULE) -> str:
    return AnswerFile(module=module, posttest=PostTestRecord(seed=SEED, answers=answers)).model_dump_json()


def add_after_setup(source: str) -> Callable[[Any], None]:
    def edit(nb: Any) -> None:
        at = next(
            i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "m02_setup"
        )
        nb.cells.insert(at + 1, new_code_cell(source))

    return edit


def edit_setup(nb: Any) -> None:
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "m02_setup")
    cell.source += "\nprint('changed')"


def remove(*grade_ids: str) -> Callable[[Any], None]:
    def edit(nb: Any) -> None:
        nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in grade_ids]

    return edit


def hand_in(
    root: Path, sid: str, answers: str | None, edit: Callable[[Any], None] | None = None, stamp: str = ON_TIME
) -> None:
    folder = root / "submitted" / sid / MODULE
    folder.mkdir(parents=True)
    nb = nbformat.read(root / "release" / MODULE / f"{MODULE}.ipynb", as_version=4)
    if edit:
        edit(nb)
    nbformat.write(nb, folder / f"{MODULE}.ipynb")
    (folder / "timestamp.txt").write_text(stamp)
    if answers is not None:
        (folder / store_filename(MODULE)).write_text(answers)


def checks_scores(root: Path) -> dict[str, float]:
    with gradebook(root) as gb:
        return {
            sub.student.id: sum(g.score for nb in sub.notebooks for g in nb.grades if g.cell_type == "code")
            for sub in gb.find_assignment(MODULE).submissions
        }


def all_grades(root: Path, learners: list[str]) -> dict[tuple[str, str], Any]:
    with gradebook(root) as gb:
        out: dict[tuple[str, str], Any] = {}
        for sub in gb.find_assignment(MODULE).submissions:
            if sub.student.id in learners:
                out[(sub.student.id, "late")] = sub.total_seconds_late
                for nb in sub.notebooks:
                    for g in nb.grades:
                        out[(sub.student.id, g.name)] = (g.auto_score, g.needs_manual_grade)
        return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("noexec")
    root = tmp / "course"
    init_course(root, modules=[MODULE])
    release(root, MODULE, due=DUE)
    bank = load_banks(root / "posttest")[MODULE]
    slots = [s.id for s in bank.slots]
    right = drawn_keys(bank, SEED)
    wrong = {sid: a_wrong_answer(bank, SEED, sid) for sid in slots}
    partly = {sid: (right if i % 2 else wrong)[sid] for i, sid in enumerate(slots[:-1])}
    all_a = {d.slot_id: [d.option_order[0]] for d in draw(bank, SEED)}  # the first option shown, everywhere
    marker = {sid: tmp / f"{sid}-ran.txt" for sid in HOSTILE}
    forge = (
        f"import pathlib\npathlib.Path({str(marker['forger'])!r}).write_text('ran')\n"
        "from affirming_care.store import AnswerFile, PostTestRecord, store_filename\n"
        f"keys = {right!r}\n"
        "pathlib.Path(store_filename('m02')).write_text(AnswerFile(module='m02', "
        f"posttest=PostTestRecord(seed={SEED!r}, answers=keys)).model_dump_json())\n"
    )
    patch = (
        f"import pathlib\npathlib.Path({str(marker['patcher'])!r}).write_text('ran')\n"
        "import affirming_care.grading as g, affirming_care.grading.hidden_tests as h\n"
        "def fake(*args, **kwargs):\n    print('Scored 1 of 1 point.')\n"
        "g.expect_posttest = h.expect_posttest = fake\n"
    )
    run = f"import pathlib\npathlib.Path({str(marker['runner'])!r}).write_text('ran')\n"
    hand_in(root, "complete", answers_json(right))
    hand_in(root, "partial", answers_json(partly))
    hand_in(root, "late", answers_json(right), stamp=LATE)
    hand_in(root, "locked_edited", answers_json(right), edit_setup)
    hand_in(root, "damaged", answers_json(right)[:40])
    hand_in(root, "no_answers", None)
    hand_in(root, "forger", None, add_after_setup(forge))
    hand_in(root, "patcher", answers_json(all_a), add_after_setup(patch))
    hand_in(root, "runner", answers_json(right), add_after_setup(run))
    hand_in(root, "wrong_module", answers_json(right, module="m03"))
    hand_in(root, "unknown_ids", answers_json({**right, "m02-p-nope": ["a"], "m03-p-elsewhere": ["b"]}))
    removed = slot_grade_id(MODULE, slots[0])
    hand_in(root, "remover", answers_json(right), remove(removed, removed.replace("_post_", "_show_")))
    serial = tmp / "serial"
    shutil.copytree(root, serial)

    ours = autograde(root, MODULE)
    ran_in_ours = {sid: path.exists() for sid, path in marker.items()}
    executing = autograde(serial, MODULE, execute_learner_code=True, jobs=2, learners=HONEST + HOSTILE)
    return {
        "root": root,
        "serial": serial,
        "ours": ours,
        "executing": executing,
        "ran in ours": ran_in_ours,
        "ran executing": {sid: path.exists() for sid, path in marker.items()},
        "full": float(bank.max_points),
        "all a": float(score_hand_in(bank, SEED, all_a).earned),
        "partly": float(score_hand_in(bank, SEED, partly).earned),
        "removed": removed,
        "status": {row.id: row for row in module_status(root, MODULE).learners},
    }


def test_no_learner_code_runs_but_it_would_with_the_executing_path(graded: dict[str, Any]) -> None:
    assert graded["ran in ours"] == dict.fromkeys(HOSTILE, False)
    assert not graded["ours"].executed
    assert graded["ran executing"] == dict.fromkeys(HOSTILE, True)  # so the proof above could fail


def test_hostile_added_cells_earn_only_what_the_answer_file_earns(graded: dict[str, Any]) -> None:
    ours, executing = checks_scores(graded["root"]), checks_scores(graded["serial"])
    assert ours["forger"] == 0 and ours["patcher"] == graded["all a"] and ours["runner"] == graded["full"]
    assert graded["all a"] < graded["full"]
    # What the same hand-ins earn when nbgrader runs them: the attacks work there.
    assert executing["forger"] == executing["patcher"] == graded["full"]


def test_honest_hand_ins_score_as_nbgraders_executing_autograde(graded: dict[str, Any]) -> None:
    assert {
        o.learner: o.status for o in graded["executing"].outcomes if o.learner in HONEST
    } == dict.fromkeys(HONEST, "graded")
    assert all_grades(graded["root"], HONEST) == all_grades(graded["serial"], HONEST)
    ours = checks_scores(graded["root"])
    assert ours["complete"] == ours["late"] == ours["locked_edited"] == graded["full"]
    assert ours["partial"] == graded["partly"] and ours["damaged"] == 0 and ours["no_answers"] == 0


def test_tampering_is_reported_by_learner_cell_and_kind(graded: dict[str, Any]) -> None:
    notes = {o.learner: o.notes for o in graded["ours"].outcomes}
    for sid in HOSTILE:
        assert "added code cell after m02_setup" in notes[sid], notes[sid]
    assert "edited locked cell m02_setup" in notes["locked_edited"]
    removed = graded["removed"]
    assert {f"removed cell {removed}", f"removed cell {removed.replace('_post_', '_show_')}"} <= set(
        notes["remover"]
    )
    assert notes["complete"] == [] and notes["partial"] == []
    assert (
        checks_scores(graded["root"])["remover"] == graded["full"]
    )  # its removed check is graded all the same
    record = read_autograde_record(graded["root"], MODULE)
    assert record["patcher"]["notes"] == notes["patcher"]


def test_answer_files_of_another_module_or_with_unknown_ids_are_reported(graded: dict[str, Any]) -> None:
    notes = {o.learner: o.notes for o in graded["ours"].outcomes}
    scores = checks_scores(graded["root"])
    assert scores["wrong_module"] == 0
    assert any("field module: is 'm03', expected 'm02'" in n for n in notes["wrong_module"]), notes[
        "wrong_module"
    ]
    assert scores["unknown_ids"] == graded["full"]
    assert any(
        "no such question in m02: m02-p-nope" in n and "questions of another module: m03-p-elsewhere" in n
        for n in notes["unknown_ids"]
    ), notes["unknown_ids"]
    assert "no answer file m02-answers.json: every post-test item scores 0" in notes["no_answers"]


def test_status_shows_autogrades_notes_and_never_contradicts_the_score(graded: dict[str, Any]) -> None:
    status = graded["status"]
    assert "added code cell after m02_setup" in status["patcher"].notes
    assert status["patcher"].checks_score == graded["all a"]
    for row in status.values():
        if any("every post-test item scores 0" in n for n in row.notes):
            assert row.checks_score == 0, (row.id, row.notes, row.checks_score)
    assert not any("handed in again" in n for row in status.values() for n in row.notes)


def test_status_says_a_hand_in_changed_since_autograde_and_clamps_a_late_penalty(
    graded: dict[str, Any],
) -> None:
    root = graded["root"]
    with gradebook(root) as gb:
        sub = gb.find_submission(MODULE, "late")
        for nb in sub.notebooks:
            nb.late_submission_penalty = 100.0
        gb.db.commit()
    answers = root / "submitted" / "partial" / MODULE / store_filename(MODULE)
    answers.write_text(answers.read_text() + " ")
    status = {row.id: row for row in module_status(root, MODULE).learners}
    assert status["late"].score == 0.0 and status["late"].checks_score == graded["full"]
    assert "handed in again after autograding: run autograde again" in status["partial"].notes


def test_plain_nbgrader_autograde_with_the_course_config_runs_nothing(
    graded: dict[str, Any], tmp_path: Path
) -> None:
    """The formgrader's autograde button and `nbgrader autograde` use the course's nbgrader_config.py."""
    root = tmp_path / "course"
    shutil.copytree(graded["root"], root)
    marker = graded["root"].parent / "runner-ran.txt"
    marker.unlink(missing_ok=True)  # the executing path wrote it
    result = subprocess.run(
        [BIN / "nbgrader", "autograde", MODULE, "--student", "runner", "--force"],
        cwd=root,
        capture_output=True,
        text=True,
        env=dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}"),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert not marker.exists()
    assert checks_scores(root)["runner"] == graded["full"]


@pytest.mark.parametrize("jobs", ["-1", "0"])
def test_jobs_below_one_is_refused_with_a_clear_message(graded: dict[str, Any], jobs: str) -> None:
    result = subprocess.run(
        [BIN / "affirming_care", "grade", "autograde", MODULE, "--course", graded["root"], "--jobs", jobs],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"--jobs must be 1 or more (got {jobs})" in result.stderr + result.stdout


def test_keys_are_parsed_literally_never_run(graded: dict[str, Any], tmp_path: Path) -> None:
    keys = module_keys(graded["root"] / "source", MODULE)[MODULE]
    bank = load_banks(graded["root"] / "posttest")[MODULE]
    assert sorted(keys) == sorted(slot_grade_id(MODULE, s.id) for s in bank.slots)
    key = keys[slot_grade_id(MODULE, bank.slots[0].id)]
    assert isinstance(key, PostTestKey) and key.slot == bank.slots[0] and key.points == bank.slots[0].points
    for bad, why in [
        ("expect_posttest('m02', 'm02-p-nope')", "has no post-test slot 'm02-p-nope'"),
        ("expect_posttest('m02', SLOT)", "two literal strings"),
        ("import os\nexpect_answer('m02', 'q', ['a'])", "expected only expect_posttest"),
        ("expect_answer('m02', 'q', KEY)", "three literal arguments"),
        (
            "expect_answer('m02', 'q', ['a'])\nexpect_answer('m02', 'r', ['b'])",
            "expected one expect_posttest",
        ),
        ("expect_answer('m02', 'q', [1])", "must be strings"),
    ]:
        with pytest.raises(GradingError, match=why) as info:
            cell_key(bad, MODULE, "m02_grade_x", 1.0, tmp_path / "m02.ipynb", {MODULE: bank})
        assert "cell m02_grade_x" in str(info.value)


def test_tampering_names_added_copied_removed_and_changed_cells() -> None:
    released = nbformat.read(
        Path(__file__).parents[1] / "assignments" / "source" / MODULE / f"{MODULE}.ipynb", 4
    )
    nb = nbformat.reads(nbformat.writes(released), 4)  # a copy to edit
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
    nb.cells.insert(0, new_code_cell("print(1)"))
    nb.cells.append(nbformat.reads(nbformat.writes(released), 4).cells[ids.index("m02_setup")])
    del nb.cells[ids.index("m02_objectives") + 1]
    graded_id = next(i for i in ids if i.startswith("m02_post_"))
    grade = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == graded_id)
    grade.metadata["nbgrader"]["points"] = 100
    assert tampering(released, nb) == [
        "added code cell after the start of the notebook",
        f"changed the grading settings (points) of cell {graded_id}",
        "added a copy of cell m02_setup after m02_submit",
        "removed cell m02_objectives",
    ]


def test_answer_notes_come_from_one_read(tmp_path: Path) -> None:
    (tmp_path / store_filename(MODULE)).symlink_to(tmp_path / "elsewhere.json")
    (tmp_path / "elsewhere.json").write_text(answers_json({}))
    notes = read_submission_answers(tmp_path, MODULE, set()).notes
    assert notes == [
        "damaged answer file m02-answers.json (is a symbolic link, not a file; it was not followed): every post-test item scores 0"
    ]
