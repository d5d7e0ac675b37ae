"""The answer keys of a module, read from the instructor's side, never from a hand-in.

Each autograded cell of ``source/MODULE/NOTEBOOK.ipynb`` holds one hidden-test line, parsed with
``ast`` (its arguments must be literals; nothing in the cell is executed):

* ``expect_posttest('m02', 'm02-p-spot-the-assumption')``: a post-test slot (issue 11). The cell
  holds no key: the slot's variants and keys come from the course folder's own bank,
  ``COURSE/posttest/m02.yml``, and which variant a learner saw comes from the seed in their answer
  file (``posttest.draw``).
* ``expect_answer('m02', 'm02-q-first-response', ['c'])``: a fixed key written in the cell, for a
  provider's own click-answered item.

The manually graded reflection cell names the reflection it shows in its metadata
(``affirming_care.reflection``), read here from the source notebook, never from the hand-in.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import nbformat

from affirming_care.grading.course import GradingError
from affirming_care.loader import ContentError
from affirming_care.posttest import Bank, Slot, Variant, drawn_variant_of_slot, load_banks
from affirming_care.precheck import PRECHECK, full_variant

ALLOWED_IMPORT = "affirming_care.grading"
KEY_CALLS = ("expect_answer", "expect_posttest", "expect_precheck")


@dataclass(frozen=True)
class AnswerKey:
    """The key of one autograded cell."""

    notebook: str
    grade_id: str
    module: str
    question_id: str
    expected: frozenset[str]
    points: float


@dataclass(frozen=True)
class PostTestKey:
    """One post-test slot's autograded cell: the slot itself, from the course folder's bank.

    ``bank`` is the slot's module's bank. ``precheck``: the cell is an item of the pre-course check
    (``expect_precheck``), which shows the variant the post-test does not (``precheck.full_variant``).
    """

    notebook: str
    grade_id: str
    module: str
    slot: Slot
    points: float
    bank: Bank | None = None
    precheck: bool = False

    @property
    def question_id(self) -> str:
        return self.slot.id

    def variant(self, seed: str) -> Variant:
        """The keyed variant this learner was shown, drawn again from their seed."""
        if self.precheck and self.bank is not None:
            return full_variant({self.bank.module: self.bank}, self.bank.module, self.slot.id, seed)[1]
        return drawn_variant_of_slot(self.slot, seed)


Key = AnswerKey | PostTestKey


def _where(path: Path, grade_id: str, node: ast.AST | None = None) -> str:
    line = f", line {node.lineno}" if node is not None and hasattr(node, "lineno") else ""
    return f"{path}, cell {grade_id}{line}"


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _key_call(tree: ast.Module, path: Path, grade_id: str) -> ast.Call:
    """The one key statement of a cell; imports of the grading package may stand beside it."""
    calls = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == ALLOWED_IMPORT:
            continue
        if (
            isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Call)
            and _call_name(stmt.value) in KEY_CALLS
        ):
            calls.append(stmt.value)
            continue
        raise GradingError(
            f"{_where(path, grade_id, stmt)}: expected only expect_posttest(MODULE, SLOT) or "
            f"expect_answer(MODULE, QUESTION, [LETTERS]) in an autograded cell, found {ast.unparse(stmt)[:80]!r}."
        )
    if len(calls) != 1:
        raise GradingError(
            f"{_where(path, grade_id)}: expected one expect_posttest(...) or expect_answer(...) line, "
            f"found {len(calls)}."
        )
    return calls[0]


def _posttest_args(call: ast.Call, path: Path, grade_id: str) -> tuple[str, str]:
    try:
        if call.keywords or len(call.args) != 2:
            raise ValueError("two arguments")
        module, slot = (ast.literal_eval(a) for a in call.args)
    except ValueError:
        module = slot = None
    if not (isinstance(module, str) and isinstance(slot, str)):
        raise GradingError(
            f"{_where(path, grade_id, call)}: expect_posttest needs two literal strings "
            "(module id, post-test slot id)."
        )
    return module, slot


def _literal_args(call: ast.Call, path: Path, grade_id: str) -> tuple[str, str, frozenset[str]]:
    try:
        if call.keywords or len(call.args) != 3:
            raise ValueError("three arguments")
        module, question, expected = (ast.literal_eval(a) for a in call.args)
    except ValueError:
        raise GradingError(
            f"{_where(path, grade_id, call)}: expect_answer needs three literal arguments "
            "(module id, question id, list of option letters)."
        ) from None
    if not (isinstance(module, str) and isinstance(question, str)) or not isinstance(expected, list | tuple):
        raise GradingError(
            f"{_where(path, grade_id, call)}: expect_answer(MODULE, QUESTION, [LETTERS]) expected, "
            f"got types {type(module).__name__}, {type(question).__name__}, {type(expected).__name__}."
        )
    if not all(isinstance(x, str) for x in expected):
        raise GradingError(f"{_where(path, grade_id, call)}: the option letters must be strings.")
    return module, question, frozenset(expected)


def _posttest_key(
    call: ast.Call, notebook: str, grade_id: str, points: float, path: Path, banks: dict[str, Bank] | None
) -> PostTestKey:
    module, slot_id = _posttest_args(call, path, grade_id)
    precheck = _call_name(call) == "expect_precheck"
    owner = slot_id.split("-", 1)[0] if precheck else module  # a pre-check item is a module's slot
    if precheck and module != PRECHECK:
        raise GradingError(
            f"{_where(path, grade_id, call)}: expect_precheck's first argument must be {PRECHECK!r}."
        )
    if banks is None or owner not in banks:
        raise GradingError(
            f"{_where(path, grade_id, call)}: post-test slot {slot_id!r} needs the course's bank for {module}, "
            "and there is none. `affirming_care grade init` copies it into COURSE/posttest/ (--bank DIR for a private one)."
        )
    try:
        slot = banks[owner].slot(slot_id)
    except KeyError as exc:
        raise GradingError(f"{_where(path, grade_id, call)}: {exc.args[0]}") from None
    if float(slot.points) != points:
        raise GradingError(
            f"{_where(path, grade_id, call)}: the cell is worth {points:g} points but the bank's slot "
            f"{slot_id!r} is worth {slot.points}; rebuild the assignment (`affirming_care assignments`)."
        )
    return PostTestKey(notebook, grade_id, module, slot, points, banks[owner], precheck)


def cell_key(
    source: str, notebook: str, grade_id: str, points: float, path: Path, banks: dict[str, Bank] | None = None
) -> Key:
    """The key in one autograded cell's source, parsed, never run."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise GradingError(
            f"{_where(path, grade_id)}, line {exc.lineno}: not valid Python ({exc.msg})."
        ) from None
    call = _key_call(tree, path, grade_id)
    if _call_name(call) in ("expect_posttest", "expect_precheck"):
        return _posttest_key(call, notebook, grade_id, points, path, banks)
    module, question, expected = _literal_args(call, path, grade_id)
    return AnswerKey(notebook, grade_id, module, question, expected, points)


