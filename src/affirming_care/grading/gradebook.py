"""nbgrader for a course folder: its config, its Python API and its gradebook, opened in one place.

The repository holds only ``assignments/source`` and ``assignments/nbgrader_config.py``. An
instructor's course folder (release/, submitted/, autograded/, feedback/, the gradebook) lives
outside the repository, because it holds learners' work.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from affirming_care.grading.course import load_settings, settings_path


def load_config(root: Path) -> Config:
    """The course's nbgrader config, rooted at ``root``."""
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    cfg.CourseDirectory.root = str(root)
    return cfg


def ensure_tools_on_path() -> None:
    """nbgrader shells out to ``alembic`` (and kernels to python): its environment's bin must be on PATH."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def quiet_known_nbgrader_warnings() -> None:
    """Hide the one SQLAlchemy warning nbgrader's ``add_submission`` gives on every new submission.

    nbgrader builds a submission's notebooks and grades before adding it to the session, which
    SQLAlchemy 2 warns of ("Object of type <SubmittedAssignment> not in session, add operation
    along ... will not proceed"); the rows are added all the same. Printed at the instructor after
    every autograde, it reads like a fault. Only that message from nbgrader is hidden.
    """
    warnings.filterwarnings(
        "ignore", message=r"Object of type <\w+> not in session, add operation along", module=r"nbgrader\."
    )


def api(root: Path) -> Any:
    """nbgrader's NbGraderAPI for this course folder (each call's log comes back in its result)."""
    from nbgrader.apps import NbGraderAPI

    ensure_tools_on_path()
    quiet_known_nbgrader_warnings()
    return NbGraderAPI(config=load_config(root))


def db_url(root: Path) -> str:
    from nbgrader.coursedir import CourseDirectory

    url: str = CourseDirectory(config=load_config(root)).db_url
    return url


@contextmanager
def gradebook(root: Path) -> Iterator[Any]:
    """The course folder's nbgrader gradebook (made if missing)."""
    from nbgrader.api import Gradebook

    settings = load_settings(root)
    ensure_tools_on_path()  # a new gradebook is made by nbgrader's alembic command
    quiet_known_nbgrader_warnings()
    with Gradebook(db_url(root), settings.course_id) as gb:
        yield gb


@contextmanager
def open_gradebook(root: Path) -> Iterator[Any]:
    """The gradebook of a course folder, or of a bare folder holding ``gradebook.db``; None if neither."""
    if settings_path(root).exists():
        with gradebook(root) as gb:
            yield gb
        return
    db = root / "gradebook.db"
    if not db.exists():
        yield None
        return
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        yield gb


def short_error(result: dict[str, Any]) -> str:
    """One line from an nbgrader result: the logged error, else the exception's message."""
    for line in (result.get("log") or "").splitlines():
        if line.startswith("[ERROR]"):
            return str(line.removeprefix("[ERROR]").strip())
    lines = [x for x in (result.get("error") or "").strip().splitlines() if x.strip()]
    if not lines:
        return "unknown error"
    last = lines[-1]
    return re.sub(r"^[\w.]+(Error|Exception|Exit): ?", "", last) or last


def clean_names(root: Path) -> list[str]:
    """Take ``<`` and ``>`` out of every learner's name and email in the gradebook; say whose.

    nbgrader's formgrader writes first and last names into its submission view without escaping
    them. The roster refuses such names, but one can reach the gradebook another way (``nbgrader
    db student add``, an older gradebook), so every step that leads to the formgrader cleans them
    first: without ``<`` and ``>`` a name cannot open a tag, so it stays text.
    """
    from affirming_care.grading.sanitise import strip_markup_chars

    cleaned = []
    with gradebook(root) as gb:
        for student in gb.students:
            fields = {f: getattr(student, f) or "" for f in ("first_name", "last_name", "email")}
            safe = {f: strip_markup_chars(v) for f, v in fields.items()}
            if safe != fields:
                gb.update_or_create_student(student.id, **safe)
                cleaned.append(student.id)
    return cleaned
