"""The whole grading cycle through `affirming_care grade`, on a 12-learner rehearsal cohort, two modules.

One module is handed in through nbgrader's exchange, the other as an LMS zip. Every step runs as an
instructor would run it: init with a roster, release with a due date, rehearse, collect, zip-collect,
autograde (from the answer files, nothing run), status, manual grading (as the formgrader records it),
feedback, export. That grading without running gives the scores nbgrader's executing autograde
gives is shown once, in tests/test_grading_noexec.py; the hostile kinds are in
tests/test_grading_hostile_e2e.py.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from affirming_care.grading.course import load_settings
from affirming_care.grading.exports import CANVAS_HEADER, COMPLETION_HEADER, MOODLE_HEADER
from affirming_care.grading.feedback import FORBIDDEN_IN_FEEDBACK
from affirming_care.grading.rehearsal import SPECIAL, synthetic_roster, write_roster
from affirming_care.loader import cached_course, load_course
from affirming_care.posttest import load_banks, score_hand_in
from affirming_care.store import DamagedStore, PostTestRecord, read_answer_file, store_filename
from test_grading_support import Material, grade, material

pytestmark = pytest.mark.slow
LEARNERS = 12
DUE = "2026-11-20 17:00+00:00"


def comment_for(learner: str, module: str) -> str:
    return f"Thank you, {learner}. Your plan for {module} is concrete; next time name one assumption of your own."


def manual_score(learner: str) -> float:
    return float(6 + sum(map(ord, learner)) % 7)  # 6 to 12, fixed per learner


def grade_reflections_like_the_formgrader(root: Path) -> dict[tuple[str, str], float]:
    """What the formgrader's grade and comment handlers store when a grader saves a score and a comment."""
    from affirming_care.grading.gradebook import gradebook

    given = {}
    with gradebook(root) as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                for nb in sub.notebooks:
                    waiting = [g for g in nb.grades if g.needs_manual_grade]
                    for g in waiting:
                        g.manual_score = manual_score(sub.student.id)
                        g.needs_manual_grade = False
                        given[(assignment.name, sub.student.id)] = g.manual_score
                    for c in nb.comments if waiting else []:
                        c.manual_comment = comment_for(sub.student.id, assignment.name)
        gb.db.commit()
    return given


def gradebook_scores(root: Path) -> dict[tuple[str, str, str], tuple[float | None, bool]]:
    from affirming_care.grading.gradebook import gradebook

    scores = {}
    with gradebook(root) as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                scores[(assignment.name, sub.student.id, "late seconds")] = (sub.total_seconds_late, False)
                for nb in sub.notebooks:
                    for g in nb.grades:
                        scores[(assignment.name, sub.student.id, g.name)] = (
                            g.auto_score,
                            g.needs_manual_grade,
                        )
    return scores


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("grading")
    mat: Material = material(tmp)
    with pytest.MonkeyPatch.context() as mp:
        if mat.content is not None:
            mp.setenv("AFFIRMING_CARE_CONTENT", str(mat.content))
        cached_course.cache_clear()
        yield run_cycle(tmp, mat)
    cached_course.cache_clear()


def run_cycle(tmp: Path, mat: Material) -> dict[str, Any]:
    root = tmp / "course"
    first, second = mat.modules
    roster = write_roster(synthetic_roster(LEARNERS, seed=7), tmp / "roster.csv")
    out: dict[str, Any] = {"root": root, "mat": mat, "modules": mat.modules}
    out["init"] = grade(
        "init", "--course", root, "--roster", roster, "--exchange", tmp / "exchange",
        "--modules", *mat.modules, "--source", mat.source, mat=mat,
    )  # fmt: skip
    for m in mat.modules:
        out[f"release {m}"] = grade("release", m, "--course", root, "--due", DUE, mat=mat)
    refused = grade("rehearse", "--course", root, "--modules", first, mat=mat, check=False)
    assert refused.returncode == 1 and "A rehearsal hands in made-up work" in refused.stderr
    practice = ("--use-existing-folder", "--seed", "7")
    out["rehearse exchange"] = grade("rehearse", "--course", root, "--modules", first, *practice, mat=mat)
    out["rehearse zip"] = grade(
        "rehearse", "--course", root, "--modules", second, "--deliver", "zip", *practice, mat=mat
    )
    out["collect"] = grade("collect", first, "--course", root, mat=mat)
    archive = root / "downloads" / f"{second}-lms-download.zip"
    out["zip-collect"] = grade("zip-collect", second, archive, "--course", root, mat=mat)

    for m in mat.modules:
        out[f"autograde {m}"] = grade("autograde", m, "--course", root, mat=mat)
    out["status"] = {
        s["module"]: s for s in json.loads(grade("status", "--course", root, "--json", mat=mat).stdout)
    }
    out["manifest"] = json.loads((root / "rehearsal.json").read_text())["submissions"]
    out["parallel scores"] = gradebook_scores(root)
    out["held feedback"] = grade("feedback", first, "--course", root, mat=mat)
    out["manual"] = grade_reflections_like_the_formgrader(root)
    out["zip-collect again"] = grade("zip-collect", second, archive, "--course", root, mat=mat)
    out["autograde again"] = grade("autograde", first, "--course", root, mat=mat)
    out["autograde again zip"] = grade("autograde", second, "--course", root, mat=mat)
    out["status graded"] = {
        s["module"]: s for s in json.loads(grade("status", "--course", root, "--json", mat=mat).stdout)
    }
    for m in mat.modules:
        out[f"feedback {m}"] = grade("feedback", m, "--course", root, mat=mat)
    out["export"] = grade("export", "--course", root, mat=mat)
    out["course"] = load_course(mat.content)
    return out


