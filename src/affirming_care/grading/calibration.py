"""Calibration: do graders score reflections the same way, and the way the reference does? (issue 13)

``affirming_care grade calibrate setup`` writes a **round** into the course folder::

    calibration/<round>/
      items.html          what graders read: each item's text, its prompt and the anchored levels
      sheets/<grader>.csv one score sheet per grader: item, module, one column per criterion, note
      reference.json      the key: which items are exemplars and their reference scores (instructor only)
      round.json          modules, graders, items, when it was made

The items are the module's three exemplars (``assessment/rubric/mNN.yml``), without their labels or
scores, and a sample of the reflections handed in to the course folder (a rehearsal cohort's or a
real one's), anonymised: no learner id, and the roster's names taken out of the text. Items are
shuffled and numbered, so nothing tells a grader which is which.

``affirming_care grade calibrate report`` reads every filled sheet (two or more) and reports, per
criterion: exact agreement, adjacent (within one point) agreement and quadratic-weighted Cohen's
kappa for each pair of graders and for each grader against the reference (exemplars only), and the
items graders disagreed on most. Nothing here runs learner code: notebooks are read as JSON.

Kappa is computed here (:func:`quadratic_kappa`, exact fractions) rather than by adding scikit-learn
for one formula; the tests check it against a computation written out by hand.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING

from affirming_care.grading.course import GradingError, load_settings

if TYPE_CHECKING:
    from affirming_care.anchors import ModuleAnchors
    from affirming_care.loader import Course

ROUNDS = "calibration"
LEVELS = 4
"""Scores 0 to 3, as in content/rubric.yml."""
GRADER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
ROUND = GRADER
PLACEHOLDERS = {"", "write your reflection here.", "your answer here"}
FIXED_COLUMNS = ("item", "module")
NOTE = "note"
REFERENCE = "reference"


# --- Agreement figures --------------------------------------------------------------------------


def quadratic_kappa(a: Sequence[int], b: Sequence[int], levels: int = LEVELS) -> Fraction | None:
    """Cohen's kappa with quadratic weights for two raters' scores 0..levels-1 on the same items.

    kappa = 1 − Σ w·O / Σ w·E, where O counts the pairs of scores, E = (row total × column total) / n
    is what chance would give from each rater's own spread of scores, and w = (i − j)² (the usual
    scaling by (levels − 1)² cancels). None when chance disagreement is zero (both raters gave one
    and the same score to every item), where kappa is undefined.
    """
    if len(a) != len(b):
        raise ValueError(f"two raters must score the same items; got {len(a)} and {len(b)} scores")
    if not a:
        return None
    for x in (*a, *b):
        if not 0 <= x < levels:
            raise ValueError(f"score {x} is outside 0 to {levels - 1}")
    n = len(a)
    rows = [sum(1 for x in a if x == i) for i in range(levels)]
    cols = [sum(1 for y in b if y == j) for j in range(levels)]
    observed = sum((x - y) ** 2 for x, y in zip(a, b, strict=True))
    expected = Fraction(
        sum((i - j) ** 2 * rows[i] * cols[j] for i in range(levels) for j in range(levels)), n
    )
    if expected == 0:
        return None
    return 1 - Fraction(observed) / expected


@dataclass(frozen=True)
class Agreement:
    """How two sets of scores agree on one criterion."""

    first: str
    second: str
    criterion: str
    n: int
    exact: Fraction
    adjacent: Fraction
    kappa: Fraction | None


def agreement(first: str, second: str, criterion: str, a: Sequence[int], b: Sequence[int]) -> Agreement:
    n = len(a)
    exact = Fraction(sum(x == y for x, y in zip(a, b, strict=True)), n) if n else Fraction(0)
    near = Fraction(sum(abs(x - y) <= 1 for x, y in zip(a, b, strict=True)), n) if n else Fraction(0)
    return Agreement(first, second, criterion, n, exact, near, quadratic_kappa(a, b))


# --- Score sheets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetProblem:
    path: Path
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f" {self.field}:" if self.field else ""
        return f"{self.path}:{self.row}:{where} {self.message}"


class SheetError(GradingError):
    """One or more score sheets are wrong; ``problems`` names file, row, field and what was expected."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


