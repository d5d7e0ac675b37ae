"""The cohort dashboard: what a facilitator needs to plan the next session, and nothing about anyone.

It reads an instructor's course folder (``affirming_care grade init`` made it; nbgrader filled it):

* the gradebook, for each module's score distribution: the autograded checks for every
  submission, and the total for submissions whose reflection has been graded;
* the collected answer stores, ``submitted/<learner>/<mNN>/<mNN>-answers.json`` (else the copy in
  ``autograded/``), for each question the share of learners choosing each option, and for each
  decision point of each case the share choosing each response. Only **first** attempts count:
  a learning notebook explains every option at once, so later answers say little about what
  learners thought before.

Privacy rules, which the tests check:

* aggregates only: learner ids are used to count, and appear in no chart, table or file written;
* a chart (and its numbers) is drawn only when at least ``min_cohort`` learners (default 5) are
  in it; below that the report says so and draws nothing, so no one can be singled out.

Output: PNG charts (matplotlib, Agg), ``index.html`` with every chart's alt text and the numbers
behind it, and ``dashboard.json`` with the same aggregates.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from html import escape
from pathlib import Path
from typing import Any, Literal

from affirming_care.content import FIT_LABELS
from affirming_care.grading.course import CourseSettings, load_settings, settings_path
from affirming_care.grading.gradebook import open_gradebook
from affirming_care.grading.scores import final_score
from affirming_care.loader import Course, ModuleContent, cached_course
from affirming_care.store import AnswerFile, DamagedStore, read_answer_file, store_filename

MIN_COHORT = 5
MISCONCEPTION_SHARE = 0.2
"""A wrong option or a harmful response chosen first by at least this share is listed to take up."""
_MODULE_RE = re.compile(r"^m\d\d$")
_CHART_RE = re.compile(r"^m\d\d-.+\.png$")


class DashboardError(Exception):
    """The dashboard could not be made; the message says why and what to do."""


# What the dashboard holds -------------------------------------------------------------------------------


@dataclass
class Share:
    """How many learners chose one option (or one response) first."""

    option: str
    letter: str
    text: str
    verdict: str
    misconception: bool
    count: int
    share: float
    feedback: str


@dataclass
class ItemStats:
    """One knowledge check, or one decision point of a case."""

    module: str
    kind: Literal["check", "case"]
    id: str
    title: str
    multiple: bool
    answered: int
    shares: list[Share] = field(default_factory=list)
    chart: str | None = None
    alt: str = ""
    suppressed: str | None = None


@dataclass
class ScoreStats:
    """A module's score distribution: ``checks`` (autograded) or ``total`` (fully graded)."""

    module: str
    kind: Literal["checks", "total"]
    count: int
    bins: list[int] = field(default_factory=list)
    """Learners in each band of ten percentage points: 0-9%, 10-19%, ... 90-100%."""
    median: float | None = None
    at_pass_mark: int = 0
    pass_mark: float = 0.75
    chart: str | None = None
    alt: str = ""
    suppressed: str | None = None


@dataclass
class ModuleSection:
    id: str
    number: int | None
    title: str
    stores: int = 0
    submissions: int = 0
    graded: int = 0
    waiting: int = 0
    damaged: int = 0
    scores: list[ScoreStats] = field(default_factory=list)
    items: list[ItemStats] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"Module {self.number}: {self.title}" if self.number is not None else self.title


@dataclass
class Misconception:
    module: str
    item: str
    item_title: str
    letter: str
    text: str
    verdict: str
    share: float
    count: int
    answered: int
    feedback: str