def rows(cycle: dict[str, Any], module: str, key: str = "status") -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in cycle[key][module]["learners"]}


def handed_in_posttest(cycle: dict[str, Any], module: str, learner: str) -> PostTestRecord | None:
    """The post-test section of the answer file the learner handed in (None: none readable)."""
    path = cycle["root"] / "submitted" / learner / module / store_filename(module)
    try:
        data = read_answer_file(path)
    except DamagedStore:
        return None
    return data.posttest if data is not None else None


def expected_checks(cycle: dict[str, Any], module: str, learner: str) -> float:
    """From the answer file the learner handed in and the course's post-test bank, not from nbgrader."""
    record = handed_in_posttest(cycle, module, learner)
    if record is None:
        return 0.0
    bank = load_banks(cycle["root"] / "posttest")[module]
    return float(score_hand_in(bank, record.seed, record.answers).earned)


def answered_slots(cycle: dict[str, Any], module: str, learner: str) -> int:
    """How many post-test items the learner's answer file answers (each worth one point as shipped)."""
    record = handed_in_posttest(cycle, module, learner)
    return len(record.answers) if record is not None else 0


def test_every_step_ran_and_printed_its_summary(cycle: dict[str, Any]) -> None:
    first = cycle["modules"][0]
    for name, result in cycle.items():
        if hasattr(result, "stderr"):
            assert "Traceback" not in result.stderr + result.stdout, name

    assert f"{LEARNERS} in the gradebook" in cycle["init"].stdout
    assert "Post-test items (autograded)" in cycle[f"release {first}"].stdout
    assert re.search(r"Collected \d+ new or updated submission", cycle["collect"].stdout)
    assert re.search(r"Collected \d+ new or updated submission", cycle["zip-collect"].stdout)
    for m in cycle["modules"]:
        text = cycle[f"autograde {m}"].stdout
        assert f"Autograding {m}" in text  # the progress bar
        assert "from answer files, nothing run" in text
        assert "reflection(s) waiting for a human grader" in text
        assert "Could not be graded" in text


def test_the_rehearsal_has_every_kind_of_submission_in_each_module(cycle: dict[str, Any]) -> None:
    for m in cycle["modules"]:
        kinds = [p["kind"] for p in cycle["manifest"] if p["module"] == m]

        assert len(kinds) == LEARNERS
        assert set(SPECIAL) | {"complete", "partial"} == set(kinds)
    by_module = {
        m: {p["learner"] for p in cycle["manifest"] if p["module"] == m and p["kind"] in SPECIAL}
        for m in cycle["modules"]
    }
    assert by_module[cycle["modules"][0]] != by_module[cycle["modules"][1]]


