"""The dashboard's sections from issue 13: post-test item analysis and the course evaluation.

``build_dashboard`` calls :func:`add_sections` once, after it has written its report: the sections
go at the end of ``index.html`` (before ``</main>``), and each module's item analysis is also
written as ``item-analysis-mNN.csv`` beside it. Both follow the dashboard's privacy rules with its
minimum cohort size; a part that cannot be made (no post-test bank in the learner edition, no
evaluation in the content) is named in a note instead.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from affirming_care.grading.dashboard import Dashboard
from affirming_care.grading.evaluation import evaluation_section
from affirming_care.grading.item_analysis import analyse_course, item_analysis_html, write_csv
from affirming_care.loader import ContentError
from affirming_care.posttest import bank_root, load_banks


def _note(text: str) -> str:
    return f"<p class='note'>{escape(text)}</p>"


def item_analysis_part(root: Path, out: Path, min_cohort: int) -> str:
    if not bank_root().is_dir():
        return ""  # the learner edition has no post-test bank
    try:
        banks = load_banks()
    except ContentError as exc:
        return _note(f"No post-test item analysis: the post-test bank has {len(exc.problems)} problem(s).")
    analyses = analyse_course(root, banks, None, min_cohort)
    if all(not a.items and not a.suppressed for a in analyses):
        notes = sorted({n for a in analyses for n in a.notes}) or ["No post-test answers were found."]
        return "<h2 id='item-analysis'>Post-test item analysis</h2>" + "".join(_note(n) for n in notes)
    for analysis in analyses:
        write_csv(analysis, out)
    return item_analysis_html(analyses)


def evaluation_part(root: Path, min_cohort: int) -> str:
    try:
        return evaluation_section(root, min_cohort)
    except ContentError:
        return _note("No course evaluation: the content has no valid evaluation.yml.")


def add_sections(dash: Dashboard, root: Path) -> None:
    """Append the item analysis and the course evaluation to ``dash``'s written ``index.html``."""
    if dash.html is None or not dash.html.is_file():
        return
    sections = item_analysis_part(root, dash.out, dash.min_cohort) + evaluation_part(root, dash.min_cohort)
    text = dash.html.read_text(encoding="utf-8")
    dash.html.write_text(text.replace("</main>", sections + "</main>", 1), encoding="utf-8")
