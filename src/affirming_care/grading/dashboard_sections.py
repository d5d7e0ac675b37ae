"""The dashboard's sections from issue 13: learning gain, post-test item analysis, the course evaluation.

``build_dashboard`` calls :func:`add_sections` once, after it has written its report: the sections
go at the end of ``index.html`` (before ``</main>``); the learning gain is also written as
``learning-gain.csv`` (and into ``dashboard.json``) and each module's item analysis as ``item-analysis-mNN.csv`` beside it. All
follow the dashboard's privacy rules with its minimum cohort size; a part that cannot be made (no
post-test bank in the learner edition, no evaluation in the content) is named in a note instead.
The post-test bank is the course folder's own copy (``COURSE/posttest``), else the shipped one.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from affirming_care.grading.dashboard import Dashboard
from affirming_care.grading.evaluation import evaluation_section
from affirming_care.grading.item_analysis import analyse_course, item_analysis_html, write_csv
from affirming_care.grading.learning_gain import course_banks, learning_gain, learning_gain_html
from affirming_care.grading.learning_gain import write_csv as write_gain_csv
from affirming_care.loader import ContentError
from affirming_care.posttest import Bank


def _note(text: str) -> str:
    return f"<p class='note'>{escape(text)}</p>"


def _banks(root: Path) -> dict[str, Bank] | str | None:
    """The course's post-test bank, a note saying why it cannot be read, or None (no bank)."""
    try:
        return course_banks(root)
    except ContentError as exc:
        return _note(f"No post-test figures: the post-test bank has {len(exc.problems)} problem(s).")


def learning_gain_part(dash: Dashboard, root: Path, banks: dict[str, Bank]) -> str:
    """The learning gain's section; its figures also go to ``learning-gain.csv`` and ``dashboard.json``."""
    gain = learning_gain(root, banks, dash.min_cohort, {m.id: m.label for m in dash.modules})
    write_gain_csv(gain, dash.out)
    if dash.json is not None and dash.json.is_file():
        data = json.loads(dash.json.read_text(encoding="utf-8"))
        data["learning_gain"] = gain.to_json()
        dash.json.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return learning_gain_html(gain, open_objectives=1)


def item_analysis_part(root: Path, out: Path, min_cohort: int, banks: dict[str, Bank]) -> str:
    analyses = analyse_course(root, banks, None, min_cohort)
    taken = [a for a in analyses if a.items or a.learners]
    if not taken:
        notes = sorted({n for a in analyses for n in a.notes}) or ["No post-test answers were found."]
        return "<h2 id='item-analysis'>Post-test item analysis</h2>" + "".join(_note(n) for n in notes)
    for analysis in taken:
        write_csv(analysis, out)
    html = item_analysis_html(taken)
    waiting = [a.module for a in analyses if a not in taken]
    if waiting:
        more = f"<p>No post-test answers yet: {escape(', '.join(waiting))}.</p>"
        html = html.removesuffix("</section>") + more + "</section>"
    return html


def evaluation_part(root: Path, min_cohort: int) -> str:
    try:
        return evaluation_section(root, min_cohort)
    except ContentError:
        return _note("No course evaluation: the content has no valid evaluation.yml.")


def add_sections(dash: Dashboard, root: Path) -> None:
    """Append the learning gain, the item analysis and the course evaluation to ``dash``'s ``index.html``."""
    if dash.html is None or not dash.html.is_file():
        return
    banks = _banks(root)
    sections = banks if isinstance(banks, str) else ""
    if isinstance(banks, dict):
        sections += learning_gain_part(dash, root, banks)
        sections += item_analysis_part(root, dash.out, dash.min_cohort, banks)
    sections += evaluation_part(root, dash.min_cohort)
    text = dash.html.read_text(encoding="utf-8")
    dash.html.write_text(text.replace("</main>", sections + "</main>", 1), encoding="utf-8")
