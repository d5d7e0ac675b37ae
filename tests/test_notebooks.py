"""Notebooks are stored clean, and read as a learner needs: instructions, never code to edit."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from affirming_care.loader import load_course

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("m*.ipynb"))
SOURCES = sorted((REPO / "assignments" / "source").glob("*/*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS + SOURCES, ids=lambda p: p.name)
def test_stored_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)

    code = [c for c in nb.cells if c.cell_type == "code"]

    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_cells_open_with_a_plain_instruction(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)

    for cell in (c for c in nb.cells if c.cell_type == "code"):
        assert cell.source.startswith("# "), f"{path.name}: a code cell should start with an instruction"
        assert "remove-input" in cell.metadata.get("tags", []), f"{path.name}: the book should hide the code"


def test_every_module_has_a_notebook_showing_all_its_content() -> None:
    course = load_course()

    for mid, mod in course.modules.items():
        path = REPO / "notebooks" / f"{mod.meta.notebook}.ipynb"
        assert path.exists(), f"{mid}: no notebook {path.name}"
        source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        for vid in mod.vignettes:
            assert f'show("{vid}")' in source, f"{path.name} does not show {vid}"
        for q in mod.questions:
            assert f'show("{q.id}")' in source, f"{path.name} does not show {q.id}"
        assert mod.reflection is not None and f'show("{mod.reflection.id}")' in source
        # Each cell runs alone: no cell needs a `module` made by another cell.
        assert "module." not in source, f"{path.name}: a cell uses `module` from another cell"
        assert "## What you will be able to do" in source and "## Key takeaways" in source


def test_the_committed_assignments_match_the_content() -> None:
    from affirming_care.cli import main

    assert main(["assignments", "--check"]) == 0
