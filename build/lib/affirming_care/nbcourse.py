"""An nbgrader course folder for this course, driven through nbgrader's own Python API.

The repository holds only ``assignments/source`` and ``assignments/nbgrader_config.py``. An
instructor's course folder (release/, submitted/, autograded/, feedback/, the gradebook) lives
outside the repository, because it holds learners' work.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from affirming_care import paths

REPO = paths.course_root()
ASSIGNMENTS = REPO / "assignments"


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


def init_course(root: Path, modules: list[str] | None = None) -> Path:
    """Create (or refresh) a course folder: the config and the source of each module."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ASSIGNMENTS / "nbgrader_config.py", root / "nbgrader_config.py")
    for src in sorted((ASSIGNMENTS / "source").iterdir()):
        if src.is_dir() and (modules is None or src.name in modules):
            shutil.copytree(src, root / "source" / src.name, dirs_exist_ok=True)
    return root


def api(root: Path) -> NbGraderAPI:
    ensure_tools_on_path()
    return NbGraderAPI(config=load_config(root))
