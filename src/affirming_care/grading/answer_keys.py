"""The answer keys of a module, read from the instructor's own source notebook, never from a hand-in.

Each autograded cell of ``source/MODULE/NOTEBOOK.ipynb`` holds one hidden-test line such as
``expect_answer('m02', 'm02-q-first-response', ['c'])``. The line is parsed with ``ast`` and
its arguments must be literals: nothing in the cell is executed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import nbformat

from affirming_care.grading.course import GradingError

ALLOWED_IMPORT = "affirming_care.grading"


@dataclass(frozen=True)
class AnswerKey:
    """The key of one autograded cell."""

    notebook: str
    grade_id: str
    module: str
    question_id: str
    expected: frozenset[str]
    points: float


def _where(path: Path, grade_id: str, node: ast.AST | None = None) -> str:
    line = f", line {node.lineno}" if node is not None and hasattr(node, "lineno") else ""
    return f"{path}, cell {grade_id}{line}"


def _is_expect_answer(call: ast.Call) -> bool:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name == "expect_answer"


def _key_call(tree: ast.Module, path: Path, grade_id: str) -> ast.Call:
    """The one ``expect_answer(...)`` statement of a cell; imports of the grading package may stand beside it."""
    calls = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == ALLOWED_IMPORT:
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and _is_expect_answer(stmt.value):
            calls.append(stmt.value)
            continue
        raise GradingError(
            f"{_where(path, grade_id, stmt)}: expected only expect_answer(MODULE, QUESTION, [LETTERS]) "
            f"in an autograded cell, found {ast.unparse(stmt)[:80]!r}."
        )
    if len(calls) != 1:
        raise GradingError(
            f"{_where(path, grade_id)}: expected one expect_answer(...) line, found {len(calls)}."
        )
    return calls[0]


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


def cell_key(source: str, notebook: str, grade_id: str, points: float, path: Path) -> AnswerKey:
    """The key in one autograded cell's source, parsed, never run."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise GradingError(
            f"{_where(path, grade_id)}, line {exc.lineno}: not valid Python ({exc.msg})."
        ) from None
    module, question, expected = _literal_args(_key_call(tree, path, grade_id), path, grade_id)
    return AnswerKey(notebook, grade_id, module, question, expected, points)


def notebook_keys(path: Path) -> dict[str, AnswerKey]:
    """The keys of one source notebook, by grade id of the autograded cell."""
    nb = nbformat.read(path, as_version=4)
    keys: dict[str, AnswerKey] = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        grade_id = str(meta.get("grade_id", ""))
        keys[grade_id] = cell_key(cell.source, path.stem, grade_id, float(meta.get("points", 0)), path)
    return keys


def module_keys(source_dir: Path, module: str) -> dict[str, dict[str, AnswerKey]]:
    """Every key of ``module``: notebook name (without .ipynb) to grade id to key."""
    folder = source_dir / module
    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        raise GradingError(f"No source notebook for {module} in {folder}: the answer keys live there.")
    keys = {p.stem: notebook_keys(p) for p in notebooks}
    for nb_keys in keys.values():
        for key in nb_keys.values():
            if key.module != module:
                raise GradingError(
                    f"{folder / (key.notebook + '.ipynb')}, cell {key.grade_id}: the key names module "
                    f"{key.module!r}, expected {module!r}."
                )
    return keys


def question_ids(keys: dict[str, dict[str, AnswerKey]]) -> set[str]:
    return {k.question_id for nb in keys.values() for k in nb.values()}
