"""The roster: a CSV of learners, checked row by row, imported into the gradebook."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from affirming_care.grading.course import GradingError
from affirming_care.grading.gradebook import gradebook
from affirming_care.grading.sanitise import FORMULA_START, roster_field_problems, safe_csv_writer
from affirming_care.loader import Problem

ROSTER_FILE = "roster.csv"
ROSTER_REQUIRED = ("id", "first_name", "last_name", "email")
ROSTER_OPTIONAL = ("section", "lms_user_id", "sis_user_id", "sis_login_id", "account")
LEARNER_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
ACCOUNT_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*\$?$")
EMAIL_RE = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


RosterProblem = Problem
"""A bad roster row is reported like bad content: file, line, field, what was expected."""


class RosterError(GradingError):
    def __init__(self, problems: list[RosterProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class Learner(BaseModel):
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    section: str = ""
    lms_user_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    account: str = ""
    """The learner's account on the computer that holds the nbgrader exchange (default: the id)."""

    @property
    def name(self) -> str:
        return " ".join(x for x in (self.first_name, self.last_name) if x) or self.id

    @property
    def login(self) -> str:
        """The account whose files a genuine hand-in of this learner's is owned by."""
        return self.account or self.id


def _roster_text(path: Path) -> str:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise RosterError([RosterProblem(path, 0, "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise RosterError(
            [RosterProblem(path, line, "", "not UTF-8 text; save the roster as 'CSV UTF-8' and try again")]
        ) from None
    if not text.strip():
        raise RosterError([RosterProblem(path, 1, "", "the file is empty; expected a header row")])
    return text


def _header_problems(path: Path, header: list[str]) -> list[RosterProblem]:
    problems: list[RosterProblem] = []
    for col in ROSTER_REQUIRED:
        if col not in header:
            problems.append(
                RosterProblem(
                    path, 1, col, f"missing column; the header must have {', '.join(ROSTER_REQUIRED)}"
                )
            )
    for col in header:
        if col not in ROSTER_REQUIRED + ROSTER_OPTIONAL:
            problems.append(
                RosterProblem(
                    path,
                    1,
                    col or "(blank)",
                    "unknown column (check its spelling); columns are "
                    f"{', '.join(ROSTER_REQUIRED)}, and optionally {', '.join(ROSTER_OPTIONAL)}",
                )
            )
    return problems


def _id_problem(path: Path, line: int, lid: str, seen: dict[str, int]) -> RosterProblem | None:
    """What is wrong with a learner id, if anything; a good id is added to ``seen``."""
    if not lid:
        return RosterProblem(path, line, "id", "is empty; every learner needs an id")
    if not LEARNER_ID_RE.match(lid):
        return RosterProblem(
            path,
            line,
            "id",
            f"{lid!r} may hold only letters, digits and . _ @ - (no spaces or +), "
            "because it names the learner's folder",
        )
    if lid in seen:
        return RosterProblem(path, line, "id", f"{lid!r} is also on line {seen[lid]}")
    seen[lid] = line
    return None


def _row_problems(path: Path, line: int, values: dict[str, str], seen: dict[str, int]) -> list[RosterProblem]:
    problems: list[RosterProblem] = []
    id_problem = _id_problem(path, line, values["id"], seen)
    if id_problem is not None:
        problems.append(id_problem)
    if values["email"] and not EMAIL_RE.match(values["email"]):
        problems.append(
            RosterProblem(path, line, "email", f"{values['email']!r} does not look like an email address")
        )
    account = values.get("account", "")
    if account and not ACCOUNT_RE.match(account):
        problems.append(
            RosterProblem(
                path, line, "account", f"{account!r} is not an account name (letters, digits, . _ -)"
            )
        )
    if not values["first_name"] and not values["last_name"]:
        problems.append(RosterProblem(path, line, "first_name", "first_name and last_name are both empty"))
    problems += [RosterProblem(path, line, f, why) for f, why in roster_field_problems(values)]  # issue 9
    return problems


def read_roster(path: Path) -> list[Learner]:
    """Read a roster CSV (id, first_name, last_name, email; optionally section and LMS ids).

    Every problem is reported with file, line and field; nothing is imported if any row is bad.
    """
    text = _roster_text(path)
    first = text.splitlines()[0]
    delimiter = max(",;\t", key=first.count)
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(rows)]
    problems = _header_problems(path, header)
    if problems:
        raise RosterError(problems)
    learners: list[Learner] = []
    seen: dict[str, int] = {}
    for row in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(
                RosterProblem(path, line, "", f"has {len(row)} fields, the header has {len(header)}")
            )
            continue
        values = {h: v.strip() for h, v in zip(header, row, strict=True)}
        problems.extend(_row_problems(path, line, values, seen))
        learners.append(Learner(**values))
    if problems:
        raise RosterError(problems)
    if not learners:
        raise RosterError([RosterProblem(path, 2, "", "no learners: the roster has a header but no rows")])
    return learners


def _as_saved(value: str) -> str:
    """A cell of the saved roster as it was before :func:`save_roster` neutralised it (``'=x`` is ``=x``)."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def saved_roster(root: Path) -> dict[str, Learner]:
    """The roster as last imported into this course folder (for sections and LMS ids)."""
    path = root / ROSTER_FILE
    if not path.exists():
        return {}
    learners = (
        Learner(**{k: _as_saved(v) for k, v in learner.model_dump().items()}) for learner in read_roster(path)
    )
    return {learner.id: learner for learner in learners}


@dataclass
class RosterImport:
    added: list[str]
    updated: list[str]
    total: int


def import_roster(root: Path, path: Path) -> RosterImport:
    """Add or update every learner of ``path`` in the gradebook. Nobody is removed."""
    learners = read_roster(path)
    merged = saved_roster(root)
    added: list[str] = []
    updated: list[str] = []
    with gradebook(root) as gb:
        known = {s.id for s in gb.students}
        for learner in learners:
            gb.update_or_create_student(
                learner.id,
                first_name=learner.first_name,
                last_name=learner.last_name,
                email=learner.email or None,
                lms_user_id=learner.lms_user_id or None,
            )
            (updated if learner.id in known else added).append(learner.id)
            merged[learner.id] = learner
        total = len(gb.students)
    save_roster(root, merged)
    return RosterImport(added=added, updated=updated, total=total)


def save_roster(root: Path, learners: dict[str, Learner]) -> None:
    """Write the course folder's copy of the roster (every column, the instructor's eyes only).

    It is a CSV an instructor may open in a spreadsheet, so a name starting with ``=`` is written
    as ``'=`` like every export's (:func:`saved_roster` reads it back as it was).
    """
    columns = list(ROSTER_REQUIRED + ROSTER_OPTIONAL)
    with (root / ROSTER_FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = safe_csv_writer(fh)
        writer.writerow(columns)
        for learner in learners.values():
            data = learner.model_dump()
            writer.writerow([data[c] for c in columns])
    (root / ROSTER_FILE).chmod(0o600)


def roster_ids(root: Path) -> dict[str, Learner]:
    """Everyone a hand-in may come from: the saved roster, else the gradebook's learners."""
    saved = saved_roster(root)
    if saved:
        return saved
    with gradebook(root) as gb:
        return {
            s.id: Learner(id=s.id, first_name=s.first_name or "", last_name=s.last_name or "")
            for s in gb.students
        }
