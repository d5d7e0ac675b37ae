"""The summary every step ends with: who submitted, scores, reflections waiting, what could not be graded."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from affirming_care.grading.autograde import (
    AutogradeRecord,
    changed_since_record,
    read_autograde_record,
)
from affirming_care.grading.collect import submitted_learners
from affirming_care.grading.course import load_settings, require_module
from affirming_care.grading.gradebook import gradebook
from affirming_care.grading.roster import Learner, saved_roster
from affirming_care.grading.scores import final_score


@dataclass
class LearnerStatus:
    id: str
    name: str
    on_roster: bool
    submitted: bool = False
    timestamp: str | None = None
    late_seconds: float = 0.0
    autograded: bool = False
    checks_score: float | None = None
    checks_max: float = 0.0
    reflection: Literal["waiting", "graded", "blank", "none"] = "none"
    reflection_score: float | None = None
    reflection_max: float = 0.0
    score: float | None = None
    max_score: float = 0.0
    problem: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def late(self) -> bool:
        return self.late_seconds > 0


@dataclass
class ModuleStatus:
    module: str
    title: str
    due: str | None
    max_score: float
    learners: list[LearnerStatus]

    @property
    def submitted(self) -> list[LearnerStatus]:
        return [x for x in self.learners if x.submitted]

    @property
    def waiting(self) -> list[LearnerStatus]:
        return [x for x in self.learners if x.reflection == "waiting"]

    @property
    def not_graded(self) -> list[LearnerStatus]:
        return [x for x in self.learners if x.problem]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for row, learner in zip(data["learners"], self.learners, strict=True):
            row["late"] = learner.late
        return data


def _late_words(seconds: float) -> str:
    hours = seconds / 3600
    if hours < 1:
        return f"late by {max(1, round(seconds / 60))} min"
    if hours < 48:
        return f"late by {hours:.1f} h"
    return f"late by {hours / 24:.1f} days"


@dataclass
class _Context:
    """What every learner's row is built from, read once per module."""

    root: Path
    module: str
    record: AutogradeRecord
    roster: dict[str, Learner]
    submitted: set[str]
    students: dict[str, Any]
    assignment: Any
    max_score: float


def _new_row(ctx: _Context, sid: str) -> LearnerStatus:
    student = ctx.students.get(sid)
    name = " ".join(x for x in (student.first_name, student.last_name) if x) if student else ""
    roster = ctx.roster
    row = LearnerStatus(
        id=sid, name=name or (roster[sid].name if sid in roster else sid), on_roster=sid in roster
    )
    row.max_score = ctx.max_score
    return row


def _add_submission(ctx: _Context, row: LearnerStatus) -> None:
    """Timestamp, and what autograde recorded: its notes, and why it could not be graded (if so).

    Nothing is inspected again here: the notes are the ones autograde graded with, so they cannot
    disagree with the score beside them. A hand-in changed since is said to be, not re-read.
    """
    sid = row.id
    stamp = ctx.root / "submitted" / sid / ctx.module / "timestamp.txt"
    row.submitted = True
    row.timestamp = stamp.read_text().strip() if stamp.exists() else None
    entry = ctx.record.get(sid)
    if entry is None:
        return
    row.notes = list(entry.get("notes", []))
    if entry.get("status") == "skipped":
        row.problem = entry.get("reason", "")
    elif entry.get("status") == "failed":
        row.problem = f"nbgrader could not grade it: {entry.get('reason', '')}"
    if changed_since_record(ctx.root, ctx.module, sid, entry):
        row.notes.append("handed in again after autograding: run autograde again")


def _add_reflection(row: LearnerStatus, written: list[Any]) -> None:
    row.reflection_max = sum(g.max_score for g in written)
    if any(g.needs_manual_grade for g in written):
        row.reflection = "waiting"
    elif written and all(g.manual_score is not None for g in written):
        row.reflection = "graded"
        row.reflection_score = sum(g.score for g in written)
    elif written:
        row.reflection = "blank"
        row.reflection_score = sum(g.score for g in written)


def _add_grades(ctx: _Context, row: LearnerStatus, sub: Any) -> None:
    """Scores from the gradebook: checks (code cells), the reflection (Markdown cells), the total."""
    row.autograded = True
    row.late_seconds = sub.total_seconds_late or 0.0
    grades = [g for nb in sub.notebooks for g in nb.grades]
    code = [g for g in grades if g.cell_type == "code"]
    row.checks_score = sum(g.score for g in code)
    row.checks_max = sum(g.max_score for g in code)
    _add_reflection(row, [g for g in grades if g.cell_type == "markdown"])
    row.score = final_score(sub)
    if row.checks_score:  # a grader gave check points by hand since: the autograde note is no longer true
        row.notes = [
            n.replace(": every post-test item scores 0", ": post-test items scored 0 when autograded")
            for n in row.notes
        ]
    if row.submitted and row.id not in ctx.record and changed_since_record(ctx.root, ctx.module, row.id, {}):
        row.notes.append("handed in again after autograding: run autograde again")


def _find_submission(gb: Any, module: str, sid: str) -> Any:
    from nbgrader.api import MissingEntry

    try:
        return gb.find_submission(module, sid)
    except MissingEntry:
        return None


def _learner_status(ctx: _Context, gb: Any, sid: str) -> LearnerStatus:
    row = _new_row(ctx, sid)
    if sid in ctx.submitted:
        _add_submission(ctx, row)
    if not row.on_roster and (row.submitted or sid in ctx.students):
        row.notes.append("not on the roster")
    if ctx.assignment is not None and not row.problem:
        sub = _find_submission(gb, ctx.module, sid)
        if sub is not None:
            _add_grades(ctx, row, sub)
        elif row.submitted:
            row.notes.append("not autograded yet")
    elif row.submitted and sid not in ctx.record and not row.problem:
        row.notes.append("not autograded yet")
    if row.late:
        row.notes.insert(0, _late_words(row.late_seconds))
    return row


def _find_assignment(gb: Any, module: str) -> Any:
    from nbgrader.api import MissingEntry

    try:
        return gb.find_assignment(module)
    except MissingEntry:
        return None


def module_status(root: Path, module: str) -> ModuleStatus:
    """Who submitted, their autograded scores, reflections waiting, and what could not be graded."""
    settings = load_settings(root)
    require_module(root, module)
    info = settings.modules.get(module)
    record = read_autograde_record(root, module)
    roster = saved_roster(root)
    submitted = set(submitted_learners(root, module))
    with gradebook(root) as gb:
        assignment = _find_assignment(gb, module)
        max_score = assignment.max_score if assignment else 0.0
        students = {s.id: s for s in gb.students}
        ctx = _Context(root, module, record, roster, submitted, students, assignment, max_score)
        rows = [_learner_status(ctx, gb, sid) for sid in sorted(set(students) | submitted | set(roster))]
    return ModuleStatus(
        module=module,
        title=info.title if info else module,
        due=info.due if info else None,
        max_score=max_score,
        learners=rows,
    )