def notebook_keys(path: Path, banks: dict[str, Bank] | None = None) -> dict[str, Key]:
    """The keys of one source notebook, by grade id of the autograded cell."""
    nb = nbformat.read(path, as_version=4)
    keys: dict[str, Key] = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        grade_id = str(meta.get("grade_id", ""))
        keys[grade_id] = cell_key(cell.source, path.stem, grade_id, float(meta.get("points", 0)), path, banks)
    return keys


def reflection_cells(source_dir: Path, module: str) -> dict[str, dict[str, str]]:
    """Notebook name to grade id to reflection id, for each manually graded cell that shows a reflection."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted((source_dir / module).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            rid = cell.metadata.get("affirming_care", {}).get("reflection")
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if isinstance(rid, str) and isinstance(grade_id, str):
                out.setdefault(path.stem, {})[grade_id] = rid
    return out


def course_banks(source_dir: Path) -> dict[str, Bank] | None:
    """The bank beside ``source/`` (``COURSE/posttest/``), or None if the course has none."""
    folder = source_dir.parent / "posttest"
    if not folder.is_dir():
        return None
    try:
        return load_banks(folder)
    except ContentError as exc:
        raise GradingError(f"The course's post-test bank cannot be read:\n{exc}") from None


def module_keys(source_dir: Path, module: str) -> dict[str, dict[str, Key]]:
    """Every key of ``module``: notebook name (without .ipynb) to grade id to key."""
    folder = source_dir / module
    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        raise GradingError(f"No source notebook for {module} in {folder}: the answer keys live there.")
    banks = course_banks(source_dir)
    keys = {p.stem: notebook_keys(p, banks) for p in notebooks}
    for nb_keys in keys.values():
        for key in nb_keys.values():
            if key.module != module:
                raise GradingError(
                    f"{folder / (key.notebook + '.ipynb')}, cell {key.grade_id}: the key names module "
                    f"{key.module!r}, expected {module!r}."
                )
    return keys


def question_ids(keys: dict[str, dict[str, Key]]) -> set[str]:
    """The practice-style question ids the keys grade (fixed keys)."""
    return {k.question_id for nb in keys.values() for k in nb.values() if isinstance(k, AnswerKey)}


def slot_ids(keys: dict[str, dict[str, Key]]) -> set[str]:
    """The post-test slot ids the keys grade."""
    return {k.slot.id for nb in keys.values() for k in nb.values() if isinstance(k, PostTestKey)}
