"""Grading a cohort, one step at a time, on nbgrader's own Python API.

Every step is a function that does the work and returns what happened, as data; ``grade_cli``
prints it. The steps follow nbgrader's workflow: set up a course folder and import a roster,
release a module, collect submissions (from the nbgrader exchange or an LMS zip), autograde,
grade reflections by hand in the formgrader, generate feedback, export.

A course folder holds learners' work, so it lives outside the repository: ``--course DIR`` or
``$AFFIRMING_CARE_COURSE``. It holds nbgrader's usual folders and gradebook, the course's
``nbgrader_config.py`` (copied from ``assignments/`` with this folder's own settings at the end),
``affirming-care-course.json`` (what this package knows about the folder) and ``.affirming-care/``
(autograde results and logs).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

import nbformat
from nbconvert.preprocessors import Preprocessor
from pydantic import BaseModel, Field, ValidationError
from traitlets import Bool

from affirming_care import nbcourse
from affirming_care.loader import Problem
from affirming_care.store import DamagedStore, read_answer_file, store_filename

REPO = nbcourse.REPO
SOURCE = nbcourse.ASSIGNMENTS / "source"
CONFIG = nbcourse.ASSIGNMENTS / "nbgrader_config.py"
COURSE_ENV = "AFFIRMING_CARE_COURSE"
SETTINGS_FILE = "affirming-care-course.json"
STATE_DIR = ".affirming-care"
ROSTER_FILE = "roster.csv"
MODULE_RE = re.compile(r"^m\d\d$")
LEARNER_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
EMAIL_RE = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
CONFIG_MARK = "# ---- This course folder's own settings (written by `affirming_care grade init`) ----"
# Files nbgrader itself puts in a submission; everything else a learner sends is reported.
EXCHANGE_FILES = {"timestamp.txt", "submission_secret.txt"}


class GradingError(Exception):
    """A step could not be done; the message says why and what to do, in words for an instructor."""


# Course folder and its settings ------------------------------------------------------------------


class ModuleInfo(BaseModel):
    title: str
    number: int | None = None
    minutes: int | None = Field(default=None, description="Estimated learner time, for hours earned")
    due: str | None = Field(default=None, description="Due date, ISO 8601 in UTC")

    @property
    def label(self) -> str:
        """The assignment's name in an LMS gradebook."""
        return f"Module {self.number}: {self.title}" if self.number is not None else self.title


class CourseSettings(BaseModel):
    format: Literal["affirming-care/course-folder"] = "affirming-care/course-folder"
    version: Literal[1] = 1
    course_id: str = "affirming-care"
    exchange: str | None = None
    pass_mark: float = Field(default=0.75, gt=0, le=1)
    rehearsal: bool = Field(default=False, description="Made by `grade rehearse`: its learners are fictional")
    modules: dict[str, ModuleInfo] = Field(default_factory=dict)


def course_root(path: Path | str | None) -> Path:
    """The course folder from ``--course`` or ``$AFFIRMING_CARE_COURSE``, never inside the repository."""
    chosen = path or os.environ.get(COURSE_ENV)
    if not chosen:
        raise GradingError(
            f"No course folder given. Pass --course DIR, or set {COURSE_ENV}=DIR. "
            "Create one with `affirming_care grade init --course DIR --roster roster.csv`."
        )
    root = Path(chosen).expanduser().resolve()
    if root == REPO or REPO in root.parents:
        raise GradingError(
            f"{root} is inside the course repository ({REPO}). A course folder holds learners' work: "
            "put it somewhere else, for example ~/affirming-care-cohort."
        )
    return root


def settings_path(root: Path) -> Path:
    return root / SETTINGS_FILE


def load_settings(root: Path) -> CourseSettings:
    path = settings_path(root)
    try:
        return CourseSettings.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GradingError(
            f"{root} is not a course folder yet (no {SETTINGS_FILE}). "
            f"Run `affirming_care grade init --course {root}` first."
        ) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise GradingError(f"{path}: field {where}: {err['msg']}") from None


def save_settings(root: Path, settings: CourseSettings) -> None:
    settings_path(root).write_text(settings.model_dump_json(indent=1) + "\n", encoding="utf-8")