def test_each_kind_of_submission_gets_its_expected_score(cycle: dict[str, Any]) -> None:
    for p in cycle["manifest"]:
        m, sid, kind = p["module"], p["learner"], p["kind"]
        row = rows(cycle, m)[sid]
        if kind == "not_submitted":
            assert not row["submitted"], (m, sid)
            continue
        assert row["submitted"], (m, sid, kind)
        if kind == "missing_notebook":
            assert not row["autograded"] and "no notebook" in row["problem"], (m, sid)
            continue
        expected = expected_checks(cycle, m, sid)

        assert row["autograded"] and not row["problem"], (m, sid, kind, row)
        assert row["checks_score"] == expected == p["expected_checks"], (m, sid, kind)
        assert row["late"] == (kind == "late") and (row["late_seconds"] > 0) == (kind == "late"), (m, sid)
        assert row["reflection"] == ("waiting" if p["reflection_written"] else "blank"), (m, sid, kind)
        answered = answered_slots(cycle, m, sid)
        if kind in ("complete", "late", "locked_cell_edited", "stray_file"):
            assert answered == row["checks_max"] > 0 and row["checks_score"] <= row["checks_max"], (
                m,
                sid,
                kind,
            )
        if kind in ("no_answer_file", "damaged_answer_file"):
            assert row["checks_score"] == 0
        if kind == "partial":
            assert answered < row["checks_max"] and row["checks_score"] < row["checks_max"]


def test_bad_submissions_are_reported_by_learner_and_reason(cycle: dict[str, Any]) -> None:
    reasons = {
        "no_answer_file": "no answer file",
        "damaged_answer_file": "damaged answer file",
        "locked_cell_edited": "edited locked cell",
        "stray_file": "extra file not graded",
        "late": "late by",
    }
    for p in cycle["manifest"]:
        m, sid, kind = p["module"], p["learner"], p["kind"]
        row = rows(cycle, m)[sid]
        printed = cycle[f"autograde {m}"].stdout
        if kind == "missing_notebook":
            assert row["problem"].startswith(f"no notebook {m}.ipynb in the submission")
            assert re.search(rf"{re.escape(sid)}\s+│ no notebook {m}\.ipynb", printed), sid
        elif kind in reasons:
            assert any(reasons[kind] in note for note in row["notes"]), (m, sid, row["notes"])
            line = next(x for x in printed.splitlines() if f"│ {sid} " in x)
            assert reasons[kind].split()[0] in line or reasons[kind] in printed


def test_every_gradable_submission_is_in_the_gradebook(cycle: dict[str, Any]) -> None:
    """That these scores equal nbgrader's executing autograde is shown once, on the same kinds of
    hand-in, in tests/test_grading_noexec.py (test_honest_hand_ins_score_as_nbgraders_executing_autograde)."""
    graded = {(m, s) for (m, s, _g) in cycle["parallel scores"]}

    assert len(graded) == sum(
        1 for p in cycle["manifest"] if p["kind"] not in ("not_submitted", "missing_notebook")
    )


def test_grades_given_in_the_formgrader_show_in_the_status(cycle: dict[str, Any]) -> None:
    """Even after autograde runs again: it leaves unchanged submissions, and so their grades, alone."""
    for again in (cycle["autograde again"].stdout, cycle["autograde again zip"].stdout):
        assert re.search(r"Autograded 0 of \d+ submission", again)
        assert "were already autograded and not handed in again" in again
    assert cycle["manual"]
    for (m, sid), score in cycle["manual"].items():
        row = rows(cycle, m, "status graded")[sid]

        assert row["reflection"] == "graded"
        assert row["reflection_score"] == score
        assert row["score"] == row["checks_score"] + score


def test_feedback_is_held_back_until_the_reflection_is_graded(cycle: dict[str, Any]) -> None:
    first = cycle["modules"][0]
    waiting = [sid for sid, r in rows(cycle, first).items() if r["reflection"] == "waiting"]

    assert waiting
    for sid in waiting:
        assert re.search(
            rf"{re.escape(sid)}\s+│ held back: reflection not graded yet", cycle["held feedback"].stdout
        )


