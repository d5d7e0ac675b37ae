"""Grades out of the gradebook: nbgrader's CSV, a Canvas gradebook CSV, a Moodle one, a completion report.

Whether a module passes is decided in one place, :mod:`affirming_care.grading.pass_rule` (the
post-test on its own at the pass mark, and the graded reflection at the reflection threshold);
:class:`ModuleGrade` keeps the post-test and the reflection apart so it can apply that rule, and
``completion.csv`` shows both parts.

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
from affirming_care.grading.pass_rule import DEFAULT_REFLECTION_THRESHOLD, PassRule, Verdict
from affirming_care.grading.roster import Learner, saved_roster
from affirming_care.grading.sanitise import safe_csv_writer
from affirming_care.grading.scores import final_score
from affirming_care.precheck import PRECHECK

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
    """One learner's grade on one module, with its two parts kept apart.

    ``score``/``max_score`` are the whole assignment (what an LMS gets, after any late penalty).
    ``posttest_score``/``posttest_max`` are the autograded post-test cells, ``reflection_score``/
    ``reflection_max`` the manually graded reflection cell (``reflection_max`` None: the assignment
    has none). Whether the module passes is :class:`affirming_care.grading.pass_rule.PassRule`'s
    call, through :meth:`verdict`: nothing else decides it.
    """

    state: Literal["not submitted", "waiting", "graded"]
    score: float | None = None
    max_score: float = 0.0
    posttest_score: float | None = None
    posttest_max: float = 0.0
    reflection_score: float | None = None
    reflection_max: float | None = None
    reflection_threshold: float = DEFAULT_REFLECTION_THRESHOLD

    @property
    def final(self) -> float | None:
        """The score an LMS should get: only once every part is graded."""
        return self.score if self.state == "graded" else None

    def verdict(self, pass_mark: float, reflection_threshold: float | None = None) -> Verdict:
        """Passed, not passed, waiting (some part still needs a grader) or not submitted."""
        if self.state == "waiting":
            return "waiting"
        threshold = self.reflection_threshold if reflection_threshold is None else reflection_threshold
        return PassRule(pass_mark, threshold).verdict(
            submitted=self.state != "not submitted",
            posttest_earned=self.posttest_score,
            posttest_possible=self.posttest_max,
            reflection_max=self.reflection_max,
            reflection_score=self.reflection_score,
            reflection_graded=self.state == "graded",
        )

    def passed(self, pass_mark: float, reflection_threshold: float | None = None) -> bool:
        return self.verdict(pass_mark, reflection_threshold) == "passed"


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
        # The pre-course check (``pre``) counts towards nothing: no module, pass or certificate.
        assignments = sorted((a for a in gb.assignments if a.name != PRECHECK), key=lambda a: a.name)
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
                    sub = None
                row.grades[a.name] = module_grade(a, sub, settings.reflection_threshold)
            rows.append(row)
    return GradeTable(settings=settings, modules=modules, max_scores=max_scores, learners=rows)


def _is_reflection(name: str, cell_type: str | None) -> bool:
    """The manually graded reflection cell (``mNN_reflection``, a Markdown grade cell); all else is post-test."""
    return name.endswith("_reflection") or cell_type == "markdown"


def _assignment_parts(assignment: Any) -> tuple[float, float | None]:
    """The post-test's points and the reflection's (None: no reflection cell) from the release."""
    post, reflection = 0.0, None
    for nb in assignment.notebooks:
        for cell in nb.grade_cells:
            if _is_reflection(cell.name, cell.cell_type):
                reflection = (reflection or 0.0) + float(cell.max_score)
            else:
                post += float(cell.max_score)
    return post, reflection


def _submitted_parts(sub: Any) -> tuple[float, float | None, bool]:
    """A submission's post-test points, its reflection's manual score, and whether that waits for a grader."""
    post = 0.0
    refl: float | None = None
    refl_waiting = False
    for g in (g for nb in sub.notebooks for g in nb.grades):
        if _is_reflection(g.name, getattr(g.cell, "cell_type", None)):
            refl_waiting = refl_waiting or bool(g.needs_manual_grade)
            if g.manual_score is not None:
                refl = (refl or 0.0) + float(g.manual_score)
        else:
            post += float(g.score or 0.0)
    return post, refl, refl_waiting


def module_grade(
    assignment: Any, sub: Any | None, threshold: float = DEFAULT_REFLECTION_THRESHOLD
) -> ModuleGrade:
    """One submission's grade from nbgrader's per-cell grades (None: not submitted).

    Post-test cells count their ``score`` (the autograder's, or a grader's override); the
    reflection counts its ``manual_score``, and only once no reflection cell needs a grade.
    """
    post_max, refl_max = _assignment_parts(assignment)
    if sub is None:
        return ModuleGrade(
            "not submitted",
            max_score=assignment.max_score,
            posttest_max=post_max,
            reflection_max=refl_max,
            reflection_threshold=threshold,
        )
    post, refl, refl_waiting = _submitted_parts(sub)
    waiting = bool(sub.needs_manual_grade) or (refl_max is not None and refl_waiting)
    if refl_max is not None and refl is None and not waiting:
        refl = 0.0
    return ModuleGrade(
        "waiting" if waiting else "graded",
        score=final_score(sub),
        max_score=assignment.max_score,
        posttest_score=post,
        posttest_max=post_max,
        reflection_score=None if waiting else refl,
        reflection_max=refl_max,
        reflection_threshold=threshold,
    )


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


def _verdict_words(g: ModuleGrade, mark: float) -> str:
    return {
        "passed": "passed",
        "not passed": "not passed",
        "waiting": "waiting for a grader",
        "not submitted": "not submitted",
    }[g.verdict(mark)]


def _part(score: float | None, most: float | None, state: str) -> str:
    if most is None:
        return "no reflection"
    if state == "not submitted":
        return ""
    if score is None:
        return "not graded yet"
    return f"{_points(score)}/{_points(most)}"


def completion_header(table: GradeTable, mark: float) -> list[str]:
    cells: list[str] = []
    for m in table.modules:
        threshold = table.settings.reflection_threshold
        cells += [
            m,
            f"{m} post-test ({_points(100 * mark)}% to pass)",
            f"{m} reflection ({_points(threshold)} to pass)",
        ]
    return COMPLETION_HEADER + cells


def write_completion_csv(table: GradeTable, path: Path, pass_mark: float | None = None) -> Path:
    """Who passed which modules, each module's two parts, and the estimated hours that earns.

    A module passes by :mod:`affirming_care.grading.pass_rule`: its post-test alone reaches the
    pass mark (``pass_mark`` of the post-test's points) and its graded reflection reaches the
    reflection threshold. Per module there are three columns: the verdict (passed, not passed,
    waiting for a grader, not submitted), the post-test's points ("3.5/5", partial credit as it was
    earned) and the reflection's rubric points ("9/12", "not graded yet"). Hours are the passed
    modules' estimated learner minutes. A reflection still waiting for a grader does not count
    yet; its module is listed instead.
    """
    mark = table.settings.pass_mark if pass_mark is None else pass_mark
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = safe_csv_writer(fh)
        writer.writerow(completion_header(table, mark))
        for row in table.learners:
            lr = row.learner
            passed = [m for m in table.modules if row.grades[m].passed(mark)]
            waiting = [m for m in table.modules if row.grades[m].verdict(mark) == "waiting"]
            minutes = sum(
                (table.settings.modules[m].minutes or 0) for m in passed if m in table.settings.modules
            )
            cells: list[str] = []
            for m in table.modules:
                g = row.grades[m]
                post = _part(g.posttest_score, g.posttest_max, g.state)
                cells += [_verdict_words(g, mark), post, _part(g.reflection_score, g.reflection_max, g.state)]
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
        (r.learner.id, m)
        for r in table.learners
        for m in table.modules
        if r.grades[m].verdict(table.settings.pass_mark) == "waiting"
    ]
    return ExportResult(
        files=files,
        table=table,
        waiting=waiting,
        pass_mark=table.settings.pass_mark if pass_mark is None else pass_mark,
    )