def write_config(root: Path, settings: CourseSettings) -> Path:
    """The course's nbgrader config, then this folder's own settings (course id, exchange)."""
    lines = [CONFIG.read_text(encoding="utf-8").rstrip(), "", CONFIG_MARK]
    lines.append(f"c.CourseDirectory.course_id = {settings.course_id!r}")
    if settings.exchange:
        lines.append(f"c.Exchange.root = {settings.exchange!r}")
    path = root / "nbgrader_config.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def api(root: Path) -> Any:
    """nbgrader's NbGraderAPI for this course folder (each call's log comes back in its result)."""
    return nbcourse.api(root)


def db_url(root: Path) -> str:
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=nbcourse.load_config(root)).db_url


@contextmanager
def gradebook(root: Path) -> Iterator[Any]:
    from nbgrader.api import Gradebook

    settings = load_settings(root)
    nbcourse.ensure_tools_on_path()  # a new gradebook is made by nbgrader's alembic command
    with Gradebook(db_url(root), settings.course_id) as gb:
        yield gb


def state_path(root: Path, name: str) -> Path:
    folder = root / STATE_DIR
    folder.mkdir(exist_ok=True)
    return folder / name


def source_modules(source: Path) -> list[str]:
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if MODULE_RE.match(p.name) and any(p.glob("*.ipynb")))


def module_info(module: str, notebook: Path) -> ModuleInfo:
    """Title and minutes from the course content; from the notebook's heading if content is missing."""
    try:
        from affirming_care.loader import cached_course

        meta = cached_course().module(module).meta
        return ModuleInfo(title=meta.title, number=meta.number, minutes=meta.minutes)
    except Exception:  # content not at hand (for example a course folder on another machine)
        nb = nbformat.read(notebook, as_version=4)
        first = nb.cells[0].source.splitlines()[0] if nb.cells else module
        title = re.sub(r"^#\s*(Module \d+ assignment:\s*)?", "", first).strip() or module
        return ModuleInfo(title=title, number=int(module[1:]))


def require_module(root: Path, module: str) -> None:
    if not (root / "source" / module).is_dir():
        known = ", ".join(source_modules(root / "source")) or "none"
        raise GradingError(
            f"No module {module!r} in {root / 'source'} (modules there: {known}). "
            "Add it with `affirming_care grade init --course DIR --modules ...`."
        )


def require_released(root: Path, module: str) -> None:
    from nbgrader.api import MissingEntry

    require_module(root, module)
    with gradebook(root) as gb:
        try:
            gb.find_assignment(module)
        except MissingEntry:
            raise GradingError(
                f"{module} has not been released yet. Run `affirming_care grade release {module}` first."
            ) from None


# Roster ---------------------------------------------------------------------------------------------

ROSTER_REQUIRED = ("id", "first_name", "last_name", "email")
ROSTER_OPTIONAL = ("section", "lms_user_id", "sis_user_id", "sis_login_id")


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

    @property
    def name(self) -> str:
        return " ".join(x for x in (self.first_name, self.last_name) if x) or self.id


def read_roster(path: Path) -> list[Learner]:
    """Read a roster CSV (id, first_name, last_name, email; optionally section and LMS ids).

    Every problem is reported with file, line and field; nothing is imported if any row is bad.
    """
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
    first = text.splitlines()[0]
    delimiter = max(",;\t", key=first.count)
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(rows)]
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
        lid = values["id"]
        if not lid:
            problems.append(RosterProblem(path, line, "id", "is empty; every learner needs an id"))
        elif not LEARNER_ID_RE.match(lid):
            problems.append(
                RosterProblem(
                    path,
                    line,
                    "id",
                    f"{lid!r} may hold only letters, digits and . _ @ - (no spaces or +), "
                    "because it names the learner's folder",
                )
            )
        elif lid in seen:
            problems.append(RosterProblem(path, line, "id", f"{lid!r} is also on line {seen[lid]}"))
        else:
            seen[lid] = line
        if values["email"] and not EMAIL_RE.match(values["email"]):
            problems.append(
                RosterProblem(path, line, "email", f"{values['email']!r} does not look like an email address")
            )
        if not values["first_name"] and not values["last_name"]:
            problems.append(
                RosterProblem(path, line, "first_name", "first_name and last_name are both empty")
            )
        learners.append(Learner(**values))
    if problems:
        raise RosterError(problems)
    if not learners:
        raise RosterError([RosterProblem(path, 2, "", "no learners: the roster has a header but no rows")])
    return learners


