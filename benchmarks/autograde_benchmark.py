"""How long autograding a cohort takes: our command against nbgrader's serial, executing autograde.

Run from the repository:

    .venv/bin/python benchmarks/autograde_benchmark.py [--learners 40] [--floor]

It builds a rehearsal cohort (``affirming_care grade rehearse``) for one module in a temporary
folder, then times, each on its own copy of the same cohort, in one run:

* ``affirming_care grade autograde MODULE``: graded from the answer files, nothing run;
* ``nbgrader autograde MODULE``, nbgrader's own command with its ``Execute`` step (the course's
  config no longer runs notebooks, so this copy's config puts it back), one submission after another;
* with ``--floor``: ``nbgrader autograde`` of the same number of submissions of an empty notebook.

It reports seconds per submission for each, the ratio (the target is at most 0.2), and whether
every honest submission got identical scores (auto scores, needs-manual-grade flags, lateness)
both ways. It exits 1 if the ratio is above the target or any honest score differs.

It uses the real course's module (m02 first) when ``assignments/source`` has it, else the mini
course from ``tests/fixtures``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_notebook

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MINI = REPO / "tests" / "fixtures" / "mini-course"


def material(tmp: Path, source: Path | None, content: Path | None) -> tuple[Path, str, dict[str, str]]:
    """(source folder, module, environment): as given, else the real course if built, else the mini course."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", COLUMNS="200")
    env.pop("AFFIRMING_CARE_COURSE", None)
    from affirming_care.grading.course import SOURCE, source_modules

    if source is not None:
        if content is not None:
            env["AFFIRMING_CARE_CONTENT"] = str(content.resolve())
        modules = source_modules(source)
        return source.resolve(), "m02" if "m02" in modules else modules[0], env

    real = source_modules(SOURCE)
    if real and "AFFIRMING_CARE_CONTENT" not in os.environ:
        module = "m02" if "m02" in real else real[0]
        return SOURCE, module, env
    from affirming_care.assignments import write_assignments
    from affirming_care.loader import load_course

    shutil.copytree(MINI, tmp / "mini-course")
    content = tmp / "mini-course" / "content"
    source = tmp / "source"
    write_assignments(load_course(content), tmp / "mini-course" / "notebooks", source)
    env["AFFIRMING_CARE_CONTENT"] = str(content)
    return source, "m02", env


