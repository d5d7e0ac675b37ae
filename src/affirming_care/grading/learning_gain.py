"""Learning gain: what the group knew before the course, and after each module (issue 13, item 5).

Each learner answers the pre-course check (``pre-answers.json``, :mod:`affirming_care.precheck`)
before Module 1: one item per objective of every module, in a variant other than the one their
post-test draws. Each module's post-test (``mNN-answers.json``, its ``posttest`` section) then
tests the same objectives again. Both are scored by the post-test's own rule
(:func:`affirming_care.posttest.score_variant`), the variant always drawn again from the file's
seed, never read from the file.

For each module, and for each of its objectives, over the learners who have **both** a pre-check
and that module's post-test:

* **before**: the mean share of the pre-check's points earned on the module's (objective's) items;
* **after**: the mean share of the post-test's points earned on the module (on the objective's slots);
* **change**: after minus before (the same learners, so the difference is paired);
* **normalised gain** (Hake's class-average gain): change / (1 − before), the share of what there
  was left to learn that was learnt; undefined when everyone knew everything before.

An item left out counts as not right, as in the post-test; the pre-check asks learners to skip
what they do not know rather than guess.

Privacy, the dashboard's rules: learner ids only pair a learner's two files and appear in no
output; a module with fewer such learners than the minimum cohort size shows "fewer than N" and
no figure (its objectives neither). Answer files are read only through
:func:`affirming_care.store.read_answer_file` (by :func:`~affirming_care.grading.dashboard.collected_stores`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from html import escape
from pathlib import Path

from affirming_care.grading.course import GradingError
from affirming_care.grading.dashboard import MIN_COHORT, collected_stores
from affirming_care.grading.item_analysis import csv_figure
from affirming_care.grading.sanitise import safe_csv_writer
from affirming_care.posttest import Bank, bank_root, load_banks, score_hand_in, score_variant
from affirming_care.precheck import PRECHECK, full_variant, precheck_slots
from affirming_care.store import PostTestRecord

CSV_NAME = "learning-gain.csv"
Points = tuple[Fraction, int]
"""Points earned and points possible."""


class LearningGainError(GradingError):
    """The figures could not be made; the message says why."""


def course_banks(root: Path) -> dict[str, Bank] | None:
    """The post-test bank a course folder grades with: ``COURSE/posttest`` if it has one, else the
    shipped (or ``$AFFIRMING_CARE_BANK``) bank; None where there is none (the learner edition).

    Raises ContentError when the bank has problems.
    """
    own = root / "posttest"
    if own.is_dir():
        return load_banks(own)
    return load_banks() if bank_root().is_dir() else None


# What one learner's files earn ----------------------------------------------------------------------------


def _add(into: dict[str, Points], key: str, earned: Fraction, points: int) -> None:
    e, p = into.get(key, (Fraction(0), 0))
    into[key] = (e + earned, p + points)


def precheck_points(banks: Mapping[str, Bank], record: PostTestRecord) -> dict[str, dict[str, Points]]:
    """``{module: {objective: (earned, possible)}}`` of one pre-check, on the variants its seed showed.

    Raises ValueError for a slot the pre-check does not have or an option its variant does not have.
    """
    slots = precheck_slots(banks)
    unknown = set(record.answers) - {sid for _, sid in slots}
    if unknown:
        raise ValueError(f"the pre-check has no item {sorted(unknown)}")
    out: dict[str, dict[str, Points]] = {}
    for mid, sid in slots:
        slot, variant = full_variant(banks, mid, sid, record.seed)
        earned = score_variant(variant, record.answers.get(sid, ())) * slot.points
        _add(out.setdefault(mid, {}), slot.objective, earned, slot.points)
    return out


def posttest_points(bank: Bank, record: PostTestRecord) -> dict[str, Points]:
    """``{objective: (earned, possible)}`` of one module's post-test (ValueError as ``score_hand_in``)."""
    out: dict[str, Points] = {}
    for s in score_hand_in(bank, record.seed, record.answers).slots:
        _add(out, bank.slot(s.slot_id).objective, s.earned, s.points)
    return out


# The figures ---------------------------------------------------------------------------------------------


@dataclass
class Gain:
    """The figures of one module (``objective`` empty) or one objective; None when not shown."""

    module: str
    objective: str
    text: str
    learners: int
    before: float | None = None
    after: float | None = None
    change: float | None = None
    normalised: float | None = None
    suppressed: str | None = None


@dataclass
class ModuleGain:
    module: str
    label: str
    overall: Gain
    objectives: list[Gain] = field(default_factory=list)


@dataclass
class LearningGain:
    min_cohort: int
    modules: list[ModuleGain] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def taken(self) -> list[ModuleGain]:
        """The modules at least one learner has both a pre-check and a post-test of."""
        return [m for m in self.modules if m.overall.learners]

    def to_json(self) -> dict[str, object]:
        """The figures for ``dashboard.json``: the modules someone has taken (as in the CSV)."""
        return {
            "min_cohort": self.min_cohort,
            "notes": self.notes,
            "modules": [asdict(m) for m in self.taken],
        }