def saved_roster(root: Path) -> dict[str, Learner]:
    """The roster as last imported into this course folder (for sections and LMS ids)."""
    path = root / ROSTER_FILE
    if not path.exists():
        return {}
    return {learner.id: learner for learner in read_roster(path)}


@dataclass
class RosterImport:
    added: list[str]
    updated: list[str]
    total: int


def import_roster(root: Path, path: Path) -> RosterImport:
    """Add or update every learner of ``path`` in the gradebook. Nobody is removed."""
    learners = read_roster(path)
    merged = saved_roster(root)
    added, updated = [], []
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
    columns = list(ROSTER_REQUIRED + ROSTER_OPTIONAL)
    with (root / ROSTER_FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for learner in merged.values():
            writer.writerow(learner.model_dump())
    return RosterImport(added=added, updated=updated, total=total)


# Init -------------------------------------------------------------------------------------------------


@dataclass
class InitResult:
    root: Path
    modules: list[str]
    new_modules: list[str]
    exchange: str | None
    roster: RosterImport | None


def init_course(
    root: Path,
    *,
    source: Path = SOURCE,
    modules: list[str] | None = None,
    roster: Path | None = None,
    exchange: Path | None = None,
    course_id: str | None = None,
    pass_mark: float | None = None,
) -> InitResult:
    """Create or refresh a course folder: config, source assignments, gradebook, roster."""
    available = source_modules(source)
    if not available:
        raise GradingError(
            f"No source assignments in {source}. Build them with `affirming_care assignments`, "
            "or pass --source DIR."
        )
    wanted = modules or available
    missing = [m for m in wanted if m not in available]
    if missing:
        raise GradingError(
            f"No source assignment for {', '.join(missing)} in {source}; it has {', '.join(available)}."
        )
    if roster is not None:
        read_roster(roster)  # report every bad row before anything is written
    root.mkdir(parents=True, exist_ok=True)
    try:
        settings = load_settings(root)
    except GradingError:
        settings = CourseSettings()
    if course_id:
        settings.course_id = course_id
    if pass_mark is not None:
        settings.pass_mark = pass_mark
    if exchange is not None:
        exchange = exchange.expanduser().resolve()
        if not exchange.exists():
            exchange.mkdir(parents=True)
            exchange.chmod(0o777)  # nbgrader's exchange must be writable by every learner
        settings.exchange = str(exchange)
    new_modules = []
    for mid in wanted:
        dest = root / "source" / mid
        if not dest.exists():
            new_modules.append(mid)
        shutil.copytree(source / mid, dest, dirs_exist_ok=True)
        info = module_info(mid, source / mid / f"{mid}.ipynb")
        if mid in settings.modules:
            info.due = settings.modules[mid].due
        settings.modules[mid] = info
    save_settings(root, settings)
    write_config(root, settings)
    with gradebook(root):
        pass  # creates the gradebook
    imported = import_roster(root, roster) if roster is not None else None
    return InitResult(
        root=root,
        modules=sorted(settings.modules),
        new_modules=new_modules,
        exchange=settings.exchange,
        roster=imported,
    )


# Release ----------------------------------------------------------------------------------------------


def short_error(result: dict[str, Any]) -> str:
    """One line from an nbgrader result: the logged error, else the exception's message."""
    for line in (result.get("log") or "").splitlines():
        if line.startswith("[ERROR]"):
            return line.removeprefix("[ERROR]").strip()
    lines = [x for x in (result.get("error") or "").strip().splitlines() if x.strip()]
    if not lines:
        return "unknown error"
    last = lines[-1]
    return re.sub(r"^[\w.]+(Error|Exception|Exit): ?", "", last) or last


@dataclass
class ReleaseResult:
    module: str
    release_dir: Path
    due: datetime | None
    exchange: str | None
    max_score: float
    checks: int
    reflections: int


def parse_due(text: str) -> datetime:
    """A due date as typed by an instructor; without a UTC offset it is this computer's local time."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise GradingError(
            f"Due date {text!r} is not a date and time; write it like 2026-12-01 17:00 (local time) "
            "or 2026-12-01T17:00+00:00."
        ) from None
    if when.tzinfo is None:
        when = when.astimezone()  # local time
    return when.astimezone(UTC)


def release(root: Path, module: str, *, due: datetime | None = None) -> ReleaseResult:
    """nbgrader generate_assignment, a due date in the gradebook, and release to the exchange if any."""
    from nbgrader.utils import capture_log, temp_attrs

    settings = load_settings(root)
    require_module(root, module)
    nb_api = api(root)
    result = nb_api.generate_assignment(module)
    if not result["success"]:
        raise GradingError(f"Could not generate {module} for learners: {short_error(result)}")
    info = settings.modules.get(module) or module_info(module, root / "source" / module / f"{module}.ipynb")
    with gradebook(root) as gb:
        if due is not None:
            gb.update_or_create_assignment(module, duedate=due.replace(tzinfo=None))
            info.due = due.isoformat()
        assignment = gb.find_assignment(module)
        max_score = assignment.max_score
        cells = [c for nb in assignment.notebooks for c in nb.grade_cells]
        checks = sum(1 for c in cells if c.cell_type == "code")
        reflections = sum(1 for c in cells if c.cell_type == "markdown")
    settings.modules[module] = info
    save_settings(root, settings)
    if settings.exchange:
        with temp_attrs(nb_api.coursedir, assignment_id=module):
            app = nb_api.exchange.ReleaseAssignment(
                coursedir=nb_api.coursedir, authenticator=nb_api.authenticator, parent=nb_api
            )
            app.force = True  # releasing again replaces the learners' copy in the exchange
            result = capture_log(app)
        if not result["success"]:
            raise GradingError(
                f"Could not release {module} to the exchange {settings.exchange}: {short_error(result)}"
            )
    return ReleaseResult(
        module=module,
        release_dir=root / "release" / module,
        due=due,
        exchange=settings.exchange,
        max_score=max_score,
        checks=checks,
        reflections=reflections,
    )


# Collect ------------------------------------------------------------------------------------------------


@dataclass
class CollectResult:
    module: str
    collected: list[str]
    not_on_roster: list[str]
    skipped_files: list[str] = field(default_factory=list)


def _submitted_stamps(root: Path, module: str) -> dict[str, str]:
    stamps = {}
    for folder in sorted((root / "submitted").glob(f"*/{module}")):
        stamp = folder / "timestamp.txt"
        stamps[folder.parent.name] = (
            stamp.read_text().strip() if stamp.exists() else str(folder.stat().st_mtime)
        )
    return stamps


def _after_collect(root: Path, module: str, before: dict[str, str]) -> tuple[list[str], list[str]]:
    after = _submitted_stamps(root, module)
    changed = sorted(s for s, stamp in after.items() if before.get(s) != stamp)
    with gradebook(root) as gb:
        known = {s.id for s in gb.students}
        strangers = sorted(s for s in changed if s not in known)
        for sid in strangers:
            gb.update_or_create_student(sid)
    return changed, strangers


def collect(root: Path, module: str) -> CollectResult:
    """nbgrader collect: the newest submission of each learner from the exchange."""
    settings = load_settings(root)
    require_released(root, module)
    if not settings.exchange:
        raise GradingError(
            "This course folder has no nbgrader exchange. Set one with "
            "`affirming_care grade init --course DIR --exchange /srv/nbgrader/exchange`, "
            "or collect an LMS download with `affirming_care grade zip-collect`."
        )
    before = _submitted_stamps(root, module)
    result = api(root).collect(module, update=True)
    if not result["success"]:
        raise GradingError(f"Could not collect {module} from {settings.exchange}: {short_error(result)}")
    changed, strangers = _after_collect(root, module, before)
    return CollectResult(module=module, collected=changed, not_on_roster=strangers)


def zip_collect(root: Path, module: str, archives: list[Path]) -> CollectResult:
    """nbgrader zip_collect: an LMS bulk download, files named ``{id}_{module}_{file}``."""
    from nbgrader.apps.zipcollectapp import ZipCollectApp
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    require_released(root, module)
    for archive in archives:
        if not archive.is_file():
            raise GradingError(f"{archive}: file not found")
    inbox = root / "downloaded" / module / "archive"
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    for archive in archives:
        shutil.copy(archive, inbox / archive.name)
    before = _submitted_stamps(root, module)
    app = ZipCollectApp(config=nbcourse.load_config(root))
    app.log.propagate = False
    for handler in list(app.log.handlers):
        app.log.removeHandler(handler)
    app.coursedir = CourseDirectory(parent=app)
    app.coursedir.assignment_id = module
    app.force = True
    result = capture_log(app)
    if not result["success"]:
        raise GradingError(
            f"Could not collect {module} from {', '.join(map(str, archives))}: {short_error(result)}"
        )
    skipped = [
        Path(m.group(1)).name for m in re.finditer(r"Skipped \w[\w ]* provided: (\S+)", result.get("log", ""))
    ]
    changed, strangers = _after_collect(root, module, before)
    return CollectResult(module=module, collected=changed, not_on_roster=strangers, skipped_files=skipped)


# Inspecting a submission ---------------------------------------------------------------------------------


@dataclass
class Inspection:
    """What is in one learner's submitted folder, before nbgrader sees it."""

    problems: list[str] = field(default_factory=list)
    """Reasons it cannot be graded at all."""
    notes: list[str] = field(default_factory=list)
    """Things an instructor should know; grading goes on."""


def _released_notebooks(root: Path, module: str) -> dict[str, Any]:
    release_dir = root / "release" / module
    return {p.name: nbformat.read(p, as_version=4) for p in sorted(release_dir.glob("*.ipynb"))}


def inspect_submission(
    root: Path, module: str, learner: str, released: dict[str, Any] | None = None
) -> Inspection:
    folder = root / "submitted" / learner / module
    released = _released_notebooks(root, module) if released is None else released
    out = Inspection()
    present = sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    )
    answers = store_filename(module)
    for name, release_nb in released.items():
        path = folder / name
        if not path.exists():
            others = ", ".join(f for f in present if f not in EXCHANGE_FILES) or "nothing"
            out.problems.append(f"no notebook {name} in the submission (it has: {others})")
            continue
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:  # nbformat raises several kinds for a damaged file
            out.problems.append(f"{name} is not a readable notebook ({str(exc).splitlines()[0][:120]})")
            continue
        locked = {
            c.metadata["nbgrader"]["grade_id"]: c.source
            for c in release_nb.cells
            if c.metadata.get("nbgrader", {}).get("locked")
        }
        changed = [
            c.metadata["nbgrader"]["grade_id"]
            for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id") in locked
            and c.source.strip() != locked[c.metadata["nbgrader"]["grade_id"]].strip()
        ]
        if changed:
            out.notes.append(
                f"changed a locked cell ({', '.join(changed)}); nbgrader restores it before grading"
            )
    try:
        if read_answer_file(folder / answers) is None:
            out.notes.append(f"no answer file {answers}: every check scores 0")
    except DamagedStore as exc:
        out.notes.append(f"damaged answer file {answers} ({exc.reason}): every check scores 0")
    extra = [f for f in present if f not in released and f != answers and f not in EXCHANGE_FILES]
    if extra:
        out.notes.append(f"extra file{'s' if len(extra) > 1 else ''} not graded: {', '.join(extra)}")
    return out


