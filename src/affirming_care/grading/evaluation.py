"""The course evaluation of a cohort, aggregated (issue 13, item 4): totals only, never who said what.

Where the answers come from, in a course folder:

* with the capstone: the ``evaluation`` section of each collected ``m12-answers.json``
  (``submitted/<learner>/m12/``, else ``autograded/``, read by the dashboard's reader);
* on its own: ``evaluation-answers.json`` (an answer file whose module is ``evaluation``), either in a
  learner's submission folder (``submitted/<learner>/<any>/evaluation-answers.json``) or dropped into
  ``evaluations/`` by the instructor (any ``*.json`` there, collected through an anonymous route).

A learner whose evaluation is in both their capstone and a standalone file in their own folder is
counted once (the later ``updated``). Files in ``evaluations/`` carry no learner, so they cannot be
matched: hand each evaluation in one way only.

What is shown, only when at least the dashboard's ``MIN_COHORT`` people responded: per statement the
count at each point of the scale and the median; the comments, without any learner id, in an order
shuffled with a fixed seed (so the order says nothing about who wrote them, and the report is the
same each time it is made). Below the minimum, nothing but the fact of suppression.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from affirming_care.evaluation import CAPSTONE_MODULE, STANDALONE_MODULE, Evaluation, load_evaluation
from affirming_care.grading.dashboard import MIN_COHORT, collected_stores
from affirming_care.store import DamagedStore, EvaluationRecord, read_answer_file, store_filename

COMMENT_SEED = 13
"""The seed of the comments' shuffle: the same report each time, an order that identifies no one."""
STANDALONE = store_filename(STANDALONE_MODULE)
DROP_FOLDER = "evaluations"


@dataclass
class StatementSummary:
    id: str
    statement: str
    counts: dict[int, int] = field(default_factory=dict)
    """Responses at each point, 1 to 5 (every point listed, zeros too)."""
    answered: int = 0
    median: float | None = None


@dataclass
class EvaluationSummary:
    responded: int
    min_cohort: int
    labels: dict[int, str] = field(default_factory=dict)
    statements: list[StatementSummary] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    suppressed: str | None = None
    damaged: int = 0


def _answered(record: EvaluationRecord) -> bool:
    return bool(record.ratings) or bool(record.comments.strip())


def _read(path: Path) -> EvaluationRecord | None:
    data = read_answer_file(path)
    if data is not None and data.module != STANDALONE_MODULE:
        raise DamagedStore(path, f"field module: is {data.module!r}, expected {STANDALONE_MODULE!r}")
    return data.evaluation if data else None


def _standalone(root: Path) -> tuple[dict[str, EvaluationRecord], list[EvaluationRecord], int]:
    """Standalone files: by learner (from their submission folders) and unmatched (the drop folder)."""
    mine: dict[str, EvaluationRecord] = {}
    dropped: list[EvaluationRecord] = []
    damaged = 0
    paths: list[tuple[str | None, Path]] = [
        (p.parts[-3], p) for p in sorted(root.glob(f"submitted/*/*/{STANDALONE}"))
    ]
    paths += [(None, p) for p in sorted((root / DROP_FOLDER).glob("*.json"))]
    for learner, path in paths:
        try:
            record = _read(path)
        except DamagedStore:
            damaged += 1
            continue
        if record is None or not _answered(record):
            continue
        if learner is None:
            dropped.append(record)
        elif learner not in mine or record.updated > mine[learner].updated:
            mine[learner] = record
    return mine, dropped, damaged


def collect_evaluations(root: Path) -> tuple[list[EvaluationRecord], int]:
    """Every evaluation in a course folder, one per learner where that can be known; and damaged files."""
    stores, damaged = collected_stores(root)
    by_learner: dict[str, EvaluationRecord] = {}
    for learner, data in stores.get(CAPSTONE_MODULE, {}).items():
        if data.evaluation is not None and _answered(data.evaluation):
            by_learner[learner] = data.evaluation
    mine, dropped, bad = _standalone(root)
    for learner, record in mine.items():
        if learner not in by_learner or record.updated > by_learner[learner].updated:
            by_learner[learner] = record
    return list(by_learner.values()) + dropped, damaged.get(CAPSTONE_MODULE, 0) + bad


