"""How long autograding a cohort takes: our command against nbgrader's serial autograde, and the floor.

Reports figures; passes or fails nothing. Run from the repository:

    .venv/bin/python benchmarks/autograde_benchmark.py [--learners 40] [--jobs 1 2 3]

It builds a rehearsal cohort (``affirming_care grade rehearse``) for one module in a temporary
folder, then times, each on its own copy of the same cohort:

* ``affirming_care grade autograde MODULE --jobs N`` for each N asked for;
* ``nbgrader autograde MODULE``, nbgrader's own command, one submission after another;
* the floor: ``nbgrader autograde`` of the same number of submissions of an empty notebook,
  which is what nbgrader costs per submission before any of the course's cells run.

It uses the real course's module (m02 first) when ``assignments/source`` has it, else the mini
course from ``tests/fixtures``. It also checks that every run gave the same scores.
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


def scores(root: Path) -> dict[tuple[str, str], tuple[float | None, bool]]:
    from affirming_care.grading.gradebook import gradebook

    out = {}
    with gradebook(root) as gb:
        for a in gb.assignments:
            for sub in a.submissions:
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
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2, 3])
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

    results: list[tuple[str, float, int]] = []
    runs: dict[str, Path] = {}
    for jobs in args.jobs:
        root = tmp / f"ours-{jobs}"
        shutil.copytree(cohort, root)
        seconds = run([ag, "grade", "autograde", module, "--course", root, "--jobs", jobs], env)
        results.append((f"affirming_care grade autograde --jobs {jobs}", seconds, n))
        runs[f"ours-{jobs}"] = root

    root = tmp / "nbgrader-serial"
    shutil.copytree(cohort, root)
    # nbgrader exits 1 when any submission fails (the rehearsal's missing notebook); it grades the rest.
    seconds = run([BIN / "nbgrader", "autograde", module], env, cwd=root, check=False)
    results.append(("nbgrader autograde (serial)", seconds, n))
    runs["nbgrader-serial"] = root

    empty = empty_cohort(tmp / "empty", cohort, module, env)
    floor_n = graded_count(empty, module)
    for name, jobs in (("serial", 0), ("ours", max(args.jobs))):
        root = tmp / f"empty-{name}"
        shutil.copytree(empty, root)
        if jobs:
            cmd = [ag, "grade", "autograde", module, "--course", root, "--jobs", jobs]
            seconds = run(cmd, env)
            results.append((f"floor: our command on an empty notebook (--jobs {jobs})", seconds, floor_n))
        else:
            seconds = run([BIN / "nbgrader", "autograde", module], env, cwd=root, check=False)
            results.append(("floor: nbgrader autograde of an empty notebook (serial)", seconds, floor_n))

    width = max(len(r[0]) for r in results)
    print(f"{'run':{width}}  {'wall s':>7}  {'s/submission':>12}")
    for name, seconds, count in results:
        print(f"{name:{width}}  {seconds:7.1f}  {seconds / count:12.2f}")

    reference = scores(runs["nbgrader-serial"])
    same = all(scores(path) == reference for key, path in runs.items() if key != "nbgrader-serial")
    print(
        f"\nScores identical across all runs: {'yes' if same else 'NO'} ({len(reference)} grade cells compared)."
    )
    print(f"Folders: {tmp}")


if __name__ == "__main__":
    main()