# Autograde --------------------------------------------------------------------------------------------------


@dataclass
class AutogradeOutcome:
    learner: str
    status: Literal["graded", "failed", "skipped", "unchanged"]
    reason: str = ""
    seconds: float = 0.0


@dataclass
class AutogradeResult:
    module: str
    jobs: int
    outcomes: list[AutogradeOutcome]
    seconds: float
    log: Path


_WORKER: dict[str, Any] = {}


def _worker_start(root: str, log: str) -> None:
    """Runs once in each worker process: nbgrader's noise goes to the log, not the instructor's terminal.

    Kernels talk to this worker over Unix sockets in a folder of its own. Over TCP, two workers
    starting kernels at the same moment can be handed the same free port, and one kernel then
    fails with "Address already in use" (seen here once in 40 submissions).
    """
    import tempfile
    from multiprocessing.util import Finalize

    from nbgrader.apps import NbGraderAPI

    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    nbcourse.ensure_tools_on_path()
    sockets = tempfile.mkdtemp(prefix="ac-kernels-")
    Finalize(None, shutil.rmtree, args=(sockets, True), exitpriority=10)
    config = nbcourse.load_config(Path(root))
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = os.path.join(sockets, "kernel")
    _WORKER["api"] = NbGraderAPI(config=config)


