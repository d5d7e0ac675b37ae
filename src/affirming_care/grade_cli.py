"""``affirming_care grade ...``: one command per grading step, each ending with a summary table.

    grade init        set up a course folder outside the repository; import a roster CSV
    grade roster      import (or update) the roster
    grade release     make a module's learner version; set its due date; put it in the exchange
    grade collect     collect submissions from the nbgrader exchange (shared server or JupyterHub)
    grade zip-collect collect submissions from an LMS bulk-download zip
    grade autograde   grade every click-answered check from its answer file (runs nothing)
    grade status      who submitted, scores, reflections waiting, what could not be graded
    grade formgrader  open JupyterLab in the course folder to grade reflections by hand
    grade feedback    one HTML page per learner: scores, comments, rubric (never the key)
    grade export      nbgrader CSV, Canvas and Moodle gradebooks, completion report
    grade rehearse    a synthetic cohort to practise on
    grade rubric      the anchored rubric pages graders read beside the formgrader
    grade calibrate   a calibration round: setup, then report how graders agree
    grade item-analysis  difficulty, discrimination and option counts of post-test items

The work is done in ``affirming_care.grading`` (one module per step); this module only
reads arguments and shows results.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from affirming_care.grading.autograde import EXECUTE_WARNING, autograde, check_jobs, default_jobs
from affirming_care.grading.collect import CollectResult, collect, summary_lines, zip_collect
from affirming_care.grading.course import (
    COURSE_ENV,
    SOURCE,
    GradingError,
    course_root,
    formgrader_command,
    load_settings,
    private_course,
)
from affirming_care.grading.feedback import feedback
from affirming_care.grading.gradebook import clean_names, ensure_tools_on_path
from affirming_care.grading.init import init_course
from affirming_care.grading.release import parse_due, release
from affirming_care.grading.roster import RosterError, import_roster, read_roster
from affirming_care.grading.sanitise import rich_text as esc
from affirming_care.grading.status import ModuleStatus, module_status

console = Console()
errors = Console(stderr=True)


def _pts(x: float | None) -> str:
    if x is None:
        return "—"
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


@contextmanager
def progress_bar(what: str) -> Iterator[tuple[Callable[[int], None], Callable[[], None]]]:
    """A progress bar; yields (start(total), advance())."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(what, total=None)

        def start(total: int) -> None:
            progress.update(task, total=total)

        def advance() -> None:
            progress.advance(task)

        yield start, advance


@contextmanager
def spinner(what: str) -> Iterator[None]:
    with console.status(what):
        yield


# Summary tables ------------------------------------------------------------------------------------------


def status_table(status: ModuleStatus) -> Table:
    due = f", due {status.due[:16].replace('T', ' ')} UTC" if status.due else ""
    table = Table(
        title=esc(f"{status.module}: {status.title} ({_pts(status.max_score)} points{due})"),
        title_justify="left",
        show_lines=False,
    )
    table.add_column("Learner", overflow="fold")
    table.add_column("Name", overflow="fold")
    table.add_column("Submitted", overflow="fold")
    table.add_column("Post-test", justify="right", overflow="fold")
    table.add_column("Reflection", overflow="fold")
    table.add_column("Total", justify="right", overflow="fold")
    table.add_column("Notes", overflow="fold")
    for row in status.learners:
        if not row.submitted:
            submitted = "[dim]no[/dim]"
        elif row.late:
            submitted = "[yellow]late[/yellow]"
        else:
            submitted = "yes"
        checks = f"{_pts(row.checks_score)}/{_pts(row.checks_max)}" if row.autograded else "—"
        reflection = {
            "waiting": "[cyan]waiting for a grader[/cyan]",
            "graded": f"{_pts(row.reflection_score)}/{_pts(row.reflection_max)}",
            "blank": f"[dim]left blank[/dim] {_pts(row.reflection_score)}/{_pts(row.reflection_max)}",
            "none": "—",
        }[row.reflection]
        total = f"{_pts(row.score)}/{_pts(row.max_score)}" if row.autograded else "—"
        notes = [esc(n) for n in row.notes]
        if row.problem:
            notes.insert(0, f"[bold red]could not be graded:[/bold red] {esc(row.problem)}")
        table.add_row(esc(row.id), esc(row.name), submitted, checks, reflection, total, "; ".join(notes))
    return table


