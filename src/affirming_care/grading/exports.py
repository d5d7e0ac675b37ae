"""Grades out of the gradebook: nbgrader's CSV, a Canvas gradebook CSV, a Moodle one, a completion report.

All four read the same table (every learner x every released module), built once from nbgrader's
gradebook, so they cannot disagree. A module a learner did not submit, or whose reflection still waits
for a grader, is left blank in the LMS files: Canvas and Moodle skip blank cells, so an import
never puts a half-graded score in the LMS or overwrites a grade entered there by hand.

Every cell goes through ``sanitise.csv_cell``: text a spreadsheet would run as a formula (a
name or id starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading
``'``, every field is quoted, and numbers stay numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from affirming_care.grading.course import CourseSettings, load_settings
from affirming_care.grading.gradebook import gradebook
from affirming_care.grading.roster import Learner, saved_roster
from affirming_care.grading.sanitise import safe_csv_writer
from affirming_care.grading.scores import final_score

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEADER = ["First name", "Last name", "ID number", "Email address"]
COMPLETION_HEADER = [
    "Learner ID",
    "First name",
    "Last name",
    "Email",
    "Modules passed",
    "Modules passed (list)",
    "Hours earned",
    "Waiting for a grader (list)",
]


@dataclass
class ModuleGrade:
    state: Literal["not submitted", "waiting", "graded"]
    score: float | None = None
    max_score: float = 0.0

    @property
    def final(self) -> float | None:
        """The score an LMS should get: only once every part is graded."""
        return self.score if self.state == "graded" else None

    def passed(self, pass_mark: float) -> bool:
        return (
            self.state == "graded"
            and self.score is not None
            and self.score >= pass_mark * self.max_score - 1e-9
        )


@dataclass
class LearnerGrades:
    learner: Learner
    grades: dict[str, ModuleGrade] = field(default_factory=dict)


@dataclass
class GradeTable:
    settings: CourseSettings
    modules: list[str]
    max_scores: dict[str, float]
    learners: list[LearnerGrades]

    def label(self, module: str) -> str:
        info = self.settings.modules.get(module)
        return info.label if info else module


def grade_table(root: Path) -> GradeTable:
    """Every learner in the gradebook against every module released to them."""
    from nbgrader.api import MissingEntry

    settings = load_settings(root)
    roster = saved_roster(root)
    with gradebook(root) as gb:
        assignments = sorted(gb.assignments, key=lambda a: a.name)
        modules = [a.name for a in assignments]
        max_scores = {a.name: a.max_score for a in assignments}
        rows = []
        for student in sorted(gb.students, key=lambda s: s.id):
            learner = roster.get(student.id) or Learner(id=student.id)
            learner = learner.model_copy(
                update={
                    "first_name": student.first_name or learner.first_name,
                    "last_name": student.last_name or learner.last_name,
                    "email": student.email or learner.email,
                    "lms_user_id": student.lms_user_id or learner.lms_user_id,
                }
            )
            row = LearnerGrades(learner=learner)
            for a in assignments:
                try:
                    sub = gb.find_submission(a.name, student.id)
                except MissingEntry:
                    row.grades[a.name] = ModuleGrade("not submitted", max_score=a.max_score)
                    continue
                score = final_score(sub)
                state: Literal["waiting", "graded"] = "waiting" if sub.needs_manual_grade else "graded"
                row.grades[a.name] = ModuleGrade(state, score=score, max_score=a.max_score)
            rows.append(row)
    return GradeTable(settings=settings, modules=modules, max_scores=max_scores, learners=rows)


def _points(x: float | None) -> str:
    if x is None:
        return ""
    return f"{round(x, 2):g}"


NBGRADER_HEADER = [
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
]
"""The columns of ``nbgrader export`` (nbgrader 0.9's CsvExportPlugin), in its order."""


def _text(value: object) -> str:
    return "" if value is None else str(value)


def nbgrader_rows(gb: Any) -> Iterator[list[object]]:
    """The rows ``nbgrader export`` writes: every learner x every assignment, 0 when not submitted."""
    from nbgrader.api import MissingEntry

    for assignment in gb.assignments:
        for student in gb.students:
            try:
                sub = gb.find_submission(assignment.name, student.id)
            except MissingEntry:
                timestamp, raw, penalty, score = "", 0.0, 0.0, 0.0
            else:
                timestamp, raw = _text(sub.timestamp), float(sub.score)
                penalty, score = float(sub.late_submission_penalty or 0.0), final_score(sub)
            yield [
                assignment.name,
                _text(assignment.duedate),
                timestamp,
                student.id,
                _text(student.last_name),
                _text(student.first_name),
                _text(student.email),
                raw,
                penalty,
                score,
                float(assignment.max_score),
            ]


def write_nbgrader_csv(root: Path, path: Path) -> Path:
    """The file ``nbgrader export`` writes (same columns and rows), but as proper, formula-safe CSV.

    nbgrader's own exporter joins fields with commas, unquoted: a name like "Silva, Jr." shifts
    the columns, and a name starting with ``=`` is a formula. This writes the same table from the
    gradebook through the course's one CSV writer.
    """
    with gradebook(root) as gb, path.open("w", newline="", encoding="utf-8") as fh:
        writer = safe_csv_writer(fh)
        writer.writerow(NBGRADER_HEADER)
        writer.writerows(nbgrader_rows(gb))
    return path


def write_canvas_csv(table: GradeTable, path: Path) -> Path:
    """A file Canvas's Gradebook > Import accepts.

    Canvas wants Student ("Last, First"), ID, SIS User ID, SIS Login ID and Section, then one
    column per assignment, and a "Points Possible" row under the header. It matches learners by
    ID (the roster's lms_user_id), SIS User ID or SIS Login ID (the roster's sis_login_id, or else
    the learner's id here), and assignments by column name: a new name makes a new assignment.
    """
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = safe_csv_writer(fh)
        writer.writerow(CANVAS_HEADER + [table.label(m) for m in table.modules])
        writer.writerow(
            ["    Points Possible", "", "", "", ""] + [_points(table.max_scores[m]) for m in table.modules]
        )
        for row in table.learners:
            lr = row.learner
            name = ", ".join(x for x in (lr.last_name, lr.first_name) if x) or lr.id
            writer.writerow(
                [name, lr.lms_user_id, lr.sis_user_id, lr.sis_login_id or lr.id, lr.section]
                + [_points(row.grades[m].final) for m in table.modules]
            )
    return path


def write_moodle_csv(table: GradeTable, path: Path) -> Path:
    """A file for Moodle's Grades > Import > CSV file: map "Email address" (or "ID number") to the
    user, and each module column to its grade item."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = safe_csv_writer(fh)
        writer.writerow(MOODLE_HEADER + [table.label(m) for m in table.modules])
        for row in table.learners:
            lr = row.learner
            writer.writerow(
                [lr.first_name, lr.last_name, lr.id, lr.email]
                + [_points(row.grades[m].final) for m in table.modules]
            )
    return path


def write_completion_csv(table: GradeTable, path: Path, pass_mark: float | None = None) -> Path:
    """Who passed which modules at the pass mark, and the estimated hours that earns.

    A module counts when its score (checks and the graded reflection) reaches the pass mark
    (``pass_mark`` of the module's points). Hours are the modules' estimated learner minutes.
    A reflection still waiting for a grader does not count yet; it is listed instead.
    """
    mark = table.settings.pass_mark if pass_mark is None else pass_mark
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = safe_csv_writer(fh)
        writer.writerow(COMPLETION_HEADER + [f"{m} ({_points(100 * mark)}% to pass)" for m in table.modules])
        for row in table.learners:
            lr = row.learner
            passed = [m for m in table.modules if row.grades[m].passed(mark)]
            waiting = [m for m in table.modules if row.grades[m].state == "waiting"]
            minutes = sum(
                (table.settings.modules[m].minutes or 0) for m in passed if m in table.settings.modules
            )
            cells = []
            for m in table.modules:
                g = row.grades[m]
                if g.state == "not submitted":
                    cells.append("not submitted")
                elif g.state == "waiting":
                    cells.append(f"waiting for a grader ({_points(g.score)}/{_points(g.max_score)} so far)")
                else:
                    verdict = "passed" if g.passed(mark) else "not passed"
                    cells.append(f"{verdict} ({_points(g.score)}/{_points(g.max_score)})")
            writer.writerow(
                [
                    lr.id,
                    lr.first_name,
                    lr.last_name,
                    lr.email,
                    len(passed),
                    " ".join(passed),
                    f"{minutes / 60:.2f}",
                    " ".join(waiting),
                    *cells,
                ]
            )
    return path


@dataclass
class ExportResult:
    files: dict[str, Path]
    table: GradeTable
    waiting: list[tuple[str, str]]
    pass_mark: float


def export_all(root: Path, out: Path | None = None, pass_mark: float | None = None) -> ExportResult:
    """Write all four files into ``out`` (default: the course folder's exports/)."""
    out = out or root / "exports"
    out.mkdir(parents=True, exist_ok=True)
    table = grade_table(root)
    files = {
        "nbgrader": write_nbgrader_csv(root, out / "nbgrader-grades.csv"),
        "canvas": write_canvas_csv(table, out / "canvas-gradebook.csv"),
        "moodle": write_moodle_csv(table, out / "moodle-grades.csv"),
        "completion": write_completion_csv(table, out / "completion.csv", pass_mark),
    }
    waiting = [
        (r.learner.id, m) for r in table.learners for m in table.modules if r.grades[m].state == "waiting"
    ]
    return ExportResult(
        files=files,
        table=table,
        waiting=waiting,
        pass_mark=table.settings.pass_mark if pass_mark is None else pass_mark,
    )