@dataclass
class Dashboard:
    out: Path
    cohort: int
    min_cohort: int
    pass_mark: float
    modules: list[ModuleSection] = field(default_factory=list)
    misconceptions: list[Misconception] = field(default_factory=list)
    suppressed: str | None = None
    gradebook: bool = False
    notes: list[str] = field(default_factory=list)
    html: Path | None = None
    json: Path | None = None
    threshold: float = MISCONCEPTION_SHARE

    @property
    def charts(self) -> list[Path]:
        names = [s.chart for m in self.modules for s in m.scores if s.chart]
        names += [i.chart for m in self.modules for i in m.items if i.chart]
        return [self.out / n for n in names]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "affirming-care/cohort-dashboard",
            "version": 1,
            "cohort": self.cohort,
            "min_cohort": self.min_cohort,
            "pass_mark": self.pass_mark,
            "suppressed": self.suppressed,
            "gradebook": self.gradebook,
            "notes": self.notes,
            "misconceptions": [asdict(m) for m in self.misconceptions],
            "modules": [
                {
                    "id": m.id,
                    "number": m.number,
                    "title": m.title,
                    "stores": m.stores,
                    "submissions": m.submissions,
                    "graded": m.graded,
                    "waiting": m.waiting,
                    "damaged": m.damaged,
                    "scores": [asdict(s) for s in m.scores],
                    "items": [asdict(i) for i in m.items],
                }
                for m in self.modules
            ],
        }


# Reading the course folder --------------------------------------------------------------------------------


def collected_stores(
    root: Path, assignments: str = "m[0-9][0-9]"
) -> tuple[dict[str, dict[str, AnswerFile]], Counter[str]]:
    """Every learner's answer store per module: ``{module: {learner: store}}``, and damaged counts.

    ``submitted/`` is read first; ``autograded/`` fills in learners whose submission is not there.
    ``assignments`` is a glob of the assignment names read: every module by default, ``"pre"`` for
    the pre-course check.
    """
    stores: dict[str, dict[str, AnswerFile]] = {}
    damaged: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    for step in ("submitted", "autograded"):
        folder = root / step
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*/{assignments}/{assignments}-answers.json")):
            learner, mid = path.parts[-3], path.parts[-2]
            if path.name != store_filename(mid) or (learner, mid) in seen:
                continue
            seen.add((learner, mid))
            try:
                data = read_answer_file(path)
                if data is None:
                    continue
                if data.module != mid:
                    raise DamagedStore(path, f"field module: is {data.module!r}, expected {mid!r}")
            except DamagedStore:
                damaged[mid] += 1
                continue
            stores.setdefault(mid, {})[learner] = data
    return stores, damaged


@dataclass
class Submission:
    checks: float | None
    """Autograded share of the checks' points (None when the module has no autograded points)."""
    total: float | None
    """Share of all points, once every part is graded (None while a reflection waits)."""
    passed: bool | None = None
    """The module's pass rule (``exports.ModuleGrade.verdict``): None while a part waits for a grader."""


def gradebook_scores(root: Path) -> tuple[dict[str, list[Submission]], set[str]] | None:
    """Each module's submissions as score shares, and the learners in the gradebook; None if no gradebook."""
    from affirming_care.grading.exports import module_grade

    settings = load_settings(root) if settings_path(root).exists() else CourseSettings()
    with open_gradebook(root) as gb:
        if gb is None:
            return None
        learners = {s.id for s in gb.students}
        scores: dict[str, list[Submission]] = {}
        for a in gb.assignments:
            subs = scores.setdefault(a.name, [])
            for sub in a.submissions:
                checks = sub.code_score / sub.max_code_score if sub.max_code_score else None
                total = None
                if not sub.needs_manual_grade and sub.max_score:
                    total = final_score(sub) / sub.max_score
                verdict = module_grade(a, sub, settings.reflection_threshold).verdict(settings.pass_mark)
                passed = None if verdict == "waiting" else verdict == "passed"
                subs.append(Submission(checks=checks, total=total, passed=passed))
    return scores, learners


def _pass_mark(root: Path, course: Course) -> float:
    if settings_path(root).exists():
        return load_settings(root).pass_mark
    return course.curriculum.pass_mark


# Counting --------------------------------------------------------------------------------------------------


def _letter(i: int) -> str:
    return chr(65 + i)