Scores = dict[str, dict[str, int]]
"""item id → criterion id → score."""


def _score(text: str) -> int | None:
    text = text.strip()
    return int(text) if text in {"0", "1", "2", "3"} else None


def _header_problems(path: Path, header: list[str], criteria: Sequence[str]) -> list[SheetProblem]:
    expected = [*FIXED_COLUMNS, *criteria, NOTE]
    missing = [c for c in ("item", *criteria) if c not in header]
    unknown = [c for c in header if c not in expected]
    out = []
    if missing:
        out.append(SheetProblem(path, 1, "header", f"missing column(s) {missing}; expected {expected}"))
    if unknown:
        out.append(SheetProblem(path, 1, "header", f"unknown column(s) {unknown}; expected {expected}"))
    return out


def _row_scores(
    path: Path, line: int, row: dict[str, str], criteria: Sequence[str], problems: list[SheetProblem]
) -> dict[str, int]:
    scores = {}
    for c in criteria:
        raw = (row.get(c) or "").strip()
        value = _score(raw)
        if value is None:
            what = "is blank" if not raw else f"is {raw!r}"
            problems.append(SheetProblem(path, line, c, f"{what}; expected a whole number 0, 1, 2 or 3"))
        else:
            scores[c] = value
    return scores


def _csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            return header, list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SheetError([SheetProblem(path, 1, "", f"cannot be read as a UTF-8 CSV file: {exc}")]) from None


def _sheet_scores(
    path: Path, rows: list[dict[str, str]], criteria: Sequence[str], items: Sequence[str]
) -> tuple[Scores, list[SheetProblem]]:
    problems: list[SheetProblem] = []
    scores: Scores = {}
    for line, row in enumerate(rows, start=2):
        item = (row.get("item") or "").strip()
        if item not in items:
            problems.append(SheetProblem(path, line, "item", f"{item!r} is not an item of this round"))
        elif item in scores:
            problems.append(SheetProblem(path, line, "item", f"{item!r} is scored twice"))
        else:
            scores[item] = _row_scores(path, line, row, criteria, problems)
    if not any(p.field == "item" for p in problems):
        problems += [
            SheetProblem(path, len(rows) + 2, "item", f"{item!r} is missing; every item needs a row")
            for item in items
            if item not in scores
        ]
    return scores, problems


def read_sheet(path: Path, criteria: Sequence[str], items: Sequence[str]) -> Scores | None:
    """One grader's scores, or None if the sheet has not been started (every score blank).

    Raises SheetError naming the row (the header is row 1) and the column of every problem: an
    unknown or repeated item, a score that is not 0 to 3, a blank score in a sheet that was
    started, an item left out.
    """
    header, rows = _csv_rows(path)
    problems = _header_problems(path, header, criteria)
    if problems:
        raise SheetError(problems)
    if all(not (r.get(c) or "").strip() for r in rows for c in criteria):
        return None
    scores, problems = _sheet_scores(path, rows, criteria, items)
    if problems:
        raise SheetError(problems)
    return scores


# --- A round ------------------------------------------------------------------------------------


@dataclass
class Item:
    id: str
    module: str
    source: str  # "exemplar" or "cohort"
    text: str


@dataclass
class Round:
    name: str
    created: str
    criteria: list[str]
    modules: list[str]
    graders: list[str]
    items: list[dict[str, str]] = field(default_factory=list)  # id, module, source

    @property
    def item_ids(self) -> list[str]:
        return [i["id"] for i in self.items]


def round_dir(root: Path, name: str) -> Path:
    return root / ROUNDS / name


