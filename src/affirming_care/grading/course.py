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
import sys
from pathlib import Path
from typing import Literal

import nbformat
from pydantic import BaseModel, Field, ValidationError

from affirming_care import paths

REPO = paths.course_root()
ASSIGNMENTS = REPO / "assignments"
SOURCE = ASSIGNMENTS / "source"
CONFIG = ASSIGNMENTS / "nbgrader_config.py"
COURSE_ENV = "AFFIRMING_CARE_COURSE"
SETTINGS_FILE = "affirming-care-course.json"
STATE_DIR = ".affirming-care"
MODULE_RE = re.compile(r"^m\d\d$")
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
