"""Course material for the grading tests: two real modules if the course has them, else a mini course.

The end-to-end grading test runs on any two modules of the real course (m00 and m02 first, as the
content authors finish them). Until ``assignments/source`` holds two, it runs on the mini course
from ``tests/fixtures`` with a second module cloned from its first (and given a third question,
so nothing depends on how many questions a module has).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from affirming_care.assignments import write_assignments
from affirming_care.grading.course import SOURCE, source_modules
from affirming_care.loader import ContentError, load_course

TESTS = Path(__file__).parent
MINI = TESTS / "fixtures" / "mini-course"
BIN = Path(sys.executable).parent

EXTRA_QUESTION = """\
  - id: m04-q-three
    kind: single
    guide_points: [MISTAKE-COERCION]
    prompt: Which one, this time?
    options:
      - {id: a, text: A, correct: false, feedback: "no"}
      - {id: b, text: B, correct: true, feedback: "yes"}
"""


@dataclass
class Material:
    """Where the source assignments are, which two modules to use, and the content to grade against."""

    source: Path
    modules: list[str]
    content: Path | None
    """Set AFFIRMING_CARE_CONTENT to this (None: the course's own content)."""

    def env(self) -> dict[str, str]:
        env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", COLUMNS="250")
        env.pop("AFFIRMING_CARE_COURSE", None)
        if self.content is not None:
            env["AFFIRMING_CARE_CONTENT"] = str(self.content)
        return env


def course_source() -> Path:
    """The course's source assignments; AFFIRMING_CARE_TEST_SOURCE names another build of them."""
    return Path(os.environ.get("AFFIRMING_CARE_TEST_SOURCE", SOURCE))


def real_modules() -> list[str]:
    """Two modules of the real course, m00 and m02 first, if their assignments and content exist."""
    available = source_modules(course_source())
    if len(available) < 2 or "AFFIRMING_CARE_CONTENT" in os.environ:
        return []
    try:
        course = load_course()
    except (ContentError, OSError):
        return []
    usable = [m for m in available if m in course.modules and course.module(m).questions]
    preferred = [m for m in ("m00", "m02") if m in usable]
    return (preferred + [m for m in usable if m not in preferred])[:2]


def mini_two_modules(dest: Path) -> Material:
    """The mini course plus m04, a clone of its m02 with one more question; source assignments built."""
    root = dest / "mini-course"
    shutil.copytree(MINI, root)
    content = root / "content"
    old = content / "m02-two-mistakes"
    new = content / "m04-two-mistakes-again"
    shutil.copytree(old, new)
    for path in new.rglob("*.yml"):
        text = path.read_text().replace("m02", "m04").replace("m04-two-mistakes", "m04-two-mistakes-again")
        path.write_text(text.replace("number: 2", "number: 4"))
    (new / "vignettes" / "m02-kai-intake.yml").rename(new / "vignettes" / "m04-kai-intake.yml")
    checks = new / "checks.yml"
    checks.write_text(checks.read_text().rstrip("\n") + "\n" + EXTRA_QUESTION)
    notebooks = root / "notebooks"
    shutil.copy(notebooks / "m02-two-mistakes.ipynb", notebooks / "m04-two-mistakes-again.ipynb")
    course = load_course(content)
    source = dest / "source"
    write_assignments(course, notebooks, source)
    return Material(source=source, modules=["m02", "m04"], content=content)


def material(dest: Path) -> Material:
    modules = real_modules()
    if modules:
        return Material(source=course_source(), modules=modules, content=None)
    return mini_two_modules(dest)


def grade(*args: str | Path, mat: Material, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``affirming_care grade ...`` as an instructor would, in a fresh process."""
    result = subprocess.run(
        [str(BIN / "affirming_care"), "grade", *map(str, args)],
        capture_output=True,
        text=True,
        env=mat.env(),
        timeout=900,
    )
    if check:
        assert result.returncode == 0, (
            f"grade {args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


def test_the_mini_material_has_two_valid_modules_of_different_sizes(tmp_path: Path) -> None:
    mat = mini_two_modules(tmp_path)

    course = load_course(mat.content)

    assert sorted(course.modules) == ["m02", "m04"]
    assert len(course.module("m04").questions) == len(course.module("m02").questions) + 1
    assert source_modules(mat.source) == ["m02", "m04", "pre"]  # and the pre-course check