def _share(points: Sequence[Points]) -> Fraction:
    earned = sum((e for e, _ in points), Fraction(0))
    possible = sum(p for _, p in points)
    return earned / possible if possible else Fraction(0)


def _mean(values: Sequence[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def gain_of(
    module: str, objective: str, text: str, pairs: Sequence[tuple[Fraction, Fraction]], min_cohort: int
) -> Gain:
    """The figures from each learner's (before, after) shares; suppressed below ``min_cohort``."""
    result = Gain(module, objective, text, learners=len(pairs))
    if len(pairs) < min_cohort:
        result.suppressed = suppressed_text(len(pairs), min_cohort)
        return result
    before = _mean([b for b, _ in pairs])
    after = _mean([a for _, a in pairs])
    result.before, result.after, result.change = float(before), float(after), float(after - before)
    result.normalised = float((after - before) / (1 - before)) if before < 1 else None
    return result


def suppressed_text(n: int, min_cohort: int) -> str:
    if n == 0:
        return "No learner has both a pre-check and this post-test yet."
    return (
        f"Not shown: fewer than {min_cohort} learners have both a pre-check and this post-test, "
        "so no one can be singled out."
    )


def module_gain(
    bank: Bank,
    before: Mapping[str, Mapping[str, Points]],
    after: Mapping[str, Mapping[str, Points]],
    min_cohort: int,
    label: str | None = None,
) -> ModuleGain:
    """One module's figures from each paired learner's points (``{learner: {objective: points}}``)."""
    learners = sorted(set(before) & set(after))
    mid = bank.module
    pairs = [(_share(list(before[lid].values())), _share(list(after[lid].values()))) for lid in learners]
    out = ModuleGain(mid, label or f"Module {int(mid[1:])}", gain_of(mid, "", "", pairs, min_cohort))
    for objective in bank.objectives:
        per = [
            (_share([before[lid][objective.id]]), _share([after[lid][objective.id]]))
            for lid in learners
            if objective.id in before[lid] and objective.id in after[lid]
        ]
        gain = gain_of(mid, objective.id, objective.text, per, min_cohort)
        if out.overall.suppressed:  # an objective is never shown when its module is not
            gain = Gain(mid, objective.id, objective.text, gain.learners, suppressed=out.overall.suppressed)
        out.objectives.append(gain)
    return out


LEFT_OUT = "Left out, as unreadable or naming an item or option the bank does not have"


def _precheck_points(
    root: Path, banks: Mapping[str, Bank], notes: list[str]
) -> dict[str, dict[str, dict[str, Points]]]:
    """``{learner: {module: {objective: points}}}`` from every collected pre-check."""
    stores, damaged = collected_stores(root, PRECHECK)
    out: dict[str, dict[str, dict[str, Points]]] = {}
    bad = damaged.get(PRECHECK, 0)
    for lid, data in stores.get(PRECHECK, {}).items():
        if data.posttest is None:
            continue
        try:
            out[lid] = precheck_points(banks, data.posttest)
        except (ValueError, KeyError):
            bad += 1
    if bad:
        notes.append(f"{LEFT_OUT}: {bad} pre-check answer file{'' if bad == 1 else 's'}.")
    if not out:
        notes.append("No pre-check answers were found (submitted/<learner>/pre/pre-answers.json).")
    return out


def _posttest_points(
    root: Path, banks: Mapping[str, Bank], notes: list[str]
) -> dict[str, dict[str, dict[str, Points]]]:
    """``{module: {learner: {objective: points}}}`` from every collected module answer file."""
    stores, damaged = collected_stores(root)
    out: dict[str, dict[str, dict[str, Points]]] = {}
    bad: list[str] = []
    for mid, bank in sorted(banks.items()):
        n = damaged.get(mid, 0)
        for lid, data in stores.get(mid, {}).items():
            if data.posttest is None:
                continue
            try:
                out.setdefault(mid, {})[lid] = posttest_points(bank, data.posttest)
            except (ValueError, KeyError):
                n += 1
        if n:
            bad.append(f"{n} in {mid}")
    if bad:
        notes.append(f"{LEFT_OUT}: post-test answer files, {'; '.join(bad)}.")
    return out


def learning_gain(
    root: Path,
    banks: Mapping[str, Bank],
    min_cohort: int = MIN_COHORT,
    labels: Mapping[str, str] | None = None,
) -> LearningGain:
    """Every module's learning gain from a course folder's collected answer files."""
    if min_cohort < 2:
        raise LearningGainError(f"the minimum cohort must be at least 2 (got {min_cohort})")
    result = LearningGain(min_cohort)
    before = _precheck_points(root, banks, result.notes)
    after = _posttest_points(root, banks, result.notes)
    for mid, bank in sorted(banks.items()):
        pre = {lid: mods[mid] for lid, mods in before.items() if mid in mods}
        result.modules.append(module_gain(bank, pre, after.get(mid, {}), min_cohort, (labels or {}).get(mid)))
    return result


# Output ---------------------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "module",
    "objective",
    "objective_text",
    "learners",
    "before",
    "after",
    "change",
    "normalised_gain",
    "note",
]


_cell = csv_figure


def _learners(g: Gain, min_cohort: int) -> int | str:
    return f"fewer than {min_cohort}" if g.suppressed and g.learners else g.learners


def csv_rows(gain: LearningGain) -> list[list[object]]:
    """One row per module someone has taken (objective empty), then one per objective; suppressed
    rows hold no figure."""
    rows: list[list[object]] = []
    for m in gain.taken:
        for g in [m.overall, *m.objectives]:
            rows.append(
                [
                    g.module,
                    g.objective,
                    g.text.strip(),
                    _learners(g, gain.min_cohort),
                    _cell(g.before),
                    _cell(g.after),
                    _cell(g.change),
                    _cell(g.normalised),
                    g.suppressed or "",
                ]
            )
    return rows


def write_csv(gain: LearningGain, folder: Path) -> Path:
    """``folder/learning-gain.csv`` through the course's one safe CSV writer."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CSV_NAME
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = safe_csv_writer(fh)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(csv_rows(gain))
    return path


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{round(100 * x)}%"


def _points(x: float | None) -> str:
    if x is None:
        return "—"
    n = round(100 * x)
    return f"+{n} points" if n > 0 else (f"−{-n} points" if n < 0 else "no change")


def _gain(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}".replace("-", "−")


def _row(name: str, g: Gain, min_cohort: int) -> str:
    head = f"<th scope='row'>{escape(name)}</th>"
    if g.suppressed:
        return f"{head}<td>{escape(str(_learners(g, min_cohort)))}</td><td colspan='4'>{escape(g.suppressed)}</td>"
    cells = [str(g.learners), _pct(g.before), _pct(g.after), _points(g.change), _gain(g.normalised)]
    return head + "".join(f"<td>{escape(c)}</td>" for c in cells)


_HEAD = (
    "<thead><tr><th scope='col'>{first}</th><th scope='col'>Learners with both</th>"
    "<th scope='col'>Before (pre-check)</th><th scope='col'>After (post-test)</th>"
    "<th scope='col'>Change</th><th scope='col'>Normalised gain</th></tr></thead>"
)


def _objectives_html(m: ModuleGain, min_cohort: int, open_: bool) -> str:
    rows = "".join(f"<tr>{_row(g.text.strip(), g, min_cohort)}</tr>" for g in m.objectives)
    return (
        f"<details{' open' if open_ else ''}><summary>{escape(m.label)}: by objective</summary>"
        f"<table><caption>Learning gain by objective, {escape(m.label)}</caption>"
        f"{_HEAD.format(first='Objective')}<tbody>{rows}</tbody></table></details>"
    )


def learning_gain_html(gain: LearningGain, open_objectives: int = 0) -> str:
    """The dashboard section: what the figures mean, one table of modules, then each module's
    objectives (the first ``open_objectives`` of them unfolded). Everything is escaped."""
    parts = [
        "<section aria-labelledby='learning-gain'><h2 id='learning-gain'>Learning gain: before the course "
        "and after each module</h2>",
        "<p>Before is the pre-course check, taken before Module 1: one question per objective, in another "
        "version than the learner's post-test. After is the module's post-test. Both are the mean share of "
        "points earned, over the learners who took both (a question left out counts as not right). Change is "
        "after minus before, in percentage points; the normalised gain is the change as a share of what "
        "there was left to learn (change ÷ (1 − before)). Totals only: a module is shown only when at least "
        f"{gain.min_cohort} learners took both.</p>",
    ]
    parts += [f"<p class='note'>{escape(n)}</p>" for n in gain.notes]
    taken = gain.taken
    if taken:
        rows = "".join(f"<tr>{_row(m.label, m.overall, gain.min_cohort)}</tr>" for m in taken)
        parts.append(
            "<table><caption>Learning gain per module</caption>"
            f"{_HEAD.format(first='Module')}<tbody>{rows}</tbody></table>"
        )
    waiting = [m.label for m in gain.modules if not m.overall.learners]
    if waiting:
        parts.append(
            f"<p>No learner has both a pre-check and the post-test yet: {escape(', '.join(waiting))}.</p>"
        )
    shown = [m for m in gain.modules if not m.overall.suppressed]
    if shown:
        parts.append("<h3>By objective</h3>")
        parts += [_objectives_html(m, gain.min_cohort, i < open_objectives) for i, m in enumerate(shown)]
    parts.append("</section>")
    return "".join(parts)
