"""The one build step pyproject.toml cannot say: copy the course's files into the wheel.

A wheel of this package carries the course it belongs to in ``affirming_care/_course/``: the
content (cases, checks, reflections, rubric), the nbgrader source assignments and the learning
notebooks, so an installed package finds them without a checkout (``affirming_care.paths``).
An editable install (``pip install -e .``) reads the checkout instead and copies nothing.
Learners' answer files, notebook checkpoints and caches are never copied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
COURSE = ("content", "assignments", "notebooks")
REQUIRED = "content"  # what learners need; the book's course zip has no assignments/
NEVER = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".ipynb_checkpoints", "*-answers.json*", "*.damaged*", ".DS_Store"
)


class BuildWithCourse(build_py):
    """build_py, then the course's folders into build_lib/affirming_care/_course."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "affirming_care" / "_course"
        for name in COURSE:
            source = HERE / name
            if not source.is_dir():
                if name == REQUIRED:
                    raise SystemExit(f"setup.py: {source} is missing; a wheel of the course needs it")
                continue
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(source, target / name, ignore=NEVER)


setup(cmdclass={"build_py": BuildWithCourse})