def show_status(status: ModuleStatus) -> None:
    console.print(status_table(status))
    n = len(status.learners)
    graded = [x for x in status.learners if x.autograded]
    late = [x for x in status.learners if x.late]
    console.print(
        f"[bold]{status.module}:[/bold] {len(status.submitted)} of {n} learners submitted; "
        f"{len(graded)} autograded; {len(late)} late; "
        f"{len(status.waiting)} reflection(s) waiting for a human grader; "
        f"{len(status.not_graded)} submission(s) could not be graded."
    )
    if status.not_graded:
        table = Table(title="Could not be graded", title_justify="left")
        table.add_column("Learner", overflow="fold")
        table.add_column("Why", overflow="fold")
        for row in status.not_graded:
            table.add_row(esc(row.id), esc(row.problem))
        console.print(table)
    if status.waiting:
        console.print(
            f"Grade the waiting reflections in the formgrader: [bold]affirming_care grade formgrader[/bold] "
            f"(Nbgrader > Formgrader > Manage Assignments > {status.module})."
        )


# Commands ---------------------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    root = course_root(args.course)
    with spinner("Setting up the course folder"):
        result = init_course(
            root,
            source=args.source,
            bank=args.bank,
            modules=args.modules,
            roster=args.roster,
            exchange=args.exchange,
            course_id=args.course_id,
            pass_mark=args.pass_mark / 100 if args.pass_mark is not None else None,
        )
    settings = load_settings(root)
    table = Table(title=f"Course folder {root}", title_justify="left")
    table.add_column("Module", overflow="fold")
    table.add_column("Title", overflow="fold")
    table.add_column("Minutes", justify="right")
    table.add_column("Due", overflow="fold")
    for mid in result.modules:
        info = settings.modules[mid]
        new = " [green](new)[/green]" if mid in result.new_modules else ""
        table.add_row(
            esc(mid) + new,
            esc(info.title),
            _pts(info.minutes),
            (info.due or "not set")[:16].replace("T", " "),
        )
    console.print(table)
    console.print(f"Course id: [bold]{settings.course_id}[/bold]. Pass mark: {settings.pass_mark:.0%}.")
    console.print(
        f"Exchange: {result.exchange}"
        if result.exchange
        else "Exchange: none (learners hand in through your LMS)."
    )
    if result.roster:
        r = result.roster
        console.print(
            f"Roster: {len(r.added)} learner(s) added, {len(r.updated)} updated; {r.total} in the gradebook."
        )
    console.print(f"Next: [bold]affirming_care grade release {result.modules[0]} --course {root}[/bold]")
    return 0


def cmd_roster(args: argparse.Namespace) -> int:
    root = course_root(args.course)
    load_settings(root)
    result = import_roster(root, args.csv)
    table = Table(title=esc(f"Roster from {args.csv}"), title_justify="left")
    table.add_column("Learner", overflow="fold")
    table.add_column("Name", overflow="fold")
    table.add_column("Email", overflow="fold")
    table.add_column("", overflow="fold")
    for lr in read_roster(args.csv):
        table.add_row(
            esc(lr.id), esc(lr.name), esc(lr.email), "added" if lr.id in result.added else "updated"
        )
    console.print(table)
    console.print(
        f"{len(result.added)} added, {len(result.updated)} updated; {result.total} learners in the gradebook."
    )
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    root = course_root(args.course)
    due = parse_due(args.due) if args.due else None
    with spinner(f"Making the learner version of {args.module}"):
        result = release(root, args.module, due=due)
    table = Table(title=f"Released {result.module}", title_justify="left", show_header=False)
    table.add_column(overflow="fold")
    table.add_column(overflow="fold")
    table.add_row("Post-test items (autograded)", str(result.checks))
    table.add_row("Reflections (graded by hand)", str(result.reflections))
    table.add_row("Points", _pts(result.max_score))
    table.add_row("Due", result.due.strftime("%Y-%m-%d %H:%M UTC") if result.due else "not set (use --due)")
    table.add_row("Learner files", esc(result.release_dir))
    table.add_row(
        "Exchange",
        f"released to {result.exchange}: learners fetch it in JupyterLab (Assignments tab)"
        if result.exchange
        else "none: upload the learner files (the notebook) to your LMS",
    )
    console.print(table)
    for warning in result.warnings:
        errors.print(f"Warning: {warning}", markup=False, highlight=False)
    return 0


def _collected(result: CollectResult, root: Path) -> None:
    for line in summary_lines(result):  # learner ids and file names are data, never markup
        console.print(line, markup=False, highlight=False, emoji=False)
    show_status(module_status(root, result.module))


def cmd_collect(args: argparse.Namespace) -> int:
    root = course_root(args.course)
    with spinner(f"Collecting {args.module} from the exchange"):
        result = collect(root, args.module)
    _collected(result, root)
    return 0


