"""``affirming_care grade item-analysis``: the post-test item analysis of a course folder, as a table.

The figures come from :mod:`affirming_care.grading.item_analysis`; this module reads arguments,
writes ``item-analysis-mNN.csv`` and prints a Rich table (every text escaped).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from affirming_care.grading.course import GradingError, course_root
from affirming_care.grading.dashboard import MIN_COHORT
from affirming_care.grading.item_analysis import ModuleAnalysis, analyse_course, options_text, write_csv
from affirming_care.loader import ContentError
from affirming_care.posttest import load_banks

console = Console()


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def analysis_table(analysis: ModuleAnalysis) -> Table:
    table = Table(
        title=escape(f"Post-test item analysis: {analysis.module}, {analysis.learners} learners"),
        title_justify="left",
    )
    for name in (
        "Item",
        "Responses",
        "Difficulty",
        "Point-biserial",
        "Upper-lower",
        "Options chosen",
        "Flags",
    ):
        table.add_column(name)
    for i in analysis.items:
        if i.suppressed:
            table.add_row(escape(f"{i.slot} {i.variant}"), str(i.responses), escape(i.suppressed))
            continue
        table.add_row(
            escape(f"{i.slot} {i.variant}"),
            str(i.responses),
            _num(i.difficulty),
            _num(i.point_biserial),
            _num(i.upper_lower),
            escape(options_text(i)),
            escape(", ".join(i.flags)) or "none",
        )
    return table


def cmd_item_analysis(args: argparse.Namespace) -> int:
    """Analyse the post-test items of the collected answer files; write one CSV per module."""
    root = course_root(args.course)
    try:
        banks = load_banks(args.bank)
    except ContentError as exc:
        raise GradingError("the post-test bank has problems:\n" + "\n".join(map(str, exc.problems))) from None
    out = args.out or root / "dashboard"
    for analysis in analyse_course(root, banks, args.module, args.min_cohort):
        path = write_csv(analysis, out)
        for note in analysis.notes:
            console.print(escape(note))
        if analysis.suppressed:
            console.print(escape(analysis.suppressed))
        else:
            console.print(analysis_table(analysis))
        console.print(f"Written: {escape(str(path))}")
    return 0


def add_item_analysis(step: Callable[..., argparse.ArgumentParser]) -> None:
    """Register the step on ``grade`` (``step`` is grade_cli's helper: name, function, help)."""
    p = step(
        "item-analysis", cmd_item_analysis, "difficulty, discrimination and option counts of post-test items"
    )
    p.add_argument(
        "--module", action="append", metavar="MODULE", help="a module, like m04 (repeatable; default all)"
    )
    p.add_argument("--bank", type=Path, help="a private post-test bank folder (default: the shipped bank)")
    p.add_argument(
        "--out", type=Path, help="folder for the CSV files (default: the course folder's dashboard/)"
    )
    p.add_argument(
        "--min-cohort",
        type=int,
        default=MIN_COHORT,
        help=f"hide figures below this many learners (default {MIN_COHORT})",
    )
