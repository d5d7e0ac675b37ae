"""What is in one learner's submitted folder, before nbgrader sees it (nothing of it is run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from affirming_care.store import DamagedStore, read_answer_file, store_filename

EXCHANGE_FILES = {"timestamp.txt", "submission_secret.txt"}
"""Files nbgrader itself puts in a submission; everything else a learner sends is reported."""


@dataclass
class Inspection:
    """What is in one learner's submitted folder, before nbgrader sees it."""

    problems: list[str] = field(default_factory=list)
    """Reasons it cannot be graded at all."""
    notes: list[str] = field(default_factory=list)
    """Things an instructor should know; grading goes on."""


def released_notebooks(root: Path, module: str) -> dict[str, Any]:
    """The notebooks of ``module`` as released to learners, by file name."""
    release_dir = root / "release" / module
    return {p.name: nbformat.read(p, as_version=4) for p in sorted(release_dir.glob("*.ipynb"))}


def changed_locked_cells(release_nb: Any, nb: Any) -> list[str]:
    """The grade ids of locked cells whose source the learner changed."""
    locked = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in release_nb.cells
        if c.metadata.get("nbgrader", {}).get("locked")
    }
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") in locked
        and c.source.strip() != locked[c.metadata["nbgrader"]["grade_id"]].strip()
    ]


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
    changed = changed_locked_cells(release_nb, nb)
    if changed:
        out.notes.append(f"changed a locked cell ({', '.join(changed)}); nbgrader restores it before grading")


def _check_answer_file(out: Inspection, folder: Path, answers: str) -> None:
    try:
        if read_answer_file(folder / answers) is None:
            out.notes.append(f"no answer file {answers}: every check scores 0")
    except DamagedStore as exc:
        out.notes.append(f"damaged answer file {answers} ({exc.reason}): every check scores 0")


def inspect_submission(
    root: Path, module: str, learner: str, released: dict[str, Any] | None = None
) -> Inspection:
    """Problems that stop grading (a missing or unreadable notebook) and notes for the instructor."""
    folder = root / "submitted" / learner / module
    released = released_notebooks(root, module) if released is None else released
    out = Inspection()
    present = sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    )
    answers = store_filename(module)
    for name, release_nb in released.items():
        _check_notebook(out, folder, name, release_nb, present)
    _check_answer_file(out, folder, answers)
    extra = [f for f in present if f not in released and f != answers and f not in EXCHANGE_FILES]
    if extra:
        out.notes.append(f"extra file{'s' if len(extra) > 1 else ''} not graded: {', '.join(extra)}")
    return out
