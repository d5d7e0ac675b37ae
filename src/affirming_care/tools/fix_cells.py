"""Rewrite the notebooks' code cells so that each one works run alone.

    python -m affirming_care.tools.fix_cells notebooks/*.ipynb [--check]

A cell ``module.vignette("m02-kai-intake")`` (which needs a ``module`` made by another cell)
becomes ``from affirming_care import show`` and ``show("m02-kai-intake")``; ``module.check(...)``
likewise; ``module.reflection()`` names its reflection. The set-up cell ``module = Module("m02")``
becomes a comment (nothing needs setting up). Only code cells are touched, in place: markdown cells, cell ids, tags and
the order of cells stay as they are, so it is safe while others insert cells. Running it again
changes nothing. ``--check`` changes nothing and exits 1 if a notebook would change.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from affirming_care.loader import cached_course

CALL = re.compile(r'^module\.(vignette|check)\("([a-z0-9-]+)"\)\s*$')
REFLECTION = re.compile(r"^module\.reflection\(\)\s*$")
SETUP = re.compile(r'^module = Module\("(m\d\d)"\)\s*$')
IMPORT_MODULE = "from affirming_care import Module"
IMPORT_SHOW = "from affirming_care import show"


def _module_of(nb: nbformat.NotebookNode, path: Path) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                if m := SETUP.match(line.strip()):
                    return m.group(1)
    m = re.match(r"^(m\d\d)-", path.name)
    return m.group(1) if m else None


SETUP_TEXT = (
    "# The cases, checks and reflection below each run alone (Shift+Enter, in any order).\n"
    "# Your answers are saved beside this notebook, only on this computer."
)
SHOW = re.compile(r'^show\("([a-z0-9-]+)"\)\s*$')


def _show_cell(comments: list[str], item_id: str) -> str:
    return "\n".join([*comments, IMPORT_SHOW, "", f'show("{item_id}")'])


def fix_source(source: str, module_id: str | None) -> str:
    """The new source of one code cell (unchanged if it is not one of the course's cells)."""
    lines = source.splitlines()
    comments = [x for x in lines if x.startswith("#")]
    code = [x for x in lines if x.strip() and not x.startswith("#")]
    if code and code[0] == IMPORT_MODULE and len(code) == 2 and SETUP.match(code[1]):
        return SETUP_TEXT  # nothing to set up any more: every cell below runs alone
    if code == [IMPORT_SHOW] and "\n".join(comments) == SETUP_TEXT.replace("Shift+Enter,", "Shift+Enter"):
        return SETUP_TEXT  # an earlier version of this script's set-up cell
    if len(code) == 2 and code[0] == IMPORT_SHOW and (m := SHOW.match(code[1])):
        return _show_cell(comments, m.group(1))
    if len(code) != 1:
        return source
    if m := CALL.match(code[0]):
        return _show_cell(comments, m.group(2))
    if REFLECTION.match(code[0]) and module_id:
        reflection = cached_course().module(module_id).reflection
        if reflection is not None:
            return _show_cell(comments, reflection.id)
    return source


def fix_notebook(path: Path, check: bool = False) -> bool:
    """Rewrite the code cells of one notebook; True if anything changed (or would)."""
    nb = nbformat.read(path, as_version=4)
    module_id = _module_of(nb, path)
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        new = fix_source(cell.source, module_id)
        if new != cell.source:
            cell.source = new
            changed = True
    if changed and not check:
        nbformat.write(nb, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a notebook would change"
    )
    args = parser.parse_args(argv)
    changed = [p for p in args.notebooks if fix_notebook(p, check=args.check)]
    for p in changed:
        print(f"{'would change' if args.check else 'changed'}: {p}")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
