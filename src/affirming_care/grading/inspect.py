"""What is in one learner's submitted folder, and how its notebook differs from the released one (nothing of it is run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from affirming_care.store import store_filename

EXCHANGE_FILES = {"timestamp.txt", "submission_secret.txt"}
"""Files nbgrader itself puts in a submission; everything else a learner sends is reported."""


@dataclass
class Inspection:
    """What is in one learner's submitted folder, before nbgrader sees it."""

    problems: list[str] = field(default_factory=list)
    """Reasons it cannot be graded at all."""
    notes: list[str] = field(default_factory=list)
    """Things an instructor should know; grading goes on."""
    tampering: list[str] = field(default_factory=list)
    """Cells added, removed, or edited in locked places (also among the notes)."""
    released: list[str] = field(default_factory=list)
    """The released notebooks' names."""


def released_notebooks(root: Path, module: str) -> dict[str, Any]:
    """The notebooks of ``module`` as released to learners, by file name."""
    release_dir = root / "release" / module
    return {p.name: nbformat.read(p, as_version=4) for p in sorted(release_dir.glob("*.ipynb"))}


NBGRADER_SETTINGS = ("grade", "solution", "locked", "task", "points")
"""The parts of a cell's nbgrader metadata a learner can change to try to alter its grading."""


def _cell_id(cell: Any) -> str | None:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return str(grade_id) if grade_id else None


def _changes(ref: Any, cell: Any, grade_id: str) -> list[str]:
    """What a learner changed in one released cell that they had no reason to change."""
    out = []
    ref_meta, meta = ref.metadata.get("nbgrader", {}), cell.metadata.get("nbgrader", {})
    if cell.cell_type != ref.cell_type:
        out.append(f"changed cell {grade_id} from {ref.cell_type} to {cell.cell_type}")
    if ref_meta.get("locked") and cell.source.strip() != ref.source.strip():
        out.append(f"edited locked cell {grade_id}")
    changed = [k for k in NBGRADER_SETTINGS if ref_meta.get(k) != meta.get(k)]
    if changed:
        out.append(f"changed the grading settings ({', '.join(changed)}) of cell {grade_id}")
    return out


def tampering(release_nb: Any, nb: Any) -> list[str]:
    """Cells the learner added, removed, or edited in locked places, named by kind and cell.

    Every released cell carries an nbgrader id; a submitted cell without a released id (or with
    one seen already) was added, and is named by the released cell it follows.
    """
    released = {gid: c for c in release_nb.cells if (gid := _cell_id(c))}
    seen: set[str] = set()
    after = "the start of the notebook"
    notes: list[str] = []
    for cell in nb.cells:
        gid = _cell_id(cell)
        if gid in released and gid not in seen:
            seen.add(gid)
            notes.extend(_changes(released[gid], cell, gid))
            after = gid
        elif gid in released:
            notes.append(f"added a copy of cell {gid} after {after}")
        else:
            notes.append(f"added {cell.cell_type} cell after {after}")
    notes.extend(f"removed cell {gid}" for gid in released if gid not in seen)
    return notes


def changed_locked_cells(release_nb: Any, nb: Any) -> list[str]:
    """The grade ids of locked cells whose source the learner changed."""
    prefix = "edited locked cell "
    return [n.removeprefix(prefix) for n in tampering(release_nb, nb) if n.startswith(prefix)]


def _check_notebook(out: Inspection, folder: Path, name: str, release_nb: Any, present: list[str]) -> None:
    path = folder / name
    if not path.exists():
        others = ", ".join(f for f in present if f not in EXCHANGE_FILES) or "nothing"
        out.problems.append(f"no notebook {name} in the submission (it has: {others})")
        return
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a damaged file
        out.problems.append(f"{name} is not a readable notebook ({str(exc).splitlines()[0][:120]})")
        return
    found = tampering(release_nb, nb)
    out.tampering.extend(found)
    out.notes.extend(f"{name}: {note}" if len(out.released) > 1 else note for note in found)


def inspect_submission(
    root: Path, module: str, learner: str, released: dict[str, Any] | None = None
) -> Inspection:
    """Problems that stop grading (a missing or unreadable notebook) and notes for the instructor.

    The answer file is not read here: ``answers_grader.read_submission_answers`` reads it once,
    for the grade and its notes together.
    """
    folder = root / "submitted" / learner / module
    released = released_notebooks(root, module) if released is None else released
    out = Inspection(released=sorted(released))
    present = sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    )
    answers = store_filename(module)
    for name, release_nb in released.items():
        _check_notebook(out, folder, name, release_nb, present)
    extra = [f for f in present if f not in released and f != answers and f not in EXCHANGE_FILES]
    if extra:
        out.notes.append(f"extra file{'s' if len(extra) > 1 else ''} not graded: {', '.join(extra)}")
    return out