def run(cmd: list[str | Path], env: dict[str, str], cwd: Path | None = None, check: bool = True) -> float:
    start = time.perf_counter()
    result = subprocess.run(list(map(str, cmd)), env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if check and result.returncode != 0:
        sys.exit(f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds


HONEST_KINDS = {
    "complete",
    "partial",
    "no_answer_file",
    "damaged_answer_file",
    "locked_cell_edited",
    "late",
    "stray_file",
}
"""Rehearsal kinds an honest or careless learner hands in; the hostile kinds are graded differently on purpose."""

TARGET = 0.2


def executing(root: Path) -> Path:
    """Give ``root``'s nbgrader config back nbgrader's executing autograde (for the comparison only)."""
    from affirming_care.grading.answers_grader import EXECUTING

    with (root / "nbgrader_config.py").open("a") as fh:
        fh.write(f"\nc.Autograde.autograde_preprocessors = {EXECUTING!r}\n")
    return root


def honest_learners(root: Path, module: str) -> set[str]:
    import json

    plan = json.loads((root / "rehearsal.json").read_text())["submissions"]
    return {p["learner"] for p in plan if p["module"] == module and p["kind"] in HONEST_KINDS}


def scores(root: Path, learners: set[str] | None = None) -> dict[tuple[str, str], Any]:
    from affirming_care.grading.gradebook import gradebook

    out: dict[tuple[str, str], Any] = {}
    with gradebook(root) as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                if learners is not None and sub.student.id not in learners:
                    continue
                out[(sub.student.id, "late seconds")] = sub.total_seconds_late
                for nb in sub.notebooks:
                    for g in nb.grades:
                        out[(sub.student.id, g.name)] = (g.auto_score, g.needs_manual_grade)
    return out


def graded_count(root: Path, module: str) -> int:
    return sum(1 for p in (root / "submitted").glob(f"*/{module}/{module}.ipynb"))


def empty_cohort(root: Path, like: Path, module: str, env: dict[str, str]) -> Path:
    """A course folder like ``like`` whose module is an empty notebook, submitted by the same learners."""
    shutil.copytree(
        like, root, ignore=shutil.ignore_patterns("autograded", "feedback", "gradebook.db*", "exchange")
    )
    nb = new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(nb, root / "source" / module / f"{module}.ipynb")
    run([BIN / "nbgrader", "generate_assignment", module, "--force"], env, cwd=root)
    for folder in (root / "submitted").glob(f"*/{module}"):
        for child in folder.iterdir():
            if child.suffix == ".ipynb":
                child.unlink()
        nbformat.write(nb, folder / f"{module}.ipynb")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--floor", action="store_true", help="also time nbgrader on an empty notebook")
    parser.add_argument("--keep", type=Path, help="keep the course folders here, not in a temporary folder")
    parser.add_argument("--source", type=Path, help="source assignments to use (default: the course's)")
    parser.add_argument("--content", type=Path, help="the content those assignments were built from")
    args = parser.parse_args()

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="autograde-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    source, module, env = material(tmp, args.source, args.content)
    if "AFFIRMING_CARE_CONTENT" in env:
        os.environ["AFFIRMING_CARE_CONTENT"] = env["AFFIRMING_CARE_CONTENT"]
    cohort = tmp / "cohort"
    ag = BIN / "affirming_care"
    setup = run(
        [ag, "grade", "rehearse", "--course", cohort, "--learners", args.learners, "--modules", module,
         "--source", source],
        env,
    )  # fmt: skip
    setup += run([ag, "grade", "collect", module, "--course", cohort], env)
    n = graded_count(cohort, module)
    print(
        f"Module {module}, {args.learners} learners, {n} submissions with a notebook ({os.cpu_count()} cores)."
    )
    print(f"Setting up the rehearsal cohort took {setup:.1f} s.\n")

    ours = tmp / "ours"
    shutil.copytree(cohort, ours)
    ours_s = run([ag, "grade", "autograde", module, "--course", ours], env)
    serial = tmp / "nbgrader-serial"
    shutil.copytree(cohort, serial)
    executing(serial)
    results: list[tuple[str, float, int]] = [("affirming_care grade autograde (nothing run)", ours_s, n)]
    # nbgrader exits 1 when any submission fails (the rehearsal's missing notebook); it grades the rest.
    serial_s = run([BIN / "nbgrader", "autograde", module], env, cwd=serial, check=False)
    results.append(("nbgrader autograde (serial, executing)", serial_s, n))

    if args.floor:
        empty = empty_cohort(tmp / "empty", cohort, module, env)
        executing(empty)
        seconds = run([BIN / "nbgrader", "autograde", module], env, cwd=empty, check=False)
        results.append(
            ("floor: nbgrader autograde of an empty notebook", seconds, graded_count(empty, module))
        )

    width = max(len(r[0]) for r in results)
    print(f"{'run':{width}}  {'wall s':>7}  {'s/submission':>12}")
    for name, seconds, count in results:
        print(f"{name:{width}}  {seconds:7.1f}  {seconds / count:12.2f}")
    ratio = ours_s / serial_s
    print(f"\nRatio, ours / nbgrader serial: {ratio:.3f} (target: at most {TARGET}).")

    honest = honest_learners(cohort, module)
    reference, mine = scores(serial, honest), scores(ours, honest)
    differ = sorted(k for k in reference.keys() | mine.keys() if reference.get(k) != mine.get(k))
    print(
        f"Scores identical on every honest submission: {'yes' if not differ else 'NO'} "
        f"({len(honest)} honest learners, {len(reference)} values compared)."
    )
    for key in differ[:20]:
        print(f"  {key}: nbgrader {reference.get(key)}, ours {mine.get(key)}")
    print(f"Folders: {tmp}")
    if differ or ratio > TARGET:
        sys.exit(1)


if __name__ == "__main__":
    main()
