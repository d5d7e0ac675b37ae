"""Item analysis of the post-test: does each item work? (issue 13, item 3)

For every post-test item (one variant of one slot) of a graded cohort:

* **difficulty**: the mean score on the item, from 0 to 1. For a single-answer item that is the
  share of learners who got it right; a multiple-answer item earns partial credit by the post-test's
  rule (:func:`affirming_care.posttest.score_variant`), so its difficulty is the mean of those fractions.
* **discrimination**, two ways:

  - the **corrected point-biserial**: the Pearson correlation between the item score and the
    *rest score*, the learner's total over the module's other slots (the item itself is left out,
    so it does not correlate with itself). Undefined (shown as "—") when every learner has the
    same item score or the same rest score.
  - the **upper-lower index** (Kelley's 27 %): learners are ranked by rest score; the mean item
    score of the bottom 27 % is taken from that of the top 27 %. Learners tied at the edge of a
    group share the places left, each tied group counting with its mean item score, so the index
    never depends on the order of the rows.

* **options**: how many learners chose each option (for a multiple-answer item a learner may
  choose several, so the counts add up to more than the responses).

Flags (thresholds below, the usual rules of thumb of classical test theory):

* ``too easy``: difficulty above :data:`TOO_EASY`;
* ``too hard``: difficulty below :data:`TOO_HARD`;
* ``negative discrimination``: point-biserial below :data:`NEGATIVE_DISCRIMINATION` (learners who do
  well on the rest of the test do worse on this item: look for a wrong key or an ambiguous stem);
* ``low discrimination``: point-biserial at or above zero but below :data:`LOW_DISCRIMINATION`;
* ``unchosen distractor``: a wrong option nobody chose (it distracts no one; rewrite it).

Privacy, the dashboard's rules: no learner id or name appears in any output (ids are used only to
pair a learner's items); a module with fewer learners than the dashboard's
:data:`~affirming_care.grading.dashboard.MIN_COHORT`, and an item with fewer responses, is suppressed.

Input is a response table (:class:`Response`), from the collected answer files' ``posttest``
sections (:func:`responses_from_answer_files`) or built directly (:func:`responses_from_rows`).
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from affirming_care.grading.course import GradingError
from affirming_care.grading.dashboard import MIN_COHORT, collected_stores
from affirming_care.posttest import Bank, Variant, score_hand_in
from affirming_care.store import AnswerFile

TOO_EASY = 0.90
"""An item with a difficulty (mean score) above this tells almost nothing: nearly everyone gets it."""
TOO_HARD = 0.30
"""Below this, most learners miss the item: check the key, the wording and the teaching."""
NEGATIVE_DISCRIMINATION = 0.0
"""A point-biserial below this means stronger learners do worse on the item: often a wrong key."""
LOW_DISCRIMINATION = 0.15
"""A point-biserial from zero up to this separates stronger from weaker learners too little."""
UPPER_LOWER_SHARE = 0.27
"""The share of learners in each of the upper and lower groups (Kelley's 27 %)."""

FLAG_TOO_EASY = "too easy"
FLAG_TOO_HARD = "too hard"
FLAG_NEGATIVE = "negative discrimination"
FLAG_LOW = "low discrimination"
FLAG_UNCHOSEN = "unchosen distractor"

_FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")


class ItemAnalysisError(GradingError):
    """The analysis could not be made; the message says why."""


@dataclass(frozen=True)
class Response:
    """One learner's answer to one slot of a module's post-test: one row of the response table.

    ``score`` is the fraction of the slot earned, 0 to 1 (partial credit for multiple-answer
    items). ``learner`` only pairs a learner's rows; it is never written out.
    """

    learner: str
    module: str
    slot: str
    variant: str
    chosen: tuple[str, ...]
    score: float


@dataclass
class OptionCount:
    option: str
    letter: str
    correct: bool
    count: int


@dataclass
class ItemResult:
    """The figures of one item (a variant of a slot); all None when suppressed."""

    module: str
    slot: str
    variant: str
    kind: str
    responses: int
    difficulty: float | None = None
    point_biserial: float | None = None
    upper_lower: float | None = None
    options: list[OptionCount] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    suppressed: str | None = None


@dataclass
class ModuleAnalysis:
    module: str
    learners: int
    min_cohort: int
    items: list[ItemResult] = field(default_factory=list)
    suppressed: str | None = None
    notes: list[str] = field(default_factory=list)


# The response table -----------------------------------------------------------------------------------------


def responses_from_rows(
    rows: Iterable[tuple[str, str, str, str, Sequence[str], float]],
) -> list[Response]:
    """A response table from plain rows ``(learner, module, slot, variant, chosen, score)``.

    Raises ItemAnalysisError naming the row for a score outside 0 to 1 or a learner answering one
    slot twice.
    """
    table: list[Response] = []
    seen: set[tuple[str, str, str]] = set()
    for n, (learner, module, slot, variant, chosen, score) in enumerate(rows, start=1):
        if not 0.0 <= float(score) <= 1.0:
            raise ItemAnalysisError(f"row {n}: score is {score!r}; expected a fraction from 0 to 1")
        key = (learner, module, slot)
        if key in seen:
            raise ItemAnalysisError(f"row {n}: a second answer to slot {slot!r} from the same learner")
        seen.add(key)
        table.append(Response(learner, module, slot, variant, tuple(sorted(chosen)), float(score)))
    return table


def _posttest_rows(learner: str, data: AnswerFile, bank: Bank) -> list[Response]:
    """The post-test rows of one answer file, ``posttest: {seed, answers}``, on the variants its seed drew.

    Options are matched by id, never by position; the variant comes from the seed, never from the
    file. A slot left out is a row scored 0 with nothing chosen, as grading scores it. Raises
    ValueError for a slot or an option the bank does not have.
    """
    section = data.posttest
    if section is None:
        return []
    scored = score_hand_in(bank, section.seed, section.answers)
    return [
        Response(learner, bank.module, s.slot_id, s.variant_id, s.chosen, float(s.earned / s.points))
        for s in scored.slots
    ]


def responses_from_answer_files(root: Path, module: str, bank: Bank) -> tuple[list[Response], list[str]]:
    """The response table of ``module`` from a course folder's collected answer files, and notes.

    Reads the ``posttest`` section of ``submitted/<learner>/<module>/<module>-answers.json`` (else
    ``autograded/``) with the dashboard's reader, which uses :func:`affirming_care.store.read_answer_file`.
    Files that cannot be read, or that name a slot or option the bank does not have, are left out
    and counted in the notes (never named).
    """
    notes: list[str] = []
    stores, damaged = collected_stores(root)
    files = stores.get(module, {})
    bad = damaged.get(module, 0)
    table: list[Response] = []
    for learner, data in sorted(files.items()):
        try:
            table += _posttest_rows(learner, data, bank)
        except ValueError:
            bad += 1
    if bad:
        many = "1 answer file" if bad == 1 else f"{bad} answer files"
        notes.append(f"Left out, as unreadable or naming a slot or option the bank does not have: {many}.")
    if not files and not bad:
        notes.append(f"No answer files were collected for {module}.")
    if files and not any(d.posttest for d in files.values()):
        notes.append(
            f"The {len(files)} answer files collected for {module} do not carry post-test answers, "
            "so there is nothing to analyse."
        )
    return table, notes


# The figures ----------------------------------------------------------------------------------------------


def point_biserial(item: Sequence[float], rest: Sequence[float]) -> float | None:
    """The Pearson correlation of item scores and rest scores; None when either does not vary.

    With 0/1 item scores this is the point-biserial correlation. Worked example (six learners,
    three one-point slots; the item is slot 1, the rest score is slots 2 + 3)::

        learner  slot1 slot2 slot3  rest
        1          1     1     1     2
        2          1     1     0     1
        3          1     0     1     1
        4          0     1     0     1
        5          0     0     0     0
        6          0     0     1     1

        mean item = 3/6 = 0.5, mean rest = 6/6 = 1
        item deviations  +.5 +.5 +.5 -.5 -.5 -.5
        rest deviations   +1   0   0   0  -1   0
        sum of products = .5*1 + (-.5)*(-1) = 1.0
        sum of squares: item 6 * .25 = 1.5, rest 1 + 1 = 2
        r = 1.0 / sqrt(1.5 * 2) = 1 / sqrt(3) = 0.577

    The same by the point-biserial formula: mean rest of those right (2+1+1)/3 = 4/3, of those
    wrong (1+0+1)/3 = 2/3; population sd of rest sqrt(2/6); r = (4/3 - 2/3) / sqrt(1/3) * sqrt(.5 * .5)
    = 0.577.
    """
    if len(item) < 2 or len(set(item)) < 2 or len(set(rest)) < 2:
        return None
    return statistics.correlation(item, rest)


def _group_mean(pairs: list[tuple[float, float]], size: int) -> float:
    """Mean item score of the first ``size`` places of ``pairs`` (rest, item), already ranked.

    A tied group of rest scores that straddles the edge fills the places left with its mean.
    """
    by_rest: dict[float, list[float]] = defaultdict(list)
    order: list[float] = []
    for rest, item in pairs:
        if rest not in by_rest:
            order.append(rest)
        by_rest[rest].append(item)
    total, left = 0.0, float(size)
    for rest in order:
        group = by_rest[rest]
        take = min(left, len(group))
        total += take * statistics.fmean(group)
        left -= take
        if left <= 0:
            break
    return total / size


def upper_lower(item: Sequence[float], rest: Sequence[float]) -> float | None:
    """Kelley's index: mean item score of the top 27 % by rest score minus that of the bottom 27 %.

    In the six-learner example of :func:`point_biserial`: each group has round(0.27 * 6) = 2 places.
    Top: learner 1 (rest 2, item 1), then the four tied at rest 1 (item scores 1, 1, 0, 0, mean
    0.5) fill the one place left: (1 + 0.5) / 2 = 0.75. Bottom:
    learner 5 (rest 0, item 0) and the tied group's mean 0.5: (0 + 0.5) / 2 = 0.25. Index 0.5.
    """
    if len(item) < 2:
        return None
    size = max(1, round(UPPER_LOWER_SHARE * len(item)))
    pairs = list(zip(rest, item, strict=True))
    top = sorted(pairs, key=lambda p: -p[0])
    bottom = sorted(pairs, key=lambda p: p[0])
    return _group_mean(top, size) - _group_mean(bottom, size)


def flags_for(result: ItemResult) -> list[str]:
    """The flags of one item's figures, in a fixed order."""
    found = []
    if result.difficulty is not None and result.difficulty > TOO_EASY:
        found.append(FLAG_TOO_EASY)
    if result.difficulty is not None and result.difficulty < TOO_HARD:
        found.append(FLAG_TOO_HARD)
    r = result.point_biserial
    if r is not None and r < NEGATIVE_DISCRIMINATION:
        found.append(FLAG_NEGATIVE)
    elif r is not None and r < LOW_DISCRIMINATION:
        found.append(FLAG_LOW)
    found += [f"{FLAG_UNCHOSEN} {o.letter}" for o in result.options if not o.correct and o.count == 0]
    return found


def _suppressed(n: int, min_cohort: int, what: str) -> str:
    people = "learner" if n == 1 else "learners"
    return f"Not shown: {what} {n} {people}, fewer than the minimum of {min_cohort}, so no one can be singled out."


def _variant(bank: Bank, slot_id: str, variant_id: str) -> Variant:
    slot = bank.slot(slot_id)
    for v in slot.variants:
        if v.id == variant_id:
            return v
    raise ItemAnalysisError(f"{bank.module} slot {slot_id!r} has no variant {variant_id!r}")


def _item(
    bank: Bank, slot: str, variant_id: str, rows: list[Response], totals: dict[str, float], min_cohort: int
) -> ItemResult:
    variant = _variant(bank, slot, variant_id)
    result = ItemResult(bank.module, slot, variant_id, variant.kind, responses=len(rows))
    if len(rows) < min_cohort:
        result.suppressed = _suppressed(len(rows), min_cohort, "answered by")
        return result
    scores = [r.score for r in rows]
    rest = [totals[r.learner] - r.score for r in rows]
    result.difficulty = statistics.fmean(scores)
    result.point_biserial = point_biserial(scores, rest)
    result.upper_lower = upper_lower(scores, rest)
    result.options = [
        OptionCount(o.id, chr(65 + i), o.correct, sum(1 for r in rows if o.id in r.chosen))
        for i, o in enumerate(variant.options)
    ]
    result.flags = flags_for(result)
    return result


def analyse_module(bank: Bank, responses: Iterable[Response], min_cohort: int = MIN_COHORT) -> ModuleAnalysis:
    """Every item of ``bank`` that someone answered, in the bank's order; suppressed below ``min_cohort``."""
    if min_cohort < 2:
        raise ItemAnalysisError(f"the minimum cohort must be at least 2 (got {min_cohort})")
    rows = [r for r in responses if r.module == bank.module]
    totals: dict[str, float] = defaultdict(float)
    by_item: dict[tuple[str, str], list[Response]] = defaultdict(list)
    for r in rows:
        totals[r.learner] += r.score
        by_item[(r.slot, r.variant)].append(r)
    analysis = ModuleAnalysis(bank.module, learners=len(totals), min_cohort=min_cohort)
    if analysis.learners < min_cohort:
        analysis.suppressed = _suppressed(analysis.learners, min_cohort, "post-test answers from")
        return analysis
    unknown = {s for s, _ in by_item} - {s.id for s in bank.slots}
    if unknown:
        raise ItemAnalysisError(f"{bank.module} has no post-test slot {sorted(unknown)}")
    for slot in bank.slots:
        for v in slot.variants:
            if (slot.id, v.id) in by_item:
                analysis.items.append(
                    _item(bank, slot.id, v.id, by_item[(slot.id, v.id)], totals, min_cohort)
                )
    return analysis


# Output ----------------------------------------------------------------------------------------------------


def neutralise(cell: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading quote (OWASP CSV injection).

    Numbers are left as numbers; :func:`csv_figure` writes a negative figure as text, so that no
    cell the course writes starts with ``-``.
    """
    if isinstance(cell, str) and cell.startswith(_FORMULA_CHARS):
        return "'" + cell
    return cell


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.3f}"


def csv_figure(x: float | None) -> float | str:
    """A figure for a CSV: rounded to 3 places; empty when undefined.

    The course's rule is that no CSV cell starts with a formula character, ``-`` among them, so a
    negative figure (a point-biserial, a fall from before to after) is written as text, which the
    CSV writer gives a leading ``'``: a spreadsheet shows ``-0.22`` and runs nothing. Zero is
    never written ``-0.0``.
    """
    if x is None:
        return ""
    rounded = round(x, 3) + 0.0  # -0.0 + 0.0 is 0.0
    return str(rounded) if rounded < 0 else rounded


_cell = csv_figure


def options_text(result: ItemResult) -> str:
    """``A. a (key): 12; B. b: 3`` — each option's letter, id and how many chose it."""
    return "; ".join(
        f"{o.letter}. {o.option}{' (key)' if o.correct else ''}: {o.count}" for o in result.options
    )


CSV_COLUMNS = [
    "module",
    "slot",
    "variant",
    "kind",
    "responses",
    "difficulty",
    "point_biserial",
    "upper_lower",
    "options_chosen",
    "flags",
    "note",
]


def csv_rows(analysis: ModuleAnalysis) -> list[list[object]]:
    if analysis.suppressed:
        return [[analysis.module, "", "", "", "", "", "", "", "", "", analysis.suppressed]]
    return [
        [
            i.module,
            i.slot,
            i.variant,
            i.kind,
            i.responses,
            _cell(i.difficulty),
            _cell(i.point_biserial),
            _cell(i.upper_lower),
            options_text(i),
            "; ".join(i.flags),
            i.suppressed or "",
        ]
        for i in analysis.items
    ]


def csv_name(module: str) -> str:
    return f"item-analysis-{module}.csv"


def write_csv(analysis: ModuleAnalysis, folder: Path) -> Path:
    """``folder/item-analysis-mNN.csv``: one row per item, text cells neutralised."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / csv_name(analysis.module)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for row in csv_rows(analysis):
            writer.writerow([neutralise(c) if isinstance(c, str) and c else c for c in row])
    return path


def _html_row(i: ItemResult) -> str:
    name = f"{i.slot}, variant {i.variant}"
    if i.suppressed:
        return f"<tr><th scope='row'>{escape(name)}</th><td colspan='6'>{escape(i.suppressed)}</td></tr>"
    flags = escape(", ".join(i.flags)) if i.flags else "none"
    cells = [
        str(i.responses),
        _num(i.difficulty),
        _num(i.point_biserial) or "—",
        _num(i.upper_lower) or "—",
        escape(options_text(i)),
        flags,
    ]
    return f"<tr><th scope='row'>{escape(name)}</th>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def module_html(analysis: ModuleAnalysis) -> str:
    """One module's item analysis: a heading and one small table (or the reason it is not shown)."""
    mid = escape(analysis.module)
    parts = [
        f"<section aria-labelledby='item-analysis-{mid}'><h3 id='item-analysis-{mid}'>Post-test items: {mid}</h3>"
    ]
    parts += [f"<p class='note'>{escape(n)}</p>" for n in analysis.notes]
    if analysis.suppressed:
        parts.append(f"<p class='note'>{escape(analysis.suppressed)}</p></section>")
        return "".join(parts)
    if not analysis.items:
        parts.append("<p>No post-test answers were found for this module.</p></section>")
        return "".join(parts)
    head = "".join(
        f"<th scope='col'>{h}</th>"
        for h in (
            "Item",
            "Responses",
            "Difficulty",
            "Point-biserial",
            "Upper-lower",
            "Options chosen",
            "Flags",
        )
    )
    rows = "".join(_html_row(i) for i in analysis.items)
    parts.append(
        f"<table><caption>Item analysis of {analysis.learners} learners' post-tests in {mid}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>"
    )
    return "".join(parts)


def item_analysis_html(analyses: Sequence[ModuleAnalysis]) -> str:
    """The dashboard section: what the figures mean, then one table per module (escaped)."""
    intro = (
        "<h2 id='item-analysis'>Post-test item analysis</h2><p>Difficulty is the mean score on the item "
        "(the share right for a single-answer item). The point-biserial correlates the item with the rest "
        "of the test; the upper-lower index is the difference in mean score between the top and bottom "
        f"{round(100 * UPPER_LOWER_SHARE)}% of learners. Flags: too easy above {TOO_EASY:.2f}, too hard below "
        f"{TOO_HARD:.2f}, negative discrimination below {NEGATIVE_DISCRIMINATION:.2f} (check the key), low "
        f"discrimination below {LOW_DISCRIMINATION:.2f}, and any wrong option nobody chose.</p>"
    )
    return (
        "<section aria-labelledby='item-analysis'>"
        + intro
        + "".join(module_html(a) for a in analyses)
        + "</section>"
    )


def analyse_course(
    root: Path, banks: dict[str, Bank], modules: Sequence[str] | None = None, min_cohort: int = MIN_COHORT
) -> list[ModuleAnalysis]:
    """Each module's analysis from a course folder's collected answer files (notes say what is missing)."""
    wanted = list(modules) if modules else sorted(banks)
    missing = [m for m in wanted if m not in banks]
    if missing:
        raise ItemAnalysisError(
            f"no post-test bank for {', '.join(missing)}; the bank has {', '.join(sorted(banks))}"
        )
    out = []
    for mid in wanted:
        rows, notes = responses_from_answer_files(root, mid, banks[mid])
        analysis = analyse_module(banks[mid], rows, min_cohort)
        analysis.notes = notes
        out.append(analysis)
    return out


def item_analysis_section(root: Path, banks: dict[str, Bank], min_cohort: int = MIN_COHORT) -> str:
    """The dashboard hook: the HTML section for every module of ``banks``, from ``root``'s answer files."""
    return item_analysis_html(analyse_course(root, banks, None, min_cohort))
