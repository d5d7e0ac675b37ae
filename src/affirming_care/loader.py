"""Read the ``content/`` folder into validated content objects, or say exactly what is wrong.

Layout::

    content/
      curriculum.yml            every guide point, its summary and the module that teaches it
      rubric.yml                the four-criterion reflection rubric
      m02-two-mistakes/
        module.yml              title, notebook, minutes, guide points
        checks.yml              knowledge checks
        reflection.yml          the graded reflection prompt
        vignettes/*.yml         one case per file
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from affirming_care._yaml import YamlSyntaxError, line_of, load_with_lines
from affirming_care.content import (
    CONTENT_ROOT,
    CheckSet,
    Curriculum,
    ModuleMeta,
    Question,
    Reflection,
    Rubric,
    Vignette,
)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one content file."""

    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f" {self.field}:" if self.field else ""
        return f"{self.path}:{self.line}:{where} {self.message}"


class ContentError(Exception):
    """Raised when content does not validate; ``problems`` lists every one found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _field(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _expected(err: ErrorDetails) -> str:
    """Pydantic's message, said the way an author needs it."""
    kind, msg = err["type"], err["msg"]
    if kind == "missing":
        return "this field is required but missing"
    if kind == "extra_forbidden":
        return "unknown field (check its spelling; see content/README.md for the fields)"
    if kind == "literal_error":
        return f"{msg}; got {err.get('input')!r}"
    if kind == "string_pattern_mismatch":
        return f"expected lower-case words joined by hyphens or the documented form; got {err.get('input')!r}"
    if kind == "string_type" and isinstance(err.get("input"), bool):
        return "expected text; YAML reads yes, no, on and off as true or false, so put the text in quotes"
    if kind == "string_type":
        return f"expected text; got {err.get('input')!r}"
    return str(msg).removeprefix("Value error, ")


_LINES: dict[Path, dict[tuple[Any, ...], int]] = {}
"""Line maps of the files loaded, so checks across files can point at a line too."""


def _line(path: Path, field: str) -> int:
    """The line of a dotted field such as ``questions[2].guide_points`` in a loaded file."""
    loc: list[Any] = []
    for part in field.replace("]", "").replace("[", ".").split("."):
        if part:
            loc.append(int(part) if part.isdigit() else part)
    return line_of(_LINES.get(path, {}), tuple(loc))