def cmd_zip_collect(args: argparse.Namespace) -> int:
    root = course_root(args.course)
    with spinner(f"Collecting {args.module} from {len(args.zip)} file(s)"):
        result = zip_collect(root, args.module, args.zip)
    _collected(result, root)
    return 0


def cmd_autograde(args: argparse.Namespace) -> int:
    root = course_root(args.course)
    execute = args.execute_learner_code
    jobs = check_jobs(args.jobs, execute_learner_code=execute)
    how = f"{jobs} at a time, " + (
        "running learners' notebooks" if execute else "from answer files, nothing run"
    )
    with progress_bar(f"Autograding {args.module} ({how})") as (start, advance):
        result = autograde(
            root,
            args.module,
            jobs=jobs,
            learners=args.learner,
            again=args.all,
            execute_learner_code=execute,
            on_start=start,
            on_done=lambda _o: advance(),
        )
    graded = [o for o in result.outcomes if o.status == "graded"]
    unchanged = [o for o in result.outcomes if o.status == "unchanged"]
    per = result.seconds / len(graded) if graded else 0.0
    console.print(
        f"Autograded {len(graded)} of {len(result.outcomes)} submission(s) in {result.seconds:.1f} s "
        f"({per:.2f} s each, {result.jobs} at a time). nbgrader's log: {result.log}"
    )
    if unchanged:
        console.print(
            f"{len(unchanged)} submission(s) were already autograded and not handed in again; "
            "--all grades them again (nbgrader then asks you to review their reflections again)."
        )
    if result.renamed:
        console.print(
            "[yellow]Names cleaned in the gradebook[/yellow] (they held < or >, which the formgrader "
            f"would read as HTML): {esc(', '.join(result.renamed))}."
        )
    show_status(module_status(root, args.module))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    root = course_root(args.course)
    modules = [args.module] if args.module else sorted(load_settings(root).modules)
    statuses = [module_status(root, m) for m in modules]
    if args.json:
        print(json.dumps([s.to_json() for s in statuses], indent=1))
        return 0
    for status in statuses:
        show_status(status)
    return 0


def cmd_formgrader(args: argparse.Namespace) -> int:
    root = course_root(args.course)
    load_settings(root)
    cmd = formgrader_command(root, args.port)
    console.print(
        "Starting JupyterLab in the course folder. Open the link it prints, then "
        "[bold]Nbgrader > Formgrader[/bold]. Each reflection has the rubric right above it. "
        "The anchored rubric for graders: [bold]affirming_care grade rubric[/bold] writes rubric/mNN.html here. "
        "Press Ctrl+C here to stop."
    )
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    renamed = clean_names(root)  # the formgrader shows gradebook names unescaped
    if renamed:
        console.print(
            f"[yellow]Names cleaned in the gradebook[/yellow] (< or > removed): {esc(', '.join(renamed))}."
        )
    ensure_tools_on_path()
    return subprocess.call(cmd, cwd=root)


def cmd_feedback(args: argparse.Namespace) -> int:
    root = course_root(args.course)
    with progress_bar(f"Writing feedback for {args.module}") as (start, advance):
        result = feedback(
            root,
            args.module,
            include_ungraded=args.include_ungraded,
            on_start=start,
            on_done=lambda _sid, _ok: advance(),
        )
    table = Table(title=f"Feedback for {args.module}", title_justify="left")
    table.add_column("Learner", overflow="fold")
    table.add_column("Feedback", overflow="fold")
    for sid, page in sorted(result.written.items()):
        table.add_row(esc(sid), esc(page.relative_to(root)))
    for sid, why in sorted(result.held_back.items()):
        table.add_row(esc(sid), f"[yellow]held back:[/yellow] {esc(why)}")
    console.print(table)
    console.print(f"{len(result.written)} feedback page(s) written; {len(result.held_back)} held back.")
    if result.released_to_exchange:
        console.print(
            f"Released to the exchange for {len(result.released_to_exchange)} learner(s): "
            "they fetch it in JupyterLab (Assignments tab)."
        )
    if result.archive:
        console.print(f"For an LMS: {result.archive} (one HTML page per learner).")
    if any(why == "reflection not graded yet" for why in result.held_back.values()):
        console.print("Grade the waiting reflections, then run feedback again (or pass --include-ungraded).")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from affirming_care.grading.exports import export_all

    root = course_root(args.course)
    with spinner("Exporting grades"):
        result = export_all(root, args.out, args.pass_mark / 100 if args.pass_mark is not None else None)
    table = Table(title="Completion", title_justify="left")
    table.add_column("Learner", overflow="fold")
    for m in result.table.modules:
        table.add_column(m, justify="right")
    table.add_column("Passed", justify="right")
    for row in result.table.learners:
        cells = []
        for m in result.table.modules:
            g = row.grades[m]
            if g.state == "not submitted":
                cells.append("[dim]—[/dim]")
            elif g.state == "waiting":
                cells.append(f"[cyan]{_pts(g.score)}/{_pts(g.max_score)}…[/cyan]")
            else:
                mark = "[green]✓[/green]" if g.passed(result.pass_mark) else ""
                cells.append(f"{_pts(g.score)}/{_pts(g.max_score)} {mark}")
        passed = sum(row.grades[m].passed(result.pass_mark) for m in result.table.modules)
        table.add_row(esc(row.learner.id), *cells, str(passed))
    console.print(table)
    console.print(f"Pass mark {result.pass_mark:.0%}; ✓ passed; … a reflection still waits for a grader.")
    files = Table(title="Files written", title_justify="left", show_header=False)
    files.add_column(overflow="fold")
    files.add_column(overflow="fold")
    for what, label in (
        ("nbgrader", "nbgrader's CSV"),
        ("canvas", "Canvas: Grades > Import"),
        ("moodle", "Moodle: Grades > Import > CSV file"),
        ("completion", "Completion report"),
    ):
        files.add_row(label, esc(result.files[what]))
    console.print(files)
    if result.waiting:
        console.print(
            f"[yellow]{len(result.waiting)} reflection(s) still wait for a grader[/yellow]: those cells are blank "
            "in the Canvas and Moodle files, so nothing half-graded reaches your LMS."
        )
    return 0