def _worker_grade(module: str, learner: str) -> AutogradeOutcome:
    """Autograde one submission. SQLite allows one writer at a time: a locked gradebook is retried."""
    start = time.perf_counter()
    result: dict[str, Any] = {}
    for attempt in range(4):
        result = _WORKER["api"].autograde(module, learner)
        if result["success"] or "database is locked" not in (result.get("error") or ""):
            break
        time.sleep(0.5 * (attempt + 1))
    seconds = time.perf_counter() - start
    if result["success"]:
        return AutogradeOutcome(learner, "graded", seconds=seconds)
    print(
        f"--- autograde {module} {learner} failed:\n{result.get('log', '')}\n{result.get('error', '')}",
        flush=True,
    )
    return AutogradeOutcome(learner, "failed", reason=short_error(result), seconds=seconds)


def submitted_learners(root: Path, module: str) -> list[str]:
    return sorted(p.parent.name for p in (root / "submitted").glob(f"*/{module}") if p.is_dir())


def default_jobs() -> int:
    """One more worker than cores: part of each submission's time is a kernel starting up, not computing."""
    return (os.cpu_count() or 1) + 1


def submission_digest(root: Path, module: str, learner: str) -> str:
    """A fingerprint of everything the learner handed in (names and contents)."""
    import hashlib

    folder = root / "submitted" / learner / module
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def handed_in_since_autograde(
    root: Path, module: str, learner: str, record: dict[str, Any] | None = None
) -> bool:
    """True if the submission was never autograded, or what was handed in changed since.

    Our autograde keeps a fingerprint of each submission it graded, so collecting the same
    work again (a fresh LMS download, say) changes nothing. For work graded some other way,
    a file collected after the graded notebook was written counts as handed in again.
    """
    graded = list((root / "autograded" / learner / module).glob("*.ipynb"))
    if not graded:
        return True
    if record is None:
        path = root / STATE_DIR / f"autograde-{module}.json"
        record = json.loads(path.read_text()) if path.exists() else {}
    digest = record.get(learner, {}).get("digest")
    if digest:
        return digest != submission_digest(root, module, learner)
    graded_at = min(p.stat().st_mtime for p in graded)
    folder = root / "submitted" / learner / module
    return any(p.stat().st_ctime > graded_at for p in folder.rglob("*") if p.is_file())


