"""A course folder and its settings.

A course folder holds learners' work, so it lives outside the repository: ``--course DIR`` or
``$AFFIRMING_CARE_COURSE``. It holds nbgrader's usual folders and gradebook, the course's
``nbgrader_config.py`` (copied from ``assignments/`` with this folder's own settings at the end),
``affirming-care-course.json`` (what this package knows about the folder) and ``.affirming-care/``
(autograde results and logs).
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import nbformat
from pydantic import BaseModel, Field, ValidationError

from affirming_care import paths
from affirming_care.grading.pass_rule import PassRule
from affirming_care.store import MAX_ANSWER_BYTES

REPO = paths.course_root()
ASSIGNMENTS = REPO / "assignments"
SOURCE = ASSIGNMENTS / "source"
CONFIG = ASSIGNMENTS / "nbgrader_config.py"
COURSE_ENV = "AFFIRMING_CARE_COURSE"
SETTINGS_FILE = "affirming-care-course.json"
STATE_DIR = ".affirming-care"
MODULE_RE = re.compile(r"^(m\d\d|pre)$")
"""A module's assignment, or ``pre``: the pre-course check (issue 13), released and collected like one."""
MAX_NOTEBOOK_BYTES = 20_000_000
"""A module's notebook with its outputs is well under a megabyte; a bigger one is refused at collect."""
PRIVATE_UMASK = 0o077
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
CONFIG_MARK = "# ---- This course folder's own settings (written by `affirming_care grade init`) ----"


class GradingError(Exception):
    """A step could not be done; the message says why and what to do, in words for an instructor."""


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
    pass_mark: float = Field(
        default=0.75, gt=0, le=1, description="Share of a module's post-test points it takes to pass (0 to 1)"
    )
    reflection_threshold: float = Field(
        default=8, ge=0, le=12, description="Rubric points (of 12) a graded reflection needs to pass"
    )
    rehearsal: bool = Field(default=False, description="Made by `grade rehearse`: its learners are fictional")
    modules: dict[str, ModuleInfo] = Field(default_factory=dict)
    max_answer_bytes: int = Field(
        default=MAX_ANSWER_BYTES, gt=0, description="Largest answer file collected (bytes)"
    )
    max_notebook_bytes: int = Field(
        default=MAX_NOTEBOOK_BYTES, gt=0, description="Largest notebook or other file collected (bytes)"
    )
    check_owner: bool = Field(
        default=True,
        description="Quarantine an exchange hand-in whose files another account owns than the "
        "learner's (the roster's account column, else the learner id). Turn off only where every "
        "learner's server runs as one shared account, where the owner says nothing.",
    )

    @property
    def pass_rule(self) -> PassRule:
        """The pass rule with this course's figures (see ``grading.pass_rule``)."""
        return PassRule(self.pass_mark, self.reflection_threshold)


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
        got = f" (it is {err['input']!r})" if "input" in err and where != "(top level)" else ""
        raise GradingError(f"{path}: field {where}: {err['msg']}{got}") from None


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


def state_path(root: Path, name: str) -> Path:
    """A file in the folder's ``.affirming-care/`` (made if missing)."""
    folder = root / STATE_DIR
    folder.mkdir(exist_ok=True)
    return folder / name


def source_modules(source: Path) -> list[str]:
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if MODULE_RE.match(p.name) and any(p.glob("*.ipynb")))


def module_info(module: str, notebook: Path) -> ModuleInfo:
    """Title and minutes from the course content; from the notebook's heading if content is missing."""
    if module == "pre":
        return ModuleInfo(title="Before you start: the pre-course check", minutes=25)
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

    from affirming_care.grading.gradebook import gradebook

    require_module(root, module)
    with gradebook(root) as gb:
        try:
            gb.find_assignment(module)
        except MissingEntry:
            raise GradingError(
                f"{module} has not been released yet. Run `affirming_care grade release {module}` first."
            ) from None


def learner_path(root: Path, step: str, learner: str, module: str) -> Path:
    return root / step / learner / module


def formgrader_command(root: Path, port: int = 8888) -> list[str]:
    """JupyterLab in the course folder; nbgrader's formgrader is in its Nbgrader menu."""
    bindir = Path(sys.executable).parent
    cmd = [str(bindir / "jupyter"), "lab", f"--ServerApp.root_dir={root}", "--ip=127.0.0.1", f"--port={port}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


@contextmanager
def private_umask() -> Iterator[None]:
    """Everything made inside is readable by this account alone (umask 077), nbgrader's files too."""
    old = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(old)


def _exchange_inside(root: Path) -> Path | None:
    """The course's exchange if it sits inside the course folder (a rehearsal's does): it keeps its modes."""
    try:
        exchange = load_settings(root).exchange
    except GradingError:
        return None
    if not exchange:
        return None
    path = Path(exchange)
    return path if root in path.parents else None


def make_private(root: Path) -> None:
    """Every folder in the course folder 0700 and every file 0600; links are left alone, never followed.

    The exchange, when it is inside the folder, keeps the modes nbgrader gives it.
    """
    if not root.is_dir() or root.is_symlink():
        return
    skip = _exchange_inside(root)
    os.chmod(root, PRIVATE_DIR)
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = [d for d in dirs if skip is None or here / d != skip]
        for name in dirs + files:
            path = here / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                continue
            mode = PRIVATE_DIR if stat.S_ISDIR(info.st_mode) else PRIVATE_FILE
            if stat.S_IMODE(info.st_mode) != mode:
                os.chmod(path, mode)


@contextmanager
def private_course(course: Path | str | None) -> Iterator[None]:
    """Run one command privately: umask 077 while it runs, then a sweep of the course folder."""
    with private_umask():
        try:
            yield
        finally:
            root: Path | None
            try:
                root = course_root(course)
            except GradingError:
                root = None
            if root is not None and settings_path(root).exists():
                make_private(root)
