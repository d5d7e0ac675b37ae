"""``affirming_care cohort ...``: what a facilitator (or a self-paced learner) runs beside the grading.

    cohort dashboard      charts of scores and of the options learners chose first, for the next session
    cohort certificates   one PDF certificate per learner who passed, from the gradebook
    cohort progress       a learner's own progress, from the answer files in a folder
    cohort link           nbgitpuller links that bring the course into each learner's JupyterHub

The work is done in ``dashboard``, ``certificates`` and ``progress``; this module reads arguments
and prints results.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode, urlparse

from rich.console import Console
from rich.table import Table

from affirming_care.grading.certificates import DEFAULT_ISSUER
from affirming_care.grading.sanitise import rich_text as esc

console = Console()
errors = Console(stderr=True)

DEFAULT_REPO_NAME = "affirming-care"


# nbgitpuller links ------------------------------------------------------------------------------------


def nbgitpuller_link(
    hub: str,
    repo: str,
    *,
    branch: str = "main",
    path: str = "notebooks/m00-welcome.ipynb",
    targetpath: str | None = None,
    app: Literal["lab", "notebook"] = "lab",
) -> str:
    """A link that makes JupyterHub pull ``repo`` into the learner's home and open ``path`` in it.

    nbgitpuller clones the repository the first time, and afterwards merges new commits without
    overwriting what the learner changed (their answer files are never in the repository).
    """
    parsed = urlparse(hub)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"--hub must be the hub's address, like https://hub.example.org; got {hub!r}")
    if not repo:
        raise ValueError("--repo must be the course repository's git URL")
    target = targetpath or repo.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or DEFAULT_REPO_NAME
    path = path.lstrip("/")
    urlpath = f"lab/tree/{target}/{path}" if app == "lab" else f"tree/{target}/{path}"
    query = urlencode({"repo": repo, "branch": branch, "targetpath": target, "urlpath": urlpath})
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


# Commands ---------------------------------------------------------------------------------------------


def _course_root(arg: Path | None) -> Path:
    from affirming_care.grading.course import course_root

    return course_root(arg)


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Draw the cohort dashboard from the gradebook and the collected answer files."""
    from affirming_care.grading.dashboard import build_dashboard

    root = _course_root(args.course)
    dash = build_dashboard(root, out=args.out, min_cohort=args.min_cohort, modules=args.modules)
    if dash.suppressed:
        console.print(f"[bold]Charts suppressed.[/bold] {esc(dash.suppressed)}", highlight=False)
    else:
        table = Table(title=f"Cohort dashboard: {dash.cohort} learners", title_justify="left")
        for col in ("Module", "Answer files", "Submissions", "Graded", "Charts", "Not shown (too few)"):
            table.add_column(col, overflow="fold")
        for m in dash.modules:
            charts = sum(1 for s in m.scores if s.chart) + sum(1 for i in m.items if i.chart)
            hidden = sum(1 for s in m.scores if s.suppressed) + sum(1 for i in m.items if i.suppressed)
            table.add_row(
                esc(m.label), str(m.stores), str(m.submissions), str(m.graded), str(charts), str(hidden)
            )
        console.print(table)
        if dash.misconceptions:
            console.print("[bold]To take up in the next session[/bold] (most chosen first):")
            for mis in dash.misconceptions[:5]:
                console.print(
                    esc(
                        f"  {round(100 * mis.share)}% chose {mis.letter} ({mis.verdict}) in {mis.module}: "
                        f"{mis.item_title[:90]}"
                    ),
                    highlight=False,
                )
    for note in dash.notes:
        console.print(esc(note), highlight=False)
    console.print(f"{len(dash.charts)} charts. Open {esc(dash.html)} in a browser.", highlight=False)
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-12-01, got {text!r}") from None


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage like 75, got {text!r}") from None
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError("the pass mark is a percentage between 0 and 100")
    return value / 100


