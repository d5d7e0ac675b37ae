"""Build each module's nbgrader source assignment from the same YAML the notebook shows.

``affirming_care assignments`` writes ``assignments/source/mNN/mNN.ipynb``; a test fails when a
committed assignment differs from what this module would write, so nothing is written twice by
hand. The learner clicks and types: every code cell is locked, and the one free-text answer is
a Markdown cell graded by hand against the rubric shown above it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from affirming_care import paths
from affirming_care.loader import Course, ModuleContent
from affirming_care.store import store_filename

REPO = paths.course_root()
SOURCE = REPO / "assignments" / "source"
OBJECTIVES_HEADING = "## What you will be able to do"


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


def build_assignment(course: Course, mod: ModuleContent, notebooks: Path) -> nbformat.NotebookNode:
    mid, meta = mod.meta.id, mod.meta
    questions, reflection = mod.questions, mod.reflection
    if reflection is None:
        raise ValueError(f"{mid} has no reflection.yml; every module's assignment needs one")
    check_points = sum(q.points for q in questions)
    nb: nbformat.NotebookNode = new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    cells = [
        _nbgrader(
            new_markdown_cell(
                f"# Module {meta.number} assignment: {meta.title}\n\n"
                f"This assignment has two parts: **Part A**, {len(questions)} knowledge checks "
                f"({check_points} points, graded automatically), and **Part B**, a written reflection "
                f"({course.rubric.max_points} points, read and graded by your facilitator).\n\n"
                "**How to answer.** Run each cell with Shift+Enter (or *Run > Run All Cells*). "
                "Click your answers in the boxes that appear, and type your reflection in Part B. "
                "You never need to change any code.\n\n"
                f"**Where your answers go.** Your clicks are saved at once in `{store_filename(mid)}`, "
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
                f"## Part A: knowledge checks ({check_points} points)\n\n"
                "Choose your answer, then press **Save my answer**. You can change an answer until you "
                "submit. When your feedback comes back, it shows your score on each question and "
                "whether your answer was correct; the module's notebook explains every option."
            ),
            f"{mid}_part_a",
        ),
    ]
    for i, q in enumerate(questions, start=1):
        slug = q.id.removeprefix(f"{mid}-").replace("-", "_")
        cells.append(
            _nbgrader(
                new_code_cell(
                    f"# Question {i} ({q.points} point{'s' if q.points > 1 else ''}). Run this cell and click your answer.\n"
                    f'module.check("{q.id}")'
                ),
                f"{mid}_show_{slug}",
            )
        )
        cells.append(
            _nbgrader(
                new_code_cell(
                    f"# Grading for question {i}: this cell checks the answer you saved. Just run it.\n"
                    "from affirming_care.grading import expect_answer\n"
                    "### BEGIN HIDDEN TESTS\n"
                    f"expect_answer({mid!r}, {q.id!r}, {sorted(q.answer)!r})\n"
                    "### END HIDDEN TESTS"
                ),
                f"{mid}_grade_{slug}",
                grade=True,
                points=q.points,
            )
        )
    look_for = "\n".join(f"- {x}" for x in reflection.look_for)
    cells.append(
        _nbgrader(
            new_markdown_cell(
                f"## Part B: reflection ({course.rubric.max_points} points)\n\n"
                f"### {reflection.title}\n\n{reflection.prompt.strip()}\n\n"
                f"Aim for {reflection.words[0]} to {reflection.words[1]} words. Write about your practice; "
                "you are never asked about your own history.\n\n"
                f"**A strong answer:**\n\n{look_for}\n\n"
                f"**How it is graded** (four criteria, 0 to 3 points each):\n\n{rubric_markdown(course)}\n\n"
                "Double-click the cell below (or select it and press Enter), replace *Write your reflection here* "
                "with your answer, then press Shift+Enter."
            ),
            f"{mid}_reflection_prompt",
        )
    )
    cells.append(
        _nbgrader(
            new_markdown_cell("Write your reflection here."),
            f"{mid}_reflection",
            grade=True,
            solution=True,
            locked=False,
            points=course.rubric.max_points,
        )
    )
    if mid == EVALUATION_MODULE:
        cells += evaluation_cells(mid)  # issue 13: the course evaluation travels with the capstone
    cells.append(
        _nbgrader(
            new_markdown_cell(
                "## Before you submit\n\nSave the notebook (Ctrl+S or Cmd+S). Check that "
                f"`{store_filename(mid)}` is in the same folder. Then submit as your facilitator has shown you."
            ),
            f"{mid}_submit",
        )
    )
    nb.cells = cells
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"{mid}-{n:02d}"
    return nb


def assignment_path(mid: str, source: Path = SOURCE) -> Path:
    return source / mid / f"{mid}.ipynb"


def render_assignment(course: Course, mod: ModuleContent, notebooks: Path) -> str:
    nb = build_assignment(course, mod, notebooks)
    nbformat.validate(nb)
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def write_assignments(course: Course, notebooks: Path, source: Path = SOURCE) -> list[Path]:
    written = []
    for mid, mod in sorted(course.modules.items()):
        path = assignment_path(mid, source)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_assignment(course, mod, notebooks), encoding="utf-8")
        written.append(path)
    return written