def check_stats(mod: ModuleContent, stores: dict[str, AnswerFile]) -> list[ItemStats]:
    """For every check, how many learners chose each option at their first attempt."""
    out = []
    for q in mod.questions:
        firsts = []
        for data in stores.values():
            record = data.checks.get(q.id)
            if record is None:
                continue
            first = record.attempts[0].selected if record.attempts else record.selected
            if first:
                firsts.append(set(first))
        n = len(firsts)
        item = ItemStats(
            module=mod.meta.id,
            kind="check",
            id=q.id,
            title=q.prompt.strip(),
            multiple=q.kind == "multiple",
            answered=n,
        )
        for i, o in enumerate(q.options):
            count = sum(1 for f in firsts if o.id in f)
            item.shares.append(
                Share(
                    option=o.id,
                    letter=_letter(i),
                    text=o.text.strip(),
                    verdict="right answer" if o.correct else "not right",
                    misconception=not o.correct,
                    count=count,
                    share=count / n if n else 0.0,
                    feedback=o.feedback.strip(),
                )
            )
        out.append(item)
    return out


def case_stats(mod: ModuleContent, stores: dict[str, AnswerFile]) -> list[ItemStats]:
    """For every decision point of every case, the response each learner chose first there."""
    out = []
    for vid, v in sorted(mod.vignettes.items()):
        for scene in v.decision_points:
            firsts = []
            for data in stores.values():
                record = data.vignettes.get(vid)
                if record is None:
                    continue
                first = next((e.choice for e in record.events if e.scene == scene.id), None)
                if first is not None:
                    firsts.append(first)
            n = len(firsts)
            counts = Counter(firsts)
            item = ItemStats(
                module=mod.meta.id,
                kind="case",
                id=f"{vid}--{scene.id}",
                title=f"{v.title}: {scene.prompt}",
                multiple=False,
                answered=n,
            )
            for i, c in enumerate(scene.choices):
                item.shares.append(
                    Share(
                        option=c.id,
                        letter=_letter(i),
                        text=c.text.strip(),
                        verdict=FIT_LABELS[c.fit].lower(),
                        misconception=c.fit != "strong",
                        count=counts[c.id],
                        share=counts[c.id] / n if n else 0.0,
                        feedback=c.feedback.strip(),
                    )
                )
            out.append(item)
    return out


