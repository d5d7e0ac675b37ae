"""Build each module's nbgrader source assignment from the same YAML the notebook shows.

``affirming_care assignments`` writes ``assignments/source/mNN/mNN.ipynb``; a test fails when a
committed assignment differs from what this module would write, so nothing is written twice by
hand. Beside each notebook it writes ``mNN-posttest.json``, the learner's keyless copy of the
module's post-test items (``posttest.public_bank``); the keys stay in the bank, on the instructor's
side. The learner clicks and types: every code cell is locked, the post-test is answered by clicking,
and the reflection is typed into the same box as in the module's notebook (saved to the answer file).
Its manually graded Markdown cell is read-only (``editable: false``); grading places the reflection there
(``grading.answers_grader``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from affirming_care import paths
from affirming_care.loader import Course, ModuleContent
from affirming_care.posttest import Bank, bank_root, effective_banks, public_bank, public_filename
from affirming_care.store import store_filename

REPO = paths.course_root()
SOURCE = REPO / "assignments" / "source"
OBJECTIVES_HEADING = "## What you will be able to do"
PASS_PERCENT = 75
"""The default pass mark, as learners read it (the course settings' ``pass_mark`` is the one that counts)."""
REFLECTION_THRESHOLD = 8
"""The default reflection threshold, of the rubric's 12 points (``reflection_threshold`` in the settings)."""
REFLECTION_PLACEHOLDER = (
    "*Your reflection is typed in the box above, not here. It is saved in your answer file and shown "
    "here, beside the rubric, when your work is graded.*"
)


def _nbgrader(
    cell: Any,
    grade_id: str,
    *,
    grade: bool = False,
    solution: bool = False,
    locked: bool = True,
    points: int | None = None,
) -> Any:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


EVALUATION_MODULE = "m12"


def evaluation_cells(mid: str) -> list[Any]:
    """The course evaluation at the end of the capstone's assignment: not graded, kept in its answer file."""
    return [
        _nbgrader(
            new_markdown_cell(
                "## Tell us about the course (not graded)\n\n"
                "Four statements and a box for comments, about the course and not about you. It asks nothing "
                "about who you are or about your own history, and every answer is optional. Your answers are "
                "handed in with this assignment; the course leader sees only totals for the whole group, and "
                "only when at least five people have answered."
            ),
            f"{mid}_evaluation_prompt",
        ),
        _nbgrader(
            new_code_cell(
                "# Run this cell to open the course evaluation. Each answer is saved as you choose it.\n"
                "from affirming_care.evaluation_widget import show_evaluation\n\n"
                f'show_evaluation("{mid}")'
            ),
            f"{mid}_evaluation",
        ),
    ]


def objectives_cell(notebook: Path) -> str:
    """The learning notebook's objectives, so the assignment states the same ones."""
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith(OBJECTIVES_HEADING):
            return str(cell.source).strip()
    raise ValueError(f"{notebook}: no markdown cell starts with {OBJECTIVES_HEADING!r}")


def rubric_markdown(course: Course) -> str:
    r = course.rubric
    head = "| Criterion | " + " | ".join(str(lv.score) for lv in r.criteria[0].levels) + " |"
    sep = "|---" * (len(r.criteria[0].levels) + 1) + "|"
    rows = [f"| {c.title} | " + " | ".join(lv.description for lv in c.levels) + " |" for c in r.criteria]
    return "\n".join([head, sep, *rows])


def slot_grade_id(mid: str, slot_id: str) -> str:
    """``m02-p-spot-the-assumption`` → ``m02_post_spot_the_assumption``."""
    return f"{mid}_post_" + slot_id.removeprefix(f"{mid}-p-").replace("-", "_")


def _intro_cells(course: Course, mod: ModuleContent, bank: Bank, notebooks: Path) -> list[Any]:
    mid, meta = mod.meta.id, mod.meta
    n, points = len(bank.slots), bank.max_points
    return [
        _nbgrader(
            new_markdown_cell(
                f"# Module {meta.number} assignment: {meta.title}\n\n"
                f"This assignment has two parts: **Part A**, a post-test of {n} questions ({points} points, "
                f"graded automatically), and **Part B**, a written reflection ({course.rubric.max_points} points, "
                "read and graded by your facilitator).\n\n"
                "**How to answer.** Run each cell with Shift+Enter (or *Run > Run All Cells*). "
                "Click your answers in the boxes that appear, and type your reflection in the box in Part B. "
                "You never need to change any code or edit a cell.\n\n"
                f"**Where your answers go.** Every answer is saved the moment you give it, in `{store_filename(mid)}`, "
                "beside this notebook, on your computer only. When you submit the assignment, that file "
                "is submitted with the notebook. Keep both in the same folder."
            ),
            f"{mid}_instructions",
        ),
        _nbgrader(
            new_markdown_cell(objectives_cell(notebooks / f"{meta.notebook}.ipynb")), f"{mid}_objectives"
        ),
        _nbgrader(
            new_code_cell(
                "# Run this cell first (Shift+Enter). It loads the questions and your saved answers.\n"
                "from affirming_care import Module\n\n"
                f'module = Module("{mid}", graded=True)'
            ),
            f"{mid}_setup",
        ),
        _nbgrader(
            new_markdown_cell(
                f"## Part A: post-test ({points} points)\n\n"
                "These questions are new: they are not the practice checks of the module's notebook. "
                "Each learner gets one of several versions of each question, with the options in its own order. "
                "Choose your answer and press **Save my answer**; you can change it until you submit.\n\n"
                "Nothing here tells you whether an answer is right. When your work has been graded, your feedback "
                "shows each question's right answer and why. A question marked *choose all that apply* "
                "earns part of its point for part of the answer: each right option you choose counts for it, "
                "each wrong option you choose counts against it, and a question never scores below zero.\n\n"
                f"To pass the module you need {PASS_PERCENT} % of the post-test's points and, once it is graded, "
                f"at least {REFLECTION_THRESHOLD} of {course.rubric.max_points} points for the reflection."
            ),
            f"{mid}_part_a",
        ),
    ]


def _posttest_cells(mid: str, bank: Bank) -> list[Any]:
    cells = []
    for i, slot in enumerate(bank.slots, start=1):
        gid = slot_grade_id(mid, slot.id)
        plural = "s" if slot.points > 1 else ""
        cells.append(
            _nbgrader(
                new_code_cell(
                    f"# Question {i} of {len(bank.slots)} ({slot.points} point{plural}). "
                    "Run this cell and click your answer.\n"
                    f'module.posttest("{slot.id}")'
                ),
                gid.replace("_post_", "_show_", 1),
            )
        )
        cells.append(
            _nbgrader(
                new_code_cell(
                    f"# Grading for question {i}: graded by your facilitator's copy of the course. Just run it.\n"
                    "from affirming_care.grading import expect_posttest\n"
                    "### BEGIN HIDDEN TESTS\n"
                    f"expect_posttest({mid!r}, {slot.id!r})\n"
                    "### END HIDDEN TESTS"
                ),
                gid,
                grade=True,
                points=slot.points,
            )
        )
    return cells


def _reflection_cells(course: Course, mod: ModuleContent) -> list[Any]:
    mid, reflection = mod.meta.id, mod.reflection
    assert reflection is not None  # checked by build_assignment
    look_for = "\n".join(f"- {x}" for x in reflection.look_for)
    answer = _nbgrader(
        new_markdown_cell(REFLECTION_PLACEHOLDER),
        f"{mid}_reflection",
        grade=True,
        solution=True,
        locked=False,
        points=course.rubric.max_points,
    )
    answer.metadata["affirming_care"] = {"reflection": reflection.id}
    answer.metadata["editable"] = (
        False  # JupyterLab's read-only flag (nbgrader never sets it on answer cells)
    )
    return [
        _nbgrader(
            new_markdown_cell(
                f"## Part B: reflection ({course.rubric.max_points} points)\n\n"
                f"Aim for {reflection.words[0]} to {reflection.words[1]} words. Write about your practice; "
                "you are never asked about your own history. If you already wrote this reflection in the "
                "module's notebook, it is brought over here and you can revise it.\n\n"
                f"**A strong answer:**\n\n{look_for}\n\n"
                f"**How it is graded** (four criteria, 0 to 3 points each):\n\n{rubric_markdown(course)}"
            ),
            f"{mid}_reflection_prompt",
        ),
        _nbgrader(
            new_code_cell(
                "# Run this cell and type your reflection in the box. It is saved as you type.\n"
                "module.reflection()"
            ),
            f"{mid}_reflection_box",
        ),
        answer,
    ]


def build_assignment(
    course: Course, mod: ModuleContent, notebooks: Path, bank: Bank | None = None
) -> nbformat.NotebookNode:
    """One module's source assignment: the post-test from ``bank`` (default: the module's bank) and the reflection."""
    mid = mod.meta.id
    if mod.reflection is None:
        raise ValueError(f"{mid} has no reflection.yml; every module's assignment needs one")
    bank = bank or effective_banks()[mid]
    cells = _intro_cells(course, mod, bank, notebooks) + _posttest_cells(mid, bank)
    cells += _reflection_cells(course, mod)
    if mid == EVALUATION_MODULE:
        cells += evaluation_cells(mid)  # issue 13: the course evaluation travels with the capstone
    return assemble(mid, cells)


def assemble(mid: str, cells: list[Any], id_digits: int = 2) -> nbformat.NotebookNode:
    """An assignment notebook: ``cells``, then the "Before you submit" cell, with stable cell ids.

    Shared by the module assignments and the pre-course check (``precheck``), which names its
    answer file the same way (``store_filename``).
    """
    nb: nbformat.NotebookNode = new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    submit = new_markdown_cell(
        "## Before you submit\n\nSave the notebook (Ctrl+S or Cmd+S). Check that "
        f"`{store_filename(mid)}` is in the same folder. Then submit as your facilitator has shown you."
    )
    nb.cells = [*cells, _nbgrader(submit, f"{mid}_submit")]
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"{mid}-{n:0{id_digits}d}"
    return nb


def assignment_path(mid: str, source: Path = SOURCE) -> Path:
    return source / mid / f"{mid}.ipynb"


def render_assignment(course: Course, mod: ModuleContent, notebooks: Path, bank: Bank | None = None) -> str:
    nb = build_assignment(course, mod, notebooks, bank)
    nbformat.validate(nb)
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def render_items(bank: Bank) -> str:
    """The learner's keyless copy of the module's post-test, released beside the notebook."""
    return public_bank(bank).model_dump_json(indent=1) + "\n"


def assignment_files(
    course: Course, notebooks: Path, source: Path = SOURCE, bank_dir: Path | None = None
) -> dict[Path, str]:
    """Every file ``affirming_care assignments`` writes, with its text: a notebook and an item file per module."""
    banks = effective_banks(bank_dir)
    missing = sorted(set(course.modules) - set(banks))
    if missing:
        raise ValueError(f"no post-test bank for {', '.join(missing)} (looked in {bank_dir or bank_root()})")
    files: dict[Path, str] = {}
    for mid, mod in sorted(course.modules.items()):
        files[assignment_path(mid, source)] = render_assignment(course, mod, notebooks, banks[mid])
        files[source / mid / public_filename(mid)] = render_items(banks[mid])
    # The pre-course check (issue 13): one item per objective, in the variants the post-tests do not show.
    from affirming_care.precheck import PRECHECK, PRECHECK_ITEMS, build_precheck_assignment, precheck_public

    titles = {mid: mod.meta.title for mid, mod in course.modules.items()}
    pre = build_precheck_assignment(banks, titles)
    nbformat.validate(pre)
    files[assignment_path(PRECHECK, source)] = (
        json.dumps(pre, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    )
    files[source / PRECHECK / PRECHECK_ITEMS] = precheck_public(banks).model_dump_json(indent=1) + "\n"
    return files


def write_assignments(
    course: Course, notebooks: Path, source: Path = SOURCE, bank_dir: Path | None = None
) -> list[Path]:
    written = []
    for path, text in assignment_files(course, notebooks, source, bank_dir).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
