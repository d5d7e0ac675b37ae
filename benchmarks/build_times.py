"""How long the book takes to build: cold, and again with nothing changed.

Reports figures; passes or fails nothing. Run from the repository:

    .venv/bin/python benchmarks/build_times.py [--out /tmp/book-build] [--json results.json]

A cold build starts from an empty output folder, so every notebook is executed (the execution
cache lives in the output folder). The rebuild runs the same command again on the same folder:
Sphinx reads nothing that changed and jupyter-cache executes nothing. Both use the command the
tests use: ``jupyter-book build . -W -n --keep-going``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from affirming_care.testing import build_book

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def build(out: Path, answers: Path) -> tuple[float, int, str]:
    """One build into ``out``: (seconds, exit code, the end of its output)."""
    start = time.perf_counter()
    result = build_book(out, answers)
    return time.perf_counter() - start, result.returncode, (result.stdout + result.stderr)[-2000:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, help="build here (default: a new temporary folder, removed after)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="book-build-"))
    out = args.out or tmp / "book"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    answers = tmp / "answers"
    answers.mkdir()
    try:
        cold, code, tail = build(out, answers)
        if code != 0:
            print(f"The cold build failed (exit {code}):\n{tail}", file=sys.stderr)
            return 1
        again, code, tail = build(out, answers)
        if code != 0:
            print(f"The rebuild failed (exit {code}):\n{tail}", file=sys.stderr)
            return 1
        html = out / "_build" / "html"
        pages = sum(1 for _ in html.rglob("*.html"))
        notebooks = sum(1 for _ in (REPO / "notebooks").glob("*.ipynb"))
        figures = {
            "cold_build_seconds": round(cold, 1),
            "no_change_rebuild_seconds": round(again, 1),
            "pages": pages,
            "notebooks_in_repository": notebooks,
            "cores": os.cpu_count(),
        }
        print(f"Book build ({pages} pages; {os.cpu_count()} cores)")
        print(f"  cold build (every notebook executed): {cold:7.1f} s")
        print(f"  rebuild with nothing changed:         {again:7.1f} s")
        if args.json:
            args.json.write_text(json.dumps(figures, indent=1) + "\n")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