def _names(root: Path) -> list[str]:
    """The roster's ids and names, longest first, to take out of anonymised text."""
    from affirming_care.grading.gradebook import gradebook

    with gradebook(root) as gb:
        found = {x for s in gb.students for x in (s.id, s.first_name, s.last_name) if x and len(x) > 1}
    return sorted(found, key=len, reverse=True)


def anonymise(text: str, names: Sequence[str]) -> str:
    """The text with every roster id and name (whole words, any case) replaced by ``[name]``."""
    for name in names:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "[name]", text, flags=re.IGNORECASE)
    return text


def cohort_reflections(root: Path, module: str) -> list[tuple[str, str]]:
    """(learner id, reflection text) for each submission of ``module`` with a written reflection.

    The reflection is typed into the answer file (issue 11), so it is read from each hand-in's
    ``submitted/LEARNER/MODULE/MODULE-answers.json`` through the one reader; nothing is run, and a
    damaged or foreign file is skipped (the status command reports it).
    """
    from affirming_care.loader import cached_course
    from affirming_care.store import DamagedStore, read_answer_file, store_filename

    reflection = cached_course().module(module).reflection
    if reflection is None:
        return []
    out = []
    for path in sorted((root / "submitted").glob(f"*/{module}/{store_filename(module)}")):
        try:
            data = read_answer_file(path, module)
        except DamagedStore:
            continue
        record = data.reflections.get(reflection.id) if data is not None else None
        if record is not None and record.text.strip().lower() not in PLACEHOLDERS:
            out.append((path.parents[1].name, record.text.strip()))
    return out


def _items(
    root: Path, modules: Sequence[str], sample: int, seed: int
) -> tuple[list[Item], dict[str, dict[str, int]]]:
    from affirming_care.anchors import QUALITIES, course_anchors

    names = _names(root)
    items: list[Item] = []
    reference: dict[str, dict[str, int]] = {}
    for mid in modules:
        anchors = course_anchors(mid)
        if anchors is None:
            raise GradingError(
                f"No anchored rubric for {mid} (assessment/rubric/{mid}.yml); it is needed for a round."
            )
        pool: list[tuple[Item, dict[str, int] | None]] = []
        for q in QUALITIES:
            e = anchors.exemplar(q)
            pool.append((Item("", mid, "exemplar", e.text), {c: s.score for c, s in e.scores.items()}))
        rng = random.Random(f"{seed}:{mid}")
        written = cohort_reflections(root, mid)
        for _sid, text in rng.sample(written, min(sample, len(written))):
            pool.append((Item("", mid, "cohort", anonymise(text, names)), None))
        rng.shuffle(pool)
        for n, (item, ref) in enumerate(pool, start=1):
            item.id = f"{mid}-{n:02d}"
            items.append(item)
            if ref is not None:
                reference[item.id] = ref
    return items, reference