def cmd_rehearse(args: argparse.Namespace) -> int:
    from affirming_care.grading.rehearsal import rehearse

    root = course_root(args.course)
    with progress_bar("Handing in the rehearsal cohort's work") as (start, advance):
        result = rehearse(
            root,
            learners=args.learners,
            modules=args.modules,
            seed=args.seed,
            deliver=args.deliver,
            source=args.source,
            use_existing_folder=args.use_existing_folder,
            hostile=args.hostile,
            on_start=start,
            on_done=lambda _p: advance(),
        )
    table = Table(title=f"Rehearsal cohort in {root}", title_justify="left")
    table.add_column("Learner", overflow="fold")
    for m in result.modules:
        table.add_column(m, overflow="fold")
    by = {(p.learner, p.module): p for p in result.plan}
    for sid in result.learners:
        table.add_row(esc(sid), *[esc(by[(sid, m)].kind.replace("_", " ")) for m in result.modules])
    console.print(table)
    console.print(f"What each kind means, and the expected checks scores: {result.manifest}")
    for mid in result.modules:
        if result.deliver == "zip":
            console.print(
                f"Next: [bold]affirming_care grade zip-collect {mid} {result.archives[mid]} --course {root}[/bold]"
            )
        else:
            console.print(f"Next: [bold]affirming_care grade collect {mid} --course {root}[/bold]")
    return 0


# Parser -------------------------------------------------------------------------------------------------------


def _pass_mark(text: str) -> float:
    value = float(text)
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError("the pass mark is a percentage between 0 and 100")
    return value


def register(subparsers: Any) -> None:
    """Add ``grade`` and its steps to the ``affirming_care`` command."""
    grade = subparsers.add_parser(
        "grade",
        help="grade a cohort: set up, release, collect, autograde, feedback, export",
        description="Grade a cohort, one command per step; each step ends with a summary table.",
        epilog="Steps, in order:\n\n" + __doc__.split("\n\n")[1] + "\n\nA guide: book/instructor-guide.md",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    steps = grade.add_subparsers(dest="step", required=True, metavar="STEP")
    course = argparse.ArgumentParser(add_help=False)
    course.add_argument(
        "--course",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"the course folder, outside the repository (default: ${COURSE_ENV})",
    )

    def step(name: str, func: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = steps.add_parser(name, parents=[course], help=help, description=help)
        p.set_defaults(func=guarded(func))
        return p

    p = step("init", cmd_init, "set up a course folder and import a roster")
    p.add_argument("--roster", type=Path, help="CSV with columns id, first_name, last_name, email")
    p.add_argument("--modules", nargs="+", metavar="MODULE", help="only these modules (default: all)")
    p.add_argument(
        "--exchange", type=Path, metavar="DIR", help="the nbgrader exchange (shared server, JupyterHub)"
    )
    p.add_argument("--course-id", help="the course id in the exchange (default: affirming-care)")
    p.add_argument(
        "--pass-mark", type=_pass_mark, metavar="PERCENT", help="pass mark for completion (default 75)"
    )
    p.add_argument(
        "--source",
        type=Path,
        default=SOURCE,
        metavar="DIR",
        help="the source assignments (default: assignments/source of the course's checkout; "
        "the learner edition has none, so point at a checkout's)",
    )
    p.add_argument(
        "--bank",
        type=Path,
        metavar="DIR",
        help="a private post-test bank (its modules replace the shipped ones); kept in COURSE/posttest/",
    )

    p = step("roster", cmd_roster, "import or update the roster from a CSV")
    p.add_argument("csv", type=Path)

    p = step("release", cmd_release, "make a module's learner version and release it")
    p.add_argument("module")
    p.add_argument("--due", help="due date, like '2026-12-01 17:00' (this computer's time zone)")

    p = step("collect", cmd_collect, "collect submissions from the nbgrader exchange")
    p.add_argument("module")

    p = step("zip-collect", cmd_zip_collect, "collect submissions from an LMS bulk-download zip")
    p.add_argument("module")
    p.add_argument("zip", nargs="+", type=Path, help="zip file(s) with files named ID_MODULE_FILE")

    p = step("autograde", cmd_autograde, "autograde every submission of a module")
    p.add_argument("module")
    p.add_argument(
        "--execute-learner-code",
        action="store_true",
        help=f"nbgrader's executing autograde instead of grading from answer files: {EXECUTE_WARNING}",
    )
    p.add_argument(
        "--jobs",
        type=int,
        help="hand-ins graded at once, 1 or more (default: one per core; "
        f"{default_jobs()} with --execute-learner-code)",
    )
    p.add_argument("--learner", nargs="+", metavar="ID", help="only these learners")
    p.add_argument("--all", action="store_true", help="also submissions already autograded and unchanged")

    p = step("status", cmd_status, "who submitted, scores, reflections waiting, what could not be graded")
    p.add_argument("module", nargs="?", help="one module (default: every module)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = step("formgrader", cmd_formgrader, "open JupyterLab in the course folder to grade reflections")
    p.add_argument("--port", type=int, default=8888)
    p.add_argument("--dry-run", action="store_true", help="only print the command")

    p = step("feedback", cmd_feedback, "write each learner's feedback page")
    p.add_argument("module")
    p.add_argument(
        "--include-ungraded", action="store_true", help="also for learners whose reflection is not graded yet"
    )

    p = step("export", cmd_export, "write nbgrader, Canvas, Moodle and completion CSV files")
    p.add_argument("--out", type=Path, help="folder for the files (default: the course folder's exports/)")
    p.add_argument("--pass-mark", type=_pass_mark, metavar="PERCENT", help="override the course's pass mark")

    p = step("rehearse", cmd_rehearse, "create a synthetic cohort to practise grading on")
    p.add_argument(
        "--learners", type=int, default=40, help="cohort size for a new course folder (default 40)"
    )
    p.add_argument("--modules", nargs="+", metavar="MODULE", help="modules to hand in (default: all)")
    p.add_argument("--seed", type=int, default=2026, help="a different seed gives a different cohort")
    p.add_argument(
        "--deliver",
        choices=["exchange", "zip"],
        default="exchange",
        help="hand in through the exchange, or as an LMS zip in downloads/",
    )
    p.add_argument(
        "--use-existing-folder",
        action="store_true",
        help="hand in to a folder made by `grade init` (only ever one kept for practice)",
    )
    p.add_argument(
        "--hostile",
        action="store_true",
        help="also hand in what a hostile learner sends (forged cells, markup, links, zip tricks, ...)",
    )
    p.add_argument("--source", type=Path, default=SOURCE, help=argparse.SUPPRESS)

    from affirming_care.calibration_cli import register as register_calibration  # issue 13

    register_calibration(steps, course, guarded)
    from affirming_care.item_analysis_cli import add_item_analysis

    add_item_analysis(step)


def guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn a GradingError into a plain message and exit status 1, never a traceback."""

    def run(args: argparse.Namespace) -> int:
        ensure_tools_on_path()
        os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets a kernel warning
        try:
            with private_course(getattr(args, "course", None)):  # 0700 folders, 0600 files
                return func(args)
        except RosterError as exc:
            for problem in exc.problems:
                errors.print(str(problem), markup=False, highlight=False)
            errors.print(f"{len(exc.problems)} problem(s) in the roster; nothing was imported.")
            return 1
        except GradingError as exc:
            errors.print(f"[bold red]Error:[/bold red] {esc(exc)}", highlight=False)
            return 1

    run.__doc__ = func.__doc__
    return run