def autograde(
    root: Path,
    module: str,
    *,
    jobs: int | None = None,
    learners: list[str] | None = None,
    again: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[AutogradeOutcome], None] | None = None,
) -> AutogradeResult:
    """Autograde the submissions of ``module`` with ``jobs`` worker processes.

    nbgrader grades one submission at a time; separate processes on disjoint learners use every
    core. Each worker keeps one NbGraderAPI; the gradebook is SQLite, which serialises writes.
    Submissions that cannot be graded (no notebook, an unreadable one) are skipped with a reason.
    Submissions already autograded and not handed in again are left alone unless ``again``:
    nbgrader marks a reflection you graded for review again whenever it regrades a submission.
    """
    require_released(root, module)
    jobs = jobs or default_jobs()
    everyone = submitted_learners(root, module)
    if learners:
        unknown = [x for x in learners if x not in everyone]
        if unknown:
            raise GradingError(
                f"No submission of {module} from {', '.join(unknown)} in {root / 'submitted'}."
            )
        everyone = [x for x in everyone if x in learners]
    released = _released_notebooks(root, module)
    record_path = state_path(root, f"autograde-{module}.json")
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    outcomes: list[AutogradeOutcome] = []
    todo = []
    for sid in everyone:
        problems = inspect_submission(root, module, sid, released).problems
        if problems:
            outcomes.append(AutogradeOutcome(sid, "skipped", reason="; ".join(problems)))
        elif (
            again
            or record.get(sid, {}).get("status") != "graded"
            or handed_in_since_autograde(root, module, sid, record)
        ):
            todo.append(sid)
        else:
            outcomes.append(AutogradeOutcome(sid, "unchanged", reason="already autograded"))
    with gradebook(root) as gb:
        known = {s.id for s in gb.students}
        for sid in todo:
            if sid not in known:  # created here, once, so the workers never race to create a learner
                gb.update_or_create_student(sid)
    log = state_path(root, f"autograde-{module}.log")
    log.write_text(f"autograde {module}: {len(todo)} submissions, {jobs} worker(s)\n")
    if on_start:
        on_start(len(everyone))
    for outcome in outcomes:
        if on_done:
            on_done(outcome)
    start = time.perf_counter()
    if todo:
        workers = min(jobs, len(todo))
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=get_context("spawn"),
            initializer=_worker_start,
            initargs=(str(root), str(log)),
        ) as pool:
            futures = [pool.submit(_worker_grade, module, sid) for sid in todo]
            for future in as_completed(futures):
                outcome = future.result()
                outcomes.append(outcome)
                if on_done:
                    on_done(outcome)
    seconds = time.perf_counter() - start
    outcomes.sort(key=lambda o: o.learner)
    for o in outcomes:
        if o.status != "unchanged":
            record[o.learner] = {
                "status": o.status,
                "reason": o.reason,
                "at": datetime.now(UTC).isoformat(),
                "digest": submission_digest(root, module, o.learner),
            }
    record_path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return AutogradeResult(module=module, jobs=jobs, outcomes=outcomes, seconds=seconds, log=log)