def load_model(model: type[M], path: Path) -> M:
    """Validate one YAML file as ``model``; raise ContentError naming file, line and field."""
    try:
        data, lines = load_with_lines(path)
        _LINES[path] = lines
    except YamlSyntaxError as exc:
        raise ContentError([Problem(path, exc.line, "", f"not valid YAML: {exc.problem}")]) from None
    if not isinstance(data, dict):
        raise ContentError([Problem(path, 1, "", "expected a mapping of fields at the top level")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            # A validator on a whole object reports the object; its line is its first line.
            problems.append(Problem(path, line_of(lines, loc), _field(loc), _expected(err)))
        raise ContentError(problems) from None


def load_vignette(path: Path) -> Vignette:
    """Validate one case file: its fields, then its branches (every ``next`` leads somewhere)."""
    v = load_model(Vignette, path)
    broken = v.graph_problems()
    if broken:
        raise ContentError(
            [Problem(path, line_of(_LINES[path], loc), _field(loc), msg) for loc, msg in broken]
        )
    return v


@dataclass
class ModuleContent:
    meta: ModuleMeta
    folder: Path
    vignettes: dict[str, Vignette] = field(default_factory=dict)
    checks: CheckSet | None = None
    reflection: Reflection | None = None

    @property
    def questions(self) -> list[Question]:
        return list(self.checks.questions) if self.checks else []

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(f"{self.meta.id} has no check {qid!r}; it has {[q.id for q in self.questions]}")

    def vignette(self, vid: str) -> Vignette:
        try:
            return self.vignettes[vid]
        except KeyError:
            raise KeyError(f"{self.meta.id} has no vignette {vid!r}; it has {list(self.vignettes)}") from None


@dataclass
class Course:
    root: Path
    curriculum: Curriculum
    rubric: Rubric
    modules: dict[str, ModuleContent]

    def module(self, module_id: str) -> ModuleContent:
        try:
            return self.modules[module_id]
        except KeyError:
            raise KeyError(f"no module {module_id!r}; modules are {sorted(self.modules)}") from None

    def all_vignettes(self) -> list[Vignette]:
        return [v for m in self.modules.values() for v in m.vignettes.values()]

    def all_questions(self) -> list[Question]:
        return [q for m in self.modules.values() for q in m.questions]

    def all_reflections(self) -> list[Reflection]:
        return [m.reflection for m in self.modules.values() if m.reflection]


def content_root() -> Path:
    """``$AFFIRMING_CARE_CONTENT`` if set, else the ``content/`` folder of this checkout."""
    return Path(os.environ.get("AFFIRMING_CARE_CONTENT", CONTENT_ROOT))


def _collect(model: type[M], path: Path, problems: list[Problem]) -> M | None:
    try:
        return load_model(model, path)
    except ContentError as exc:
        problems += exc.problems
        return None


def _cross_check(course: Course, problems: list[Problem]) -> None:
    """What no single file can know: ids unique across files, guide points known, modules right."""
    known = set(course.curriculum.ids)
    seen: dict[str, Path] = {}

    def problem(path: Path, where: str, message: str) -> None:
        problems.append(Problem(path, _line(path, where), where, message))

    def check_points(path: Path, points: list[str], where: str) -> None:
        for gp in points:
            if gp not in known:
                problem(path, where, f"unknown guide point {gp!r}; see content/curriculum.yml")

    for mid, mod in course.modules.items():
        folder = mod.folder
        check_points(folder / "module.yml", mod.meta.guide_points, "guide_points")
        for vid, v in mod.vignettes.items():
            path = folder / "vignettes" / f"{vid}.yml"
            if v.module != mid:
                problem(path, "module", f"is {v.module!r} but the file is in {mid}")
            if not vid.startswith(mid + "-"):
                problem(path, "id", f"must start with {mid + '-'!r}")
            points = list(v.guide_points) + [gp for s in v.scenes for c in s.choices for gp in c.guide_points]
            check_points(path, points, "guide_points")
            if vid in seen:
                problem(path, "id", f"{vid!r} is also used in {seen[vid]}")
            seen[vid] = path
        if mod.checks:
            path = folder / "checks.yml"
            if mod.checks.module != mid:
                problem(path, "module", f"is {mod.checks.module!r} but the file is in {mid}")
            for i, q in enumerate(mod.checks.questions):
                check_points(path, q.guide_points, f"questions[{i}].guide_points")
                if not q.id.startswith(mid + "-"):
                    problem(path, f"questions[{i}].id", f"must start with {mid + '-'!r}")
                if q.id in seen:
                    problem(path, f"questions[{i}].id", f"{q.id!r} is also used in {seen[q.id]}")
                seen[q.id] = path
        if mod.reflection:
            path = folder / "reflection.yml"
            check_points(path, mod.reflection.guide_points, "guide_points")
            if mod.reflection.module != mid:
                problem(path, "module", f"is {mod.reflection.module!r} but the file is in {mid}")
    for i, gp in enumerate(course.curriculum.points):
        for mid in gp.taught_in:
            if mid not in course.modules:
                problem(course.root / "curriculum.yml", f"points[{i}].taught_in", f"no module {mid!r}")


def load_course(root: Path | None = None) -> Course:
    """Load and validate all content. Raises ContentError listing every problem found."""
    root = Path(root) if root else content_root()
    problems: list[Problem] = []
    curriculum = _collect(Curriculum, root / "curriculum.yml", problems)
    rubric = _collect(Rubric, root / "rubric.yml", problems)
    modules: dict[str, ModuleContent] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / "module.yml").exists()):
        meta = _collect(ModuleMeta, folder / "module.yml", problems)
        if meta is None:
            continue
        if folder.name != meta.notebook:
            problems.append(
                Problem(
                    folder / "module.yml",
                    _line(folder / "module.yml", "notebook"),
                    "notebook",
                    f"must equal the folder name {folder.name!r}",
                )
            )
        mod = ModuleContent(meta=meta, folder=folder)
        for vfile in sorted((folder / "vignettes").glob("*.yml")):
            try:
                v: Vignette | None = load_vignette(vfile)
            except ContentError as exc:
                problems += exc.problems
                v = None
            if v is not None:
                if v.id != vfile.stem:
                    problems.append(
                        Problem(
                            vfile,
                            _line(vfile, "id"),
                            "id",
                            f"{v.id!r} must match the file name {vfile.stem!r}",
                        )
                    )
                mod.vignettes[v.id] = v
        if (folder / "checks.yml").exists():
            mod.checks = _collect(CheckSet, folder / "checks.yml", problems)
        if (folder / "reflection.yml").exists():
            mod.reflection = _collect(Reflection, folder / "reflection.yml", problems)
        modules[meta.id] = mod
    if curriculum is None or rubric is None:
        raise ContentError(problems)
    course = Course(root=root, curriculum=curriculum, rubric=rubric, modules=modules)
    _cross_check(course, problems)
    if problems:
        raise ContentError(problems)
    return course


@cache
def cached_course(root: str | None = None) -> Course:
    """The course, loaded once per process (notebooks call this many times)."""
    return load_course(Path(root) if root else None)