def setup_round(
    root: Path,
    modules: Sequence[str],
    graders: Sequence[str],
    *,
    sample: int = 4,
    seed: int = 2026,
    name: str | None = None,
) -> tuple[Round, Path]:
    """Write a calibration round into the course folder; return it and its folder."""
    from affirming_care.anchors import course_anchors
    from affirming_care.loader import cached_course

    load_settings(root)
    _check_names(graders, modules, name)
    name = name or datetime.now(UTC).strftime("round-%Y%m%d-%H%M")
    folder = round_dir(root, name)
    if folder.exists():
        raise GradingError(f"{folder} exists already; choose another --round name or remove that folder.")
    course = cached_course()
    criteria = [c.id for c in course.rubric.criteria]
    items, reference = _items(root, modules, sample, seed)
    rnd = Round(
        name,
        datetime.now(UTC).isoformat(timespec="seconds"),
        criteria,
        list(modules),
        list(graders),
        [{"id": i.id, "module": i.module, "source": i.source} for i in items],
    )
    (folder / "sheets").mkdir(parents=True)
    for grader in graders:
        with (folder / "sheets" / f"{grader}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow([*FIXED_COLUMNS, *criteria, NOTE])
            for i in items:
                writer.writerow([i.id, i.module, *([""] * len(criteria)), ""])
    (folder / "reference.json").write_text(
        json.dumps(reference, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    (folder / "round.json").write_text(json.dumps(asdict(rnd), indent=1) + "\n", encoding="utf-8")
    anchors = {m: course_anchors(m) for m in modules}
    (folder / "items.html").write_text(items_html(rnd, items, course, anchors), encoding="utf-8")
    return rnd, folder


def _check_names(graders: Sequence[str], modules: Sequence[str], name: str | None) -> None:
    from affirming_care.loader import cached_course

    if len(graders) < 2:
        raise GradingError("A calibration round needs two or more graders (--graders NAME NAME ...).")
    if len(set(graders)) != len(graders):
        raise GradingError(f"Each grader is named once; got {list(graders)}.")
    for g in graders:
        if not GRADER.match(g) or g == REFERENCE:
            raise GradingError(
                f"Grader name {g!r}: use letters, digits, - or _ (up to 40), not 'reference'; it names a file."
            )
    if name is not None and not ROUND.match(name):
        raise GradingError(f"Round name {name!r}: use letters, digits, - or _ (up to 40).")
    known = cached_course().modules
    for m in modules:
        if m not in known or known[m].reflection is None:
            raise GradingError(f"No module {m!r} with a reflection; modules are {sorted(known)}.")


def items_html(
    rnd: Round, items: Sequence[Item], course: Course, anchors: Mapping[str, ModuleAnchors | None]
) -> str:
    """The page graders read: per module, the prompt and the anchored levels, then the items."""
    import html

    from affirming_care.anchors import STYLE, levels_table_html

    e = html.escape
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Calibration round {e(rnd.name)}</title><style>{STYLE}</style></head><body><main>",
        f"<h1>Calibration round {e(rnd.name)}</h1>",
        "<p>Score every item on every criterion, 0 to 3, in your own score sheet "
        "(<code>sheets/YOUR-NAME.csv</code>). Score alone; do not discuss until the report. "
        "Some items are written for the course and some come from learners; all are anonymised.</p>",
    ]
    rubric = course.rubric
    for mid in rnd.modules:
        reflection = course.module(mid).reflection
        found = anchors.get(mid)
        if reflection is None or found is None:
            continue
        out.append(f"<section><h2>{e(mid)}: {e(reflection.title)}</h2>")
        out.append(f"<h3>The prompt</h3><blockquote>{e(reflection.prompt)}</blockquote>")
        out.append(levels_table_html(found, rubric))
        for item in (i for i in items if i.module == mid):
            out.append(f"<div class='exemplar'><h3 id='{e(item.id)}'>Item {e(item.id)}</h3>")
            out.append(f"<blockquote>{e(item.text)}</blockquote></div>")
        out.append("</section>")
    out.append("</main></body></html>\n")
    return "\n".join(out)


# --- The report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    item: str
    module: str
    source: str
    spread: int  # sum over criteria of (highest − lowest score among graders)
    scores: dict[str, dict[str, int]]  # grader (and "reference") → criterion → score


@dataclass
class Report:
    round: Round
    graders: list[str]
    not_started: list[str]
    pairs: list[Agreement]
    against_reference: list[Agreement]
    disagreements: list[Disagreement]
    path: Path | None = None


def load_round(root: Path, name: str | None) -> tuple[Round, Path]:
    base = root / ROUNDS
    if name is None:
        rounds = sorted(p for p in base.glob("*/round.json")) if base.is_dir() else []
        if not rounds:
            raise GradingError(
                f"No calibration round in {base}. Make one with `affirming_care grade calibrate setup`."
            )
        folder = max(rounds, key=lambda p: p.stat().st_mtime).parent
    else:
        folder = round_dir(root, name)
    try:
        data = json.loads((folder / "round.json").read_text(encoding="utf-8"))
        return Round(**data), folder
    except FileNotFoundError:
        raise GradingError(f"No calibration round {name!r} in {base} (no round.json).") from None
    except (json.JSONDecodeError, TypeError) as exc:
        raise GradingError(
            f"{folder / 'round.json'}: not a round file this version can read ({exc})."
        ) from None


def _disagreements(
    rnd: Round, sheets: dict[str, Scores], reference: dict[str, dict[str, int]]
) -> list[Disagreement]:
    out = []
    for meta in rnd.items:
        iid = meta["id"]
        by = {g: s[iid] for g, s in sheets.items()}
        spread = sum(max(v[c] for v in by.values()) - min(v[c] for v in by.values()) for c in rnd.criteria)
        if iid in reference:
            spread += sum(max(abs(v[c] - reference[iid][c]) for v in by.values()) for c in rnd.criteria)
            by = {**by, REFERENCE: reference[iid]}
        out.append(Disagreement(iid, meta["module"], meta["source"], spread, by))
    return sorted(out, key=lambda d: (-d.spread, d.item))


def _read_sheets(folder: Path, rnd: Round) -> tuple[dict[str, Scores], list[str]]:
    """Every filled sheet (grader → scores) and the names of sheets not started; SheetError if any is bad."""
    sheets: dict[str, Scores] = {}
    not_started: list[str] = []
    problems: list[SheetProblem] = []
    for path in sorted((folder / "sheets").glob("*.csv")):
        try:
            scores = read_sheet(path, rnd.criteria, rnd.item_ids)
        except SheetError as exc:
            problems += exc.problems
            continue
        if scores is None:
            not_started.append(path.stem)
        else:
            sheets[path.stem] = scores
    if problems:
        raise SheetError(problems)
    if len(sheets) < 2:
        raise GradingError(
            f"A report needs two or more filled score sheets in {folder / 'sheets'}; "
            f"filled: {sorted(sheets) or 'none'}, not started: {not_started or 'none'}."
        )
    return sheets, not_started


def _figures(
    rnd: Round, sheets: dict[str, Scores], reference: dict[str, dict[str, int]]
) -> tuple[list[Agreement], list[Agreement]]:
    """Per criterion: every pair of graders on every item; each grader and the reference on exemplars."""
    graders = sorted(sheets)
    ids = rnd.item_ids
    ref_ids = [i for i in ids if i in reference]
    pairs, against = [], []
    for c in rnd.criteria:
        for g1, g2 in combinations(graders, 2):
            pairs.append(
                agreement(g1, g2, c, [sheets[g1][i][c] for i in ids], [sheets[g2][i][c] for i in ids])
            )
        for g in graders:
            mine, ref = [sheets[g][i][c] for i in ref_ids], [reference[i][c] for i in ref_ids]
            against.append(agreement(g, REFERENCE, c, mine, ref))
    return pairs, against


def report(root: Path, name: str | None = None, *, top: int = 5) -> Report:
    """Read a round's sheets and compute its agreement figures; also write ``report.csv`` beside them."""
    rnd, folder = load_round(root, name)
    sheets, not_started = _read_sheets(folder, rnd)
    reference: dict[str, dict[str, int]] = json.loads((folder / "reference.json").read_text(encoding="utf-8"))
    pairs, against = _figures(rnd, sheets, reference)
    dis = [d for d in _disagreements(rnd, sheets, reference) if d.spread > 0][:top]
    result = Report(rnd, sorted(sheets), not_started, pairs, against, dis)
    result.path = write_report_csv(folder / "report.csv", result)
    return result


def _fmt(x: Fraction | None) -> str:
    return "" if x is None else f"{float(x):.3f}"


def write_report_csv(path: Path, rep: Report) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["criterion", "first", "second", "items", "exact", "adjacent", "quadratic_kappa"])
        for a in [*rep.pairs, *rep.against_reference]:
            writer.writerow(
                [a.criterion, a.first, a.second, a.n, _fmt(a.exact), _fmt(a.adjacent), _fmt(a.kappa)]
            )
    return path
