"""Downloads from the book: each module's notebook, and the whole course as one zip.

* A module page's notebook is written next to its HTML page (``notebooks/m02-....ipynb``), with
  every output and execution count cleared, as a valid nbformat 4 notebook.
* The whole course is ``_downloads/<name>.zip``: the files ``affirming_care_course_download``
  lists (in ``_config.yml``), under one top folder, notebooks cleared, dates fixed, so the same
  course gives the same zip. It holds what a learner needs to run the notebooks (the notebooks,
  the content, the course's Python package, the Makefile), never the nbgrader source assignments.
"""

from __future__ import annotations

import fnmatch
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

ZIP_DATE = (2026, 1, 1, 0, 0, 0)
NEVER_PACKED = ("__pycache__", ".ipynb_checkpoints", ".pytest_cache", "node_modules", ".git")
NEVER_PACKED_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class Download:
    """One file a page offers: its address from the book's root, and its size in bytes."""

    path: str
    size: int

    @property
    def size_text(self) -> str:
        if self.size < 1024 * 1024:
            return f"{max(1, round(self.size / 1024))} KB"
        return f"{self.size / (1024 * 1024):.1f} MB"


def cleared_notebook(source: Path) -> str:
    """The notebook at ``source`` with no outputs, execution counts or saved widget state."""
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def write_notebook(source: Path, outdir: Path, pagename: str) -> Download:
    """Write the cleared notebook of ``pagename`` beside its HTML page."""
    target = outdir / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(cleared_notebook(source), encoding="utf-8")
    return Download(f"{pagename}.ipynb", target.stat().st_size)


def _packed(path: Path, srcdir: Path) -> bool:
    parts = path.relative_to(srcdir).parts
    return (
        path.is_file()
        and not any(part in NEVER_PACKED for part in parts)
        and not path.name.endswith(NEVER_PACKED_SUFFIXES)
    )


def course_files(srcdir: Path, patterns: list[str]) -> list[Path]:
    """Every file under ``srcdir`` that one of ``patterns`` (globs from the root) names, sorted."""
    found: set[Path] = set()
    for pattern in patterns:
        found |= {p for p in srcdir.glob(pattern) if _packed(p, srcdir)}
    return sorted(found)


def write_course_zip(srcdir: Path, outdir: Path, settings: dict[str, Any]) -> Download | None:
    """Write the whole course as ``_downloads/<name>.zip``; None when nothing is configured or found."""
    patterns = [str(p) for p in settings.get("files") or []]
    name = str(settings.get("name") or "course")
    files = course_files(srcdir, patterns)
    if not any(fnmatch.fnmatch(p.name, "*.ipynb") for p in files):
        return None
    target = outdir / "_downloads" / f"{name}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            relative = path.relative_to(srcdir).as_posix()
            data = cleared_notebook(path).encode() if path.suffix == ".ipynb" else path.read_bytes()
            info = zipfile.ZipInfo(f"{name}/{relative}", date_time=ZIP_DATE)
            info.external_attr = (0o755 if path.stat().st_mode & 0o111 else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return Download(f"_downloads/{name}.zip", target.stat().st_size)