def page_text(path: Path) -> str:
    """What a reader sees: no tags, no style sheet, no script."""
    raw = re.sub(r"<(style|script)\b.*?</\1>", " ", path.read_text(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


def test_feedback_holds_scores_comments_and_rubric_but_no_answer_key(cycle: dict[str, Any]) -> None:
    root = cycle["root"]
    rubric = cycle["course"].rubric
    pages = 0
    for m in cycle["modules"]:
        for sid, row in rows(cycle, m, "status graded").items():
            if not row["autograded"]:
                assert not (root / "feedback" / sid / m).exists()
                continue
            page = root / "feedback" / sid / m / f"{m}.html"
            raw = page.read_text()
            text = page_text(page)
            pages += 1

            assert "Score:" in text
            assert all(c.title in text for c in rubric.criteria)
            assert (comment_for(sid, m) in text) == (row["reflection"] == "graded")
            for marker in FORBIDDEN_IN_FEEDBACK:
                assert marker not in raw.replace("import expect_answer", ""), (sid, m, marker)
            assert "Traceback" not in text
            for q in cycle["course"].module(m).questions:
                assert repr(sorted(q.answer)) not in raw
        archive = root / "exports" / f"{m}-feedback.zip"
        with zipfile.ZipFile(archive) as zf:
            assert len(zf.namelist()) == sum(1 for r in rows(cycle, m).values() if r["autograded"])
    assert pages > 0
    # Work handed in through the exchange gets its feedback back through it; the LMS zip has the rest.
    released = list((root.parent / "exchange" / load_settings(root).course_id / "feedback").glob("*.html"))
    first = cycle["modules"][0]
    assert len(released) == sum(1 for r in rows(cycle, first).values() if r["autograded"])
    assert "Released to the exchange for" in cycle[f"feedback {first}"].stdout
    assert "Released to the exchange" not in cycle[f"feedback {cycle['modules'][1]}"].stdout


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_the_canvas_csv_parses_with_the_required_header(cycle: dict[str, Any]) -> None:
    root = cycle["root"]
    table = read_csv(root / "exports" / "canvas-gradebook.csv")
    header, points, learners = table[0], table[1], table[2:]
    settings = load_settings(root)

    assert header[:5] == CANVAS_HEADER == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert header[5:] == [settings.modules[m].label for m in cycle["modules"]]
    assert points[0].strip() == "Points Possible"
    assert len(learners) == LEARNERS and all(len(r) == len(header) for r in learners)
    by_login = {r[3]: r for r in learners}
    for i, m in enumerate(cycle["modules"]):
        assert float(points[5 + i]) == cycle["status"][m]["max_score"]
        for sid, row in rows(cycle, m, "status graded").items():
            cell = by_login[sid][5 + i]
            assert cell == ("" if not row["autograded"] else f"{row['score']:g}"), (m, sid)


def gradebook_parts(root: Path) -> dict[tuple[str, str], tuple[float, float, float | None]]:
    """Per hand-in: the autograded (code) cells' points and maximum, and the Markdown reflection's grade."""
    from affirming_care.grading.gradebook import gradebook

    out = {}
    with gradebook(root) as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                grades = [g for nb in sub.notebooks for g in nb.grades]
                code = [g for g in grades if g.cell.cell_type == "code"]
                text = [g.manual_score for g in grades if g.cell.cell_type == "markdown"]
                out[sub.student.id, a.name] = (
                    sum(g.score for g in code),
                    sum(g.max_score for g in code),
                    None if not text or text[0] is None else sum(text),
                )
    return out


def test_moodle_and_completion_files_agree_with_the_gradebook(cycle: dict[str, Any]) -> None:
    root = cycle["root"]
    moodle = read_csv(root / "exports" / "moodle-grades.csv")
    completion = {r[0]: r for r in read_csv(root / "exports" / "completion.csv")[1:]}
    nbgrader_rows = list(csv.DictReader((root / "exports" / "nbgrader-grades.csv").open()))
    settings = load_settings(root)

    assert moodle[0][:4] == MOODLE_HEADER and len(moodle) == LEARNERS + 1
    assert read_csv(root / "exports" / "completion.csv")[0][: len(COMPLETION_HEADER)] == COMPLETION_HEADER
    assert len(nbgrader_rows) == LEARNERS * len(cycle["modules"])
    parts = gradebook_parts(root)
    for sid, line in completion.items():
        passed = []
        for m in cycle["modules"]:
            if (sid, m) not in parts:
                continue
            post, post_max, reflection = parts[sid, m]
            if post >= settings.pass_mark * post_max and (reflection or 0) >= settings.reflection_threshold:
                passed.append(m)
        minutes = sum(settings.modules[m].minutes or 0 for m in passed)

        assert line[4] == str(len(passed)), sid
        assert line[5].split() == sorted(passed), sid
        assert float(line[6]) == pytest.approx(minutes / 60, abs=0.01), sid


def test_a_learner_who_hands_in_again_is_told_to_be_autograded_again(
    cycle: dict[str, Any], tmp_path: Path
) -> None:
    from affirming_care.grading.status import module_status

    first = cycle["modules"][0]
    serial = tmp_path / "course"
    shutil.copytree(cycle["root"], serial)
    learner = next(
        p["learner"] for p in cycle["manifest"] if p["module"] == first and p["kind"] == "complete"
    )
    (serial / "submitted" / learner / first / "timestamp.txt").write_text("2026-12-24 09:00:00.000000 UTC")

    row = next(r for r in module_status(serial, first).learners if r.id == learner)

    assert "handed in again after autograding: run autograde again" in row.notes