def score_stats(
    module: str, kind: Literal["checks", "total"], values: list[float], pass_mark: float
) -> ScoreStats:
    bins = [0] * 10
    for v in values:
        bins[min(int(round(v * 100, 6) // 10), 9)] += 1
    ordered = sorted(values)
    median = None
    if ordered:
        mid = len(ordered) // 2
        median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return ScoreStats(
        module=module,
        kind=kind,
        count=len(values),
        bins=bins,
        median=median,
        at_pass_mark=sum(1 for v in values if v >= pass_mark - 1e-9),
        pass_mark=pass_mark,
    )


# Words -----------------------------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{round(100 * x)}%"


def _suppressed(n: int, min_cohort: int, what: str) -> str:
    people = "learner" if n == 1 else "learners"
    return (
        f"Not shown: {what} {n} {people}, fewer than the minimum of {min_cohort}, "
        "so no one can be singled out."
    )


BAND_LABELS = [f"{10 * i}–{10 * i + 9}%" for i in range(9)] + ["90–100%"]


def _passed_words(s: ScoreStats) -> str:
    if s.kind == "checks":
        return f"{s.at_pass_mark} of {s.count} at or above the pass mark of {_pct(s.pass_mark)}."
    return (
        f"{s.at_pass_mark} of {s.count} passed the module (post-test at or above {_pct(s.pass_mark)} "
        "and the reflection at or above the rubric threshold)."
    )


def score_alt(label: str, s: ScoreStats) -> str:
    what = (
        "autograded post-test scores"
        if s.kind == "checks"
        else "total scores (post-test and graded reflection)"
    )
    bands = "; ".join(f"{BAND_LABELS[i]}: {c}" for i, c in enumerate(s.bins) if c)
    median = f" Median {_pct(s.median)}." if s.median is not None else ""
    return (
        f"Bar chart of {what} for {label}, from {s.count} submissions, in bands of ten percentage points. "
        f"Learners per band: {bands}.{median} {_passed_words(s)}"
    )


def item_alt(item: ItemStats) -> str:
    what = "the knowledge check" if item.kind == "check" else "the decision point in the case"
    shares = "; ".join(f"{s.letter} ({s.verdict}): {s.count}, {_pct(s.share)}" for s in item.shares)
    more = (
        " Learners could choose more than one option, so the shares add up to more than 100%."
        if item.multiple
        else ""
    )
    return (
        f"Bar chart of the first answers of {item.answered} learners to {what} “{_short(item.title, 160)}”. "
        f"Learners choosing each option: {shares}.{more}"
    )


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


# Charts ----------------------------------------------------------------------------------------------------

_RIGHT, _WRONG, _PARTLY, _INK = "#1b7837", "#b2182b", "#b35806", "#222222"


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw_scores(s: ScoreStats, label: str, path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.6), dpi=110)
    try:
        ax.bar(range(10), s.bins, color="#2166ac", width=0.8)
        ax.set_xticks(range(10), BAND_LABELS, rotation=35, ha="right", fontsize=8.5)
        ax.set_ylabel("Learners")
        ax.yaxis.get_major_locator().set_params(integer=True)
        for i, c in enumerate(s.bins):
            if c:
                ax.text(i, c, str(c), ha="center", va="bottom", fontsize=8.5)
        ax.axvline(s.pass_mark * 10 - 0.5, color=_INK, linestyle="--", linewidth=1)
        ax.text(
            s.pass_mark * 10 - 0.6,
            0.97,
            f"pass mark {_pct(s.pass_mark)}",
            fontsize=8.5,
            ha="right",
            va="top",
            transform=ax.get_xaxis_transform(),
        )
        what = "Post-test (autograded)" if s.kind == "checks" else "Total score (fully graded)"
        ax.set_title(f"{_short(label, 60)}: {what}, {s.count} submissions", fontsize=10, loc="left")
        ax.set_ylim(0, max(s.bins) * 1.18 + 0.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)


def draw_item(item: ItemStats, path: Path) -> None:
    plt = _plt()
    labels = []
    for s in item.shares:
        wrapped = textwrap.wrap(f"{s.letter}. {s.text}", 46)[:3]
        if len(textwrap.wrap(f"{s.letter}. {s.text}", 46)) > 3:
            wrapped[-1] = wrapped[-1][:43] + "…"
        labels.append("\n".join([*wrapped, f"({s.verdict})"]))
    lines = sum(label.count("\n") + 1 for label in labels)
    fig, ax = plt.subplots(figsize=(8.5, 1.2 + 0.2 * lines + 0.25 * len(labels)), dpi=110)
    try:
        y = list(range(len(item.shares)))[::-1]
        colours = [
            _RIGHT
            if not s.misconception
            else (_WRONG if s.verdict in ("not right", "likely to cause harm") else _PARTLY)
            for s in item.shares
        ]
        hatches = ["" if not s.misconception else "//" for s in item.shares]
        bars = ax.barh(y, [100 * s.share for s in item.shares], color=colours, height=0.6)
        for bar, hatch in zip(bars, hatches, strict=True):
            bar.set_hatch(hatch)
            bar.set_edgecolor("white")
        ax.set_yticks(y, labels, fontsize=8)
        for yi, s in zip(y, item.shares, strict=True):
            ax.text(100 * s.share + 1.5, yi, f"{_pct(s.share)} ({s.count})", va="center", fontsize=8.5)
        ax.set_xlim(0, 118)
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        ax.set_xlabel(f"Share of the {item.answered} learners who answered (first attempt)")
        title = "\n".join(textwrap.wrap(_short(item.title, 200), 80)[:3])
        ax.set_title(title, fontsize=9.5, loc="left")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)


# Building the dashboard -----------------------------------------------------------------------------------


def _clear_old_charts(out: Path) -> None:
    for old in out.glob("*.png"):
        if _CHART_RE.match(old.name):
            old.unlink()


def _check_arguments(root: Path, min_cohort: int) -> None:
    if min_cohort < 2:
        raise DashboardError(
            f"--min-cohort must be at least 2 (got {min_cohort}): a chart of one learner shows that learner's answers."
        )
    if not root.is_dir():
        raise DashboardError(f"{root} is not a folder. Pass the course folder with --course DIR.")


def _suppressed_cohort(cohort: int, min_cohort: int) -> str | None:
    if cohort >= min_cohort:
        return None
    return (
        f"This cohort has {cohort} learner{'s' if cohort != 1 else ''}, fewer than the minimum "
        f"of {min_cohort}. No charts or counts are shown, so that no one can be singled out. "
        "Discuss the cases with the group instead, or lower --min-cohort only if every learner agrees."
    )


def _add_scores(dash: Dashboard, section: ModuleSection, subs: list[Submission], out: Path) -> None:
    """The checks and total score charts of one module (counts below the minimum are suppressed)."""
    checks = [s.checks for s in subs if s.checks is not None]
    totals = [s.total for s in subs if s.total is not None]
    for kind, values, who in (
        ("checks", checks, "these scores come from"),
        ("total", totals, "these totals come from"),
    ):
        stats = score_stats(section.id, kind, values, dash.pass_mark)  # type: ignore[arg-type]
        if kind == "total":  # a module passes by its pass rule, not by its total share
            stats.at_pass_mark = sum(1 for s in subs if s.total is not None and s.passed)
        if stats.count < dash.min_cohort:
            stats.bins, stats.median, stats.at_pass_mark = [], None, 0
            stats.suppressed = _suppressed(stats.count, dash.min_cohort, who)
        else:
            stats.chart = f"{section.id}-scores-{kind}.png"
            stats.alt = score_alt(section.label, stats)
            draw_scores(stats, section.label, out / stats.chart)
        section.scores.append(stats)


def _misconceptions(mid: str, item: ItemStats, threshold: float) -> list[Misconception]:
    return [
        Misconception(
            module=mid,
            item=item.id,
            item_title=item.title,
            letter=s.letter,
            text=s.text,
            verdict=s.verdict,
            share=s.share,
            count=s.count,
            answered=item.answered,
            feedback=s.feedback,
        )
        for s in item.shares
        if s.misconception and s.share >= threshold
    ]


def _add_items(
    dash: Dashboard,
    section: ModuleSection,
    mod: ModuleContent,
    per: dict[str, AnswerFile],
    out: Path,
    threshold: float,
) -> None:
    """Option shares of each check and case of one module, and the misconceptions among them."""
    for item in check_stats(mod, per) + case_stats(mod, per):
        section.items.append(item)
        if item.answered < dash.min_cohort:
            item.suppressed = _suppressed(item.answered, dash.min_cohort, "answers from")
            item.shares = []
            continue
        item.chart = f"{section.id}-{item.kind}-{item.id}.png"
        item.alt = item_alt(item)
        draw_item(item, out / item.chart)
        dash.misconceptions += _misconceptions(section.id, item, threshold)


def _write_report(dash: Dashboard, out: Path, course: Course) -> None:
    dash.misconceptions.sort(key=lambda m: (-m.share, m.module, m.item))
    dash.json = out / "dashboard.json"
    dash.json.write_text(json.dumps(dash.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    dash.html = out / "index.html"
    dash.html.write_text(report_html(dash, course), encoding="utf-8")


def _read_cohort(
    root: Path,
) -> tuple[dict[str, dict[str, AnswerFile]], Counter[str], dict[str, list[Submission]] | None, set[str]]:
    """Answer files, damaged counts, gradebook scores (None without a gradebook) and every learner."""
    stores, damaged = collected_stores(root)
    graded = gradebook_scores(root)
    if graded is None and not stores:
        raise DashboardError(
            f"{root} has no gradebook (gradebook.db) and no collected answer files "
            "(submitted/<learner>/<module>/<module>-answers.json). Collect and autograde a module first."
        )
    scores, gb_learners = graded if graded is not None else (None, set())
    learners = set(gb_learners) | {lid for per in stores.values() for lid in per}
    return stores, damaged, scores, learners


def _module_section(
    dash: Dashboard,
    mid: str,
    mod: ModuleContent | None,
    per: dict[str, AnswerFile],
    damaged: int,
    subs: list[Submission] | None,
    threshold: float,
) -> ModuleSection:
    """One module's counts and charts; ``subs`` is None without a gradebook."""
    section = ModuleSection(
        id=mid,
        number=mod.meta.number if mod else None,
        title=mod.meta.title if mod else mid,
        stores=len(per),
        damaged=damaged,
    )
    if dash.suppressed:  # not even counts: with so few learners they could identify someone
        section.stores = section.damaged = 0
        return section
    section.submissions = len(subs or [])
    section.graded = sum(1 for s in subs or [] if s.total is not None)
    section.waiting = section.submissions - section.graded
    if subs is not None:
        _add_scores(dash, section, subs, dash.out)
    if mod is not None:
        _add_items(dash, section, mod, per, dash.out, threshold)
    return section


def build_dashboard(
    root: Path,
    *,
    out: Path | None = None,
    min_cohort: int = MIN_COHORT,
    modules: list[str] | None = None,
    course: Course | None = None,
    threshold: float = MISCONCEPTION_SHARE,
) -> Dashboard:
    """Read ``root`` (a course folder), draw the charts and write the report into ``out``."""
    _check_arguments(root, min_cohort)
    course = course or cached_course()
    out = out or root / "dashboard"
    stores, damaged, scores, learners = _read_cohort(root)
    dash = Dashboard(
        out=out,
        cohort=len(learners),
        min_cohort=min_cohort,
        pass_mark=_pass_mark(root, course),
        gradebook=scores is not None,
    )
    if scores is None:
        dash.notes.append(
            "No gradebook was found, so there are no score charts; option shares come from answer files."
        )
    found = set(stores) | set(scores or {}) | set(damaged)
    wanted = sorted(m for m in (modules or found) if _MODULE_RE.match(m))
    unknown = [m for m in wanted if m not in course.modules]
    if unknown:
        dash.notes.append(f"Not in the course content, so only their scores are shown: {', '.join(unknown)}.")
    out.mkdir(parents=True, exist_ok=True)
    _clear_old_charts(out)
    dash.suppressed = _suppressed_cohort(dash.cohort, min_cohort)
    for mid in wanted:
        subs = None if scores is None else scores.get(mid, [])
        dash.modules.append(
            _module_section(
                dash, mid, course.modules.get(mid), stores.get(mid, {}), damaged.get(mid, 0), subs, threshold
            )
        )
    _write_report(dash, out, course)
    from affirming_care.grading.dashboard_sections import add_sections  # issue 13: items, evaluation

    add_sections(dash, root)
    return dash


# The report -----------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#1a1a1a;
 max-width:60rem;margin:0 auto;padding:1rem 1.5rem}
h1,h2,h3{line-height:1.25}figure{margin:1.5rem 0}img{max-width:100%;height:auto;border:1px solid #ccc}
figcaption{font-size:.95rem}table{border-collapse:collapse;font-size:.92rem;margin:.5rem 0}
th,td{border:1px solid #767676;padding:.25rem .5rem;text-align:left;vertical-align:top}
.note{border-left:4px solid #8a4b00;background:#fff6e5;padding:.5rem 1rem}
.muted{color:#444}a{color:#1a5fb4}:focus-visible{outline:2px solid #1a5fb4;outline-offset:2px}
"""


def _score_block(s: ScoreStats) -> str:
    heading = "Post-test (autograded)" if s.kind == "checks" else "Total score, once fully graded"
    if s.suppressed:
        return f"<h4>{heading}</h4><p class='note'>{escape(s.suppressed)}</p>"
    rows = "".join(
        f"<tr><th scope='row'>{BAND_LABELS[i]}</th><td>{c}</td></tr>" for i, c in enumerate(s.bins)
    )
    median = _pct(s.median) if s.median is not None else "none"
    return (
        f"<h4>{heading}</h4><figure><img src='{escape(s.chart or '')}' alt='{escape(s.alt, quote=True)}'>"
        f"<figcaption>{s.count} submissions; median {median}; {_passed_words(s)}</figcaption></figure>"
        "<details><summary>The numbers behind this chart</summary><table><caption>Learners per score band"
        f"</caption><thead><tr><th scope='col'>Score</th><th scope='col'>Learners</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details>"
    )


def _item_block(item: ItemStats) -> str:
    title = escape(_short(item.title, 300))
    if item.suppressed:
        return f"<h4>{title}</h4><p class='note'>{escape(item.suppressed)}</p>"
    rows = "".join(
        f"<tr><th scope='row'>{s.letter}. {escape(s.text)}</th><td>{escape(s.verdict)}</td>"
        f"<td>{s.count}</td><td>{_pct(s.share)}</td></tr>"
        for s in item.shares
    )
    more = " Learners could choose more than one option." if item.multiple else ""
    return (
        f"<h4>{title}</h4><figure><img src='{escape(item.chart or '')}' alt='{escape(item.alt, quote=True)}'>"
        f"<figcaption>First answers of {item.answered} learners.{more}</figcaption></figure>"
        "<details><summary>The numbers behind this chart</summary><table><caption>Learners choosing each "
        "option at their first attempt</caption><thead><tr><th scope='col'>Option</th><th scope='col'>Is it right?"
        f"</th><th scope='col'>Learners</th><th scope='col'>Share</th></tr></thead><tbody>{rows}</tbody></table>"
        "</details>"
    )


def _take_up_html(dash: Dashboard) -> list[str]:
    """The misconceptions to take up in the next session."""
    parts = ["<h2 id='take-up'>To take up in the next session</h2>"]
    if not dash.misconceptions:
        parts.append(
            f"<p>No wrong option or less helpful response was chosen first by {_pct(dash.threshold)} "
            "or more of the learners.</p>"
        )
        return parts
    parts.append(
        f"<p>Wrong options and less helpful responses that at least {_pct(dash.threshold)} of "
        "learners chose first, most chosen first. The reason each one misses is the course's own "
        "feedback: a starting point for discussion.</p><ol>"
    )
    for m in dash.misconceptions[:12]:
        where = f"Module {int(m.module[1:])}"
        parts.append(
            f"<li><p><strong>{_pct(m.share)}</strong> ({m.count} of {m.answered}) chose "
            f"<strong>{m.letter}. {escape(_short(m.text, 200))}</strong> ({escape(m.verdict)}) in "
            f"{where}: {escape(_short(m.item_title, 160))}</p>"
            f"<p class='muted'>Why: {escape(_short(m.feedback, 400))}</p></li>"
        )
    parts.append("</ol>")
    return parts


def _module_html(dash: Dashboard, m: ModuleSection) -> list[str]:
    parts = [f"<section aria-labelledby='{escape(m.id)}'><h2 id='{escape(m.id)}'>{escape(m.label)}</h2>"]
    if not dash.suppressed:
        facts = (
            f"{m.stores} learners sent answer files. The gradebook has {m.submissions} submissions: "
            f"{m.graded} fully graded, {m.waiting} waiting for a grader."
        )
        if m.damaged:
            facts += f" {m.damaged} answer files could not be read and are left out."
        parts.append(f"<p>{facts}</p>")
    if m.scores:
        parts.append("<h3>Scores</h3>")
        parts += [_score_block(s) for s in m.scores]
    checks = [i for i in m.items if i.kind == "check"]
    cases = [i for i in m.items if i.kind == "case"]
    if checks:
        parts.append("<h3>Knowledge checks: first answers</h3>")
        parts += [_item_block(i) for i in checks]
    if cases:
        parts.append("<h3>Cases: first response at each decision point</h3>")
        parts += [_item_block(i) for i in cases]
    parts.append("</section>")
    return parts


def report_html(dash: Dashboard, course: Course) -> str:
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Cohort dashboard: {escape(course.curriculum.title)}</title><style>{_CSS}</style></head>"
        "<body><main>",
        "<h1>Cohort dashboard</h1>",
        f"<p><strong>{escape(course.curriculum.title)}</strong>. Made on {date.today():%d %B %Y} from the "
        "gradebook and the answer files learners submitted. It shows totals only, never names: a chart is drawn "
        f"only when at least {dash.min_cohort} learners are in it. Shares of options count each learner's "
        "first attempt.</p>",
    ]
    for note in dash.notes:
        parts.append(f"<p class='note'>{escape(note)}</p>")
    if dash.suppressed:
        parts.append(f"<p class='note' role='status'>{escape(dash.suppressed)}</p>")
    else:
        parts.append(f"<p>{dash.cohort} learners in this cohort.</p>")
        parts += _take_up_html(dash)
    if dash.modules:
        parts.append("<nav aria-label='Modules'><h2>Modules</h2><ul>")
        parts += [f"<li><a href='#{escape(m.id)}'>{escape(m.label)}</a></li>" for m in dash.modules]
        parts.append("</ul></nav>")
    for m in dash.modules:
        parts += _module_html(dash, m)
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"