# Status: the summary every step ends with ----------------------------------------------------------------


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
        from dataclasses import asdict

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


def module_status(root: Path, module: str) -> ModuleStatus:
    """Who submitted, their autograded scores, reflections waiting, and what could not be graded."""
    from nbgrader.api import MissingEntry

    settings = load_settings(root)
    require_module(root, module)
    info = settings.modules.get(module)
    released = _released_notebooks(root, module)
    record_path = root / STATE_DIR / f"autograde-{module}.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    roster = saved_roster(root)
    submitted = set(submitted_learners(root, module))
    rows: list[LearnerStatus] = []
    with gradebook(root) as gb:
        try:
            assignment = gb.find_assignment(module)
        except MissingEntry:
            assignment = None
        max_score = assignment.max_score if assignment else 0.0
        students = {s.id: s for s in gb.students}
        for sid in sorted(set(students) | submitted | set(roster)):
            student = students.get(sid)
            name = " ".join(x for x in (student.first_name, student.last_name) if x) if student else ""
            row = LearnerStatus(
                id=sid, name=name or (roster[sid].name if sid in roster else sid), on_roster=sid in roster
            )
            row.max_score = max_score
            stamp = root / "submitted" / sid / module / "timestamp.txt"
            if sid in submitted:
                row.submitted = True
                row.timestamp = stamp.read_text().strip() if stamp.exists() else None
                inspection = inspect_submission(root, module, sid, released)
                row.notes = inspection.notes
                if inspection.problems:
                    row.problem = "; ".join(inspection.problems)
                elif record.get(sid, {}).get("status") == "failed":
                    row.problem = f"nbgrader could not grade it: {record[sid]['reason']}"
            if not row.on_roster and (row.submitted or sid in students):
                row.notes.append("not on the roster")
            if assignment is not None and not row.problem:
                try:
                    sub = gb.find_submission(module, sid)
                except MissingEntry:
                    sub = None
                if sub is not None:
                    row.autograded = True
                    row.late_seconds = sub.total_seconds_late or 0.0
                    grades = [g for nb in sub.notebooks for g in nb.grades]
                    code = [g for g in grades if g.cell_type == "code"]
                    written = [g for g in grades if g.cell_type == "markdown"]
                    row.checks_score = sum(g.score for g in code)
                    row.checks_max = sum(g.max_score for g in code)
                    row.reflection_max = sum(g.max_score for g in written)
                    if any(g.needs_manual_grade for g in written):
                        row.reflection = "waiting"
                    elif written and all(g.manual_score is not None for g in written):
                        row.reflection = "graded"
                        row.reflection_score = sum(g.score for g in written)
                    elif written:
                        row.reflection = "blank"
                        row.reflection_score = sum(g.score for g in written)
                    row.score = sub.score - (sub.late_submission_penalty or 0.0)
                    if row.submitted and handed_in_since_autograde(root, module, sid, record):
                        row.notes.append("handed in again after autograding: run autograde again")
                elif row.submitted:
                    row.notes.append("not autograded yet")
            if row.late:
                row.notes.insert(0, _late_words(row.late_seconds))
            rows.append(row)
    return ModuleStatus(
        module=module,
        title=info.title if info else module,
        due=info.due if info else None,
        max_score=max_score,
        learners=rows,
    )