def summarise(
    ev: Evaluation, records: list[EvaluationRecord], min_cohort: int = MIN_COHORT, seed: int = COMMENT_SEED
) -> EvaluationSummary:
    """Counts per point, medians and shuffled comments; nothing but a note below ``min_cohort``."""
    if min_cohort < 2:
        raise ValueError(f"the minimum cohort must be at least 2 (got {min_cohort})")
    answered = [r for r in records if _answered(r)]
    summary = EvaluationSummary(responded=len(answered), min_cohort=min_cohort)
    if summary.responded < min_cohort:
        people = "person" if summary.responded == 1 else "people"
        summary.suppressed = (
            f"Not shown: {summary.responded} {people} answered the evaluation, fewer than the minimum of "
            f"{min_cohort}, so no one's answers can be singled out."
        )
        return summary
    summary.labels = {p.value: p.label for p in ev.scale}
    for item in ev.items:
        values = [r.ratings[item.id] for r in answered if item.id in r.ratings]
        counts = Counter(values)
        summary.statements.append(
            StatementSummary(
                id=item.id,
                statement=item.statement,
                counts={p: counts.get(p, 0) for p in range(1, 6)},
                answered=len(values),
                median=statistics.median(values) if values else None,
            )
        )
    comments = sorted(r.comments.strip() for r in answered if r.comments.strip())
    random.Random(seed).shuffle(comments)
    summary.comments = comments
    return summary


def evaluate_course(
    root: Path, min_cohort: int = MIN_COHORT, ev: Evaluation | None = None
) -> EvaluationSummary:
    """The course evaluation of the course folder ``root``."""
    records, damaged = collect_evaluations(root)
    summary = summarise(ev or load_evaluation(), records, min_cohort)
    summary.damaged = damaged
    return summary


def _median(x: float | None) -> str:
    if x is None:
        return "—"
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def evaluation_html(summary: EvaluationSummary) -> str:
    """The dashboard section (escaped): one table of counts per point, the median, then the comments."""
    parts = ["<section aria-labelledby='course-evaluation'><h2 id='course-evaluation'>Course evaluation</h2>"]
    if summary.damaged:
        parts.append(
            f"<p class='note'>{summary.damaged} answer files could not be read and are left out.</p>"
        )
    if summary.suppressed:
        parts.append(f"<p class='note'>{escape(summary.suppressed)}</p></section>")
        return "".join(parts)
    head = "".join(f"<th scope='col'>{p}: {escape(summary.labels.get(p, ''))}</th>" for p in range(1, 6))
    rows = "".join(
        f"<tr><th scope='row'>{escape(s.statement)}</th>"
        + "".join(f"<td>{s.counts.get(p, 0)}</td>" for p in range(1, 6))
        + f"<td>{s.answered}</td><td>{_median(s.median)}</td></tr>"
        for s in summary.statements
    )
    parts.append(
        f"<p>{summary.responded} people answered. Agreement from 1 (strongly disagree) to 5 (strongly agree).</p>"
        f"<table><caption>Responses at each point of the scale, per statement</caption><thead><tr>"
        f"<th scope='col'>Statement</th>{head}<th scope='col'>Answered</th><th scope='col'>Median</th></tr></thead>"
        f"<tbody>{rows}</tbody></table><h3>Comments</h3>"
    )
    if summary.comments:
        parts.append(
            "<p>In no particular order (shuffled), without names.</p><ul>"
            + "".join(f"<li>{escape(c)}</li>" for c in summary.comments)
            + "</ul>"
        )
    else:
        parts.append("<p>No comments were written.</p>")
    parts.append("</section>")
    return "".join(parts)


def evaluation_section(root: Path, min_cohort: int = MIN_COHORT) -> str:
    """The dashboard hook: the evaluation section of ``root``'s report."""
    return evaluation_html(evaluate_course(root, min_cohort))