def cmd_certificates(args: argparse.Namespace) -> int:
    """Write a PDF certificate for every learner who passed, and list who has not yet."""
    from affirming_care.grading.certificates import cohort_certificates

    root = _course_root(args.course)
    result = cohort_certificates(
        root,
        out=args.out,
        issuer=args.issuer,
        on=args.date,
        pass_mark=args.pass_mark,
        partial=args.partial,
        font=args.font,
    )
    rule = "at least one module" if args.partial else f"all {len(result.modules)} released modules"
    console.print(
        f"{len(result.written)} certificates written to {esc(result.out)} (passed {rule} at "
        f"{round(100 * result.pass_mark)}%). The list is in {esc(result.manifest)}.",
        highlight=False,
    )
    signed = [p for _, p in result.written if p.with_suffix(".credential.jwt").exists()]
    if signed:
        console.print(
            f"{len(signed)} signed credentials (Open Badges 3.0, .credential.jwt) written beside them.",
            highlight=False,
        )
    if result.not_yet:
        table = Table(title="No certificate yet", title_justify="left")
        table.add_column("Learner", overflow="fold")
        table.add_column("Why", overflow="fold")
        for item in result.not_yet:
            table.add_row(esc(item.learner_id), esc(item.reason))
        console.print(table)
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    """Show a learner's progress from the answer files in a folder."""
    from affirming_care.progress import read_progress, status_words, summary_sentence

    folder = args.answers or Path(os.environ.get("AFFIRMING_CARE_ANSWERS", "."))
    if not folder.is_dir():
        errors.print(f"[bold red]Error:[/bold red] {esc(folder)} is not a folder.", highlight=False)
        return 1
    p = read_progress(folder)
    if args.json:
        print(json.dumps(p.to_json(), indent=1, ensure_ascii=False))
        return 0
    for problem in p.problems:
        errors.print(problem, markup=False, highlight=False)
    if p.empty:
        console.print(f"No answers saved in {esc(folder.resolve())} yet: no module started.", highlight=False)
    table = Table(title=esc(summary_sentence(p)), title_justify="left")
    for col in ("Module", "Status", "Cases", "Checks right first time", "Reflection", "Minutes"):
        table.add_column(col, overflow="fold")
    for m in p.modules:
        reflection = f"{m.reflection_words} words" if m.reflection_written else "—"
        if m.self_assessment is not None:
            reflection += f", self-assessed {m.self_assessment}/{m.self_assessment_max}"
        table.add_row(
            esc(m.label),
            esc(status_words(m)),
            f"{m.cases_done}/{m.cases_total}",
            f"{m.checks_right_first}/{m.checks_total}",
            reflection,
            str(m.minutes),
        )
    console.print(table)
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    """Print nbgitpuller links: one for the welcome notebook, or one per module with --all."""
    paths = [args.path]
    if args.all:
        from affirming_care.loader import load_course

        course = load_course()
        paths = [f"notebooks/{m.meta.notebook}.ipynb" for _, m in sorted(course.modules.items())]
        paths.append("notebooks/my-progress.ipynb")
    for path in paths:
        try:
            link = nbgitpuller_link(
                args.hub, args.repo, branch=args.branch, path=path, targetpath=args.targetpath, app=args.app
            )
        except ValueError as exc:
            errors.print(f"[bold red]Error:[/bold red] {esc(exc)}", highlight=False)
            return 1
        print(f"{path}\t{link}" if args.all else link)
    return 0


def guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Known problems become a plain message and exit status 1, never a traceback.

    A command on a course folder runs as the ``grade`` steps do: what it writes is the
    instructor's alone, whatever the umask.
    """
    from affirming_care.grading.certificates import CertificateError
    from affirming_care.grading.course import GradingError
    from affirming_care.grading.dashboard import DashboardError
    from affirming_care.loader import ContentError

    def run(args: argparse.Namespace) -> int:
        from affirming_care.grading.course import private_course
        from affirming_care.grading.gradebook import ensure_tools_on_path

        ensure_tools_on_path()
        try:
            if not hasattr(args, "course"):
                return func(args)
            with private_course(args.course):  # charts and certificates: 0600 files in 0700 folders
                return func(args)
        except (GradingError, DashboardError, CertificateError) as exc:
            errors.print(f"[bold red]Error:[/bold red] {esc(exc)}", highlight=False)
            return 1
        except ContentError as exc:
            for problem in exc.problems:
                errors.print(str(problem), markup=False, highlight=False)
            errors.print("The course content has problems; run `affirming_care check`.")
            return 1

    run.__doc__ = func.__doc__
    return run


def register(subparsers: Any) -> None:
    """Add ``cohort`` and its commands to the ``affirming_care`` command."""
    cohort = subparsers.add_parser(
        "cohort",
        help="facilitate a cohort: dashboard, certificates, progress, JupyterHub links",
        description=__doc__.split("\n\n")[0],
    )
    cmds = cohort.add_subparsers(dest="cohort_command", required=True, metavar="COMMAND")
    course = argparse.ArgumentParser(add_help=False)
    course.add_argument(
        "--course",
        type=Path,
        default=None,
        metavar="DIR",
        help="the course folder, outside the repository (default: $AFFIRMING_CARE_COURSE)",
    )

    def cmd(name: str, func: Callable[[argparse.Namespace], int], help: str, parents: list) -> Any:
        p = cmds.add_parser(name, parents=parents, help=help, description=func.__doc__)
        p.set_defaults(func=guarded(func))
        return p

    p = cmd("dashboard", cmd_dashboard, "charts of scores and first answers for the next session", [course])
    p.add_argument("--out", type=Path, help="folder for the report (default: the course folder's dashboard/)")
    p.add_argument(
        "--min-cohort",
        type=int,
        default=5,
        metavar="N",
        help="draw a chart only when at least N learners are in it (default 5)",
    )
    p.add_argument("--modules", nargs="+", metavar="MODULE", help="only these modules (default: all found)")

    p = cmd("certificates", cmd_certificates, "a PDF certificate for every learner who passed", [course])
    p.add_argument(
        "--out", type=Path, help="folder for the PDFs (default: the course folder's certificates/)"
    )
    p.add_argument(
        "--issuer",
        default=DEFAULT_ISSUER,
        help="who issues the certificates, for example your organisation's name",
    )
    p.add_argument("--date", type=_date, default=None, help="date on the certificates (default: today)")
    p.add_argument(
        "--pass-mark", type=_percent, metavar="PERCENT", help="override the course's pass mark (default 75)"
    )
    p.add_argument(
        "--partial",
        action="store_true",
        help="also certify learners who passed some modules, listing those (default: all modules)",
    )
    p.add_argument("--font", type=Path, help="a TrueType font for names DejaVu Serif cannot draw")

    p = cmd("progress", cmd_progress, "a learner's progress from their answer files", [])
    p.add_argument(
        "--answers",
        type=Path,
        help="folder with the mNN-answers.json files (default: $AFFIRMING_CARE_ANSWERS or .)",
    )
    p.add_argument("--json", action="store_true", help="print the progress as JSON")

    p = cmd("link", cmd_link, "nbgitpuller links that bring the course to each learner", [])
    p.add_argument("--hub", required=True, help="the JupyterHub's address, like https://hub.example.org")
    p.add_argument("--repo", required=True, help="the course repository's git URL")
    p.add_argument("--branch", default="main")
    p.add_argument(
        "--path", default="notebooks/m00-welcome.ipynb", help="what to open, inside the repository"
    )
    p.add_argument(
        "--targetpath", help="the folder name in each learner's home (default: the repository's name)"
    )
    p.add_argument("--app", choices=["lab", "notebook"], default="lab")
    p.add_argument("--all", action="store_true", help="one link per module notebook, and My progress")

    from affirming_care.grading.credentials import register as register_credentials

    register_credentials(subparsers)  # `affirming_care credentials ...` (issue 14)


if __name__ == "__main__":  # pragma: no cover
    from affirming_care.cli import main

    sys.exit(main(["cohort", *sys.argv[1:]]))