# Feedback ---------------------------------------------------------------------------------------------------

FORBIDDEN_IN_FEEDBACK = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "expect_answer(", "data-correct=")
"""Markers of an answer key: hidden tests, or the static check markup that flags correct options."""

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class HideWidgetOutputs(Preprocessor):
    """Feedback preprocessor: replace each live widget's output by one plain line.

    A check widget's output carries a static HTML copy of the check for viewers without widgets,
    and that copy marks the correct options. A feedback page is static, so the widget is of no use
    there, and its fallback copy would give away the answer key.
    """

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                output["data"] = {
                    "text/plain": "(Your answer was saved here; its result is in the next cell.)"
                }
        return cell, resources


@dataclass
class FeedbackResult:
    module: str
    written: dict[str, Path]
    held_back: dict[str, str]
    released_to_exchange: list[str]
    archive: Path | None


def _answer_key_in(html: str) -> str | None:
    text = html.replace("import expect_answer", "")
    for marker in FORBIDDEN_IN_FEEDBACK:
        if marker in text:
            return marker
    return None


def feedback(
    root: Path,
    module: str,
    *,
    include_ungraded: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[str, bool], None] | None = None,
) -> FeedbackResult:
    """One HTML page per learner: scores, the grader's comments and the rubric, never the answer key.

    Learners whose reflection still waits for a grader are held back unless ``include_ungraded``.
    Each page is checked for hidden tests before it is kept. Feedback goes to the exchange (if the
    course has one) and into a zip for an LMS.
    """
    settings = load_settings(root)
    status = module_status(root, module)
    held: dict[str, str] = {}
    ready = []
    for row in status.learners:
        if not row.autograded:
            continue
        if row.reflection == "waiting" and not include_ungraded:
            held[row.id] = "reflection not graded yet"
            continue
        ready.append(row.id)
    nb_api = api(root)
    written: dict[str, Path] = {}
    if on_start:
        on_start(len(ready))
    for sid in ready:
        result = nb_api.generate_feedback(module, sid)
        ok = bool(result["success"])
        if not ok:
            held[sid] = f"nbgrader could not write feedback: {short_error(result)}"
        else:
            for page in sorted((root / "feedback" / sid / module).glob("*.html")):
                marker = _answer_key_in(page.read_text(encoding="utf-8"))
                if marker:
                    page.unlink()
                    held[sid] = f"feedback held back: {page.name} contained {marker!r}"
                    ok = False
                else:
                    written[sid] = page
        if on_done:
            on_done(sid, ok)
    released: list[str] = []
    for sid in written if settings.exchange else []:
        # Only work handed in through the exchange can go back through it: nbgrader finds the
        # learner's copy by the secret their submission carried. LMS hand-ins go back in the zip.
        if not (root / "feedback" / sid / module / "submission_secret.txt").exists():
            continue
        result = nb_api.release_feedback(module, sid)
        if result["success"]:
            released.append(sid)
        else:
            held[sid] = f"feedback written but not released to the exchange: {short_error(result)}"
    archive = None
    if written:
        archive = root / "exports" / f"{module}-feedback.zip"
        archive.parent.mkdir(exist_ok=True)
        import zipfile

        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for sid, page in sorted(written.items()):
                zf.write(page, f"{sid}_{module}_feedback.html")
    return FeedbackResult(
        module=module, written=written, held_back=held, released_to_exchange=released, archive=archive
    )


def learner_path(root: Path, step: str, learner: str, module: str) -> Path:
    return root / step / learner / module


def formgrader_command(root: Path, port: int = 8888) -> list[str]:
    """JupyterLab in the course folder; nbgrader's formgrader is in its Nbgrader menu."""
    import sys

    bindir = Path(sys.executable).parent
    cmd = [str(bindir / "jupyter"), "lab", f"--ServerApp.root_dir={root}", "--ip=127.0.0.1", f"--port={port}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd
