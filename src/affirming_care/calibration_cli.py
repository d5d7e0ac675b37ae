"""``affirming_care grade rubric`` and ``affirming_care grade calibrate setup|report`` (issue 13).

Registered by :func:`register` from ``grade_cli.register`` in one line, so the grading steps' own
module stays as it was. The work is done in ``affirming_care.anchors`` (grader pages) and
``affirming_care.grading.calibration`` (rounds and agreement figures); this module only reads
arguments and prints results. Everything a grader or learner wrote is escaped before it is printed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from affirming_care.grading.course import course_root, load_settings

console = Console()
errors = Console(stderr=True)

Guard = Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]


def cmd_rubric(args: argparse.Namespace) -> int:
    """Write the anchored rubric pages for graders into the course folder's ``rubric/``."""
    from affirming_care.anchors import write_grader_pages

    root = course_root(args.course)
    modules = args.module or sorted(load_settings(root).modules)
    written = write_grader_pages(root / "rubric", modules, args.anchors)
    table = Table(title="Anchored rubric pages for graders", title_justify="left")
    table.add_column("Module")
    table.add_column("Page")
    for page in written:
        table.add_row(page.stem, escape(str(page.relative_to(root))))
    console.print(table)
    missing = sorted(set(modules) - {p.stem for p in written})
    if missing:
        console.print(f"[yellow]No anchors for[/yellow] {escape(', '.join(missing))} (assessment/rubric/).")
    console.print(
        "Open a page in JupyterLab (right-click > Open With > HTML Viewer) beside the formgrader. "
        "For graders only: the exemplars are close to model answers."
    )
    return 0 if written else 1


def cmd_setup(args: argparse.Namespace) -> int:
    from affirming_care.grading.calibration import setup_round

    root = course_root(args.course)
    rnd, folder = setup_round(
        root, args.module, args.graders, sample=args.sample, seed=args.seed, name=args.round
    )
    table = Table(title=f"Calibration round {escape(rnd.name)}", title_justify="left")
    table.add_column("Module")
    table.add_column("Exemplars", justify="right")
    table.add_column("From the cohort", justify="right")
    for mid in rnd.modules:
        here = [i for i in rnd.items if i["module"] == mid]
        table.add_row(
            mid,
            str(sum(i["source"] == "exemplar" for i in here)),
            str(sum(i["source"] == "cohort" for i in here)),
        )
    console.print(table)
    console.print(f"Items to read: {escape(str(folder / 'items.html'))}")
    for g in rnd.graders:
        console.print(f"Score sheet for {escape(g)}: {escape(str(folder / 'sheets' / (g + '.csv')))}")
    console.print(
        f"Keep {escape(str(folder / 'reference.json'))} from the graders until the report. "
        f"Then: [bold]affirming_care grade calibrate report --round {escape(rnd.name)}[/bold]"
    )
    return 0


def _pct(x: Fraction) -> str:
    return f"{float(x):.0%}"


def _kappa(x: Fraction | None) -> str:
    return "—" if x is None else f"{float(x):.2f}"


def _agreement_table(title: str, rows: list[Any]) -> Table:
    table = Table(title=title, title_justify="left")
    for name, justify in (
        ("Criterion", "left"),
        ("Between", "left"),
        ("Items", "right"),
        ("Exact", "right"),
        ("Within 1", "right"),
        ("Weighted kappa", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for a in rows:
        table.add_row(
            escape(a.criterion),
            f"{escape(a.first)} and {escape(a.second)}",
            str(a.n),
            _pct(a.exact),
            _pct(a.adjacent),
            _kappa(a.kappa),
        )
    return table


def cmd_report(args: argparse.Namespace) -> int:
    from affirming_care.grading.calibration import REFERENCE, SheetError, report

    root = course_root(args.course)
    try:
        rep = report(root, args.round, top=args.top)
    except SheetError as exc:
        for problem in exc.problems:
            errors.print(str(problem), markup=False, highlight=False)
        errors.print(f"{len(exc.problems)} problem(s) in the score sheets; nothing was reported.")
        return 1
    console.print(
        f"[bold]Calibration round {escape(rep.round.name)}[/bold]: {len(rep.round.items)} items, "
        f"graders {escape(', '.join(rep.graders))}."
    )
    if rep.not_started:
        console.print(f"[yellow]Not started, left out:[/yellow] {escape(', '.join(rep.not_started))}")
    console.print(_agreement_table("Between graders", rep.pairs))
    console.print(_agreement_table("Each grader and the reference (exemplars only)", rep.against_reference))
    table = Table(title="Items of most disagreement (discuss these first)", title_justify="left")
    table.add_column("Item")
    table.add_column("Kind")
    table.add_column("Spread", justify="right")
    names = [*rep.graders, REFERENCE]
    for c in rep.round.criteria:
        table.add_column(escape(c), justify="right")
    for d in rep.disagreements:
        cells = [
            " / ".join(str(d.scores[g][c]) if g in d.scores else "·" for g in names)
            for c in rep.round.criteria
        ]
        table.add_row(escape(d.item), d.source, str(d.spread), *cells)
    console.print(table)
    console.print(
        f"Scores in each cell: {escape(' / '.join(names))} (· where there is no reference). "
        "Kappa — means it is undefined (every score the same). "
        f"Figures as CSV: {escape(str(rep.path))}"
    )
    return 0


def register(steps: Any, course: argparse.ArgumentParser, guarded: Guard) -> None:
    """Add ``rubric`` and ``calibrate`` to ``grade``'s steps."""
    p = steps.add_parser(
        "rubric",
        parents=[course],
        help="write the anchored rubric pages graders read beside the formgrader",
        description="Write rubric/mNN.html into the course folder: each module's anchors and exemplars.",
    )
    p.add_argument("--module", nargs="+", metavar="MODULE", help="only these modules (default: the course's)")
    p.add_argument("--anchors", default=None, type=_path, metavar="DIR", help=argparse.SUPPRESS)
    p.set_defaults(func=guarded(cmd_rubric))

    cal = steps.add_parser(
        "calibrate",
        help="a calibration round: graders score the same items, then compare",
        description="Set up a calibration round, then report how graders agree with each other and the reference.",
    )
    sub = cal.add_subparsers(dest="calibrate_step", required=True, metavar="STEP")
    p = sub.add_parser("setup", parents=[course], help="write items and one score sheet per grader")
    p.add_argument(
        "--module", nargs="+", required=True, metavar="MODULE", help="modules whose reflections to use"
    )
    p.add_argument("--graders", nargs="+", required=True, metavar="NAME", help="two or more grader names")
    p.add_argument("--sample", type=int, default=4, help="cohort reflections per module (default 4)")
    p.add_argument("--seed", type=int, default=2026, help="which cohort reflections are drawn, and the order")
    p.add_argument("--round", help="the round's name (default: round-DATE-TIME)")
    p.set_defaults(func=guarded(cmd_setup))
    p = sub.add_parser("report", parents=[course], help="agreement per criterion, from the filled sheets")
    p.add_argument("--round", help="the round's name (default: the newest)")
    p.add_argument("--top", type=int, default=5, help="items of most disagreement to list (default 5)")
    p.set_defaults(func=guarded(cmd_report))


def _path(text: str) -> Any:
    from pathlib import Path

    return Path(text)
