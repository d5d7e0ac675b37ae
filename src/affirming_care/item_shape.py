"""The shape of a set of check items: the cues that let a learner guess an answer without knowing it.

Pure: no files, no course objects required. Give it items (a kind, and options in stored order, each
with its text and whether it is right) and it counts what a test-wise learner would exploit:

- how often the right option of a single-answer item is the strictly longest, and how much longer
  right options are than wrong ones;
- which positions hold the right option of 4-option single-answer items, in stored order or in any
  display order you pass;
- how many options are right in each multiple-answer item, and which positions;
- "all of the above" and "none of the above";
- how often absolute words ("never", "only", ...) appear in right options and in wrong ones;
- the same for words that justify or soften an option ("since", "so that", "gently", ...): when an
  author pads wrong options to match the length of right ones, such clauses tend to gather there.

Anything with ``id``, ``kind`` and ``options`` whose members have ``text`` and ``correct`` is an item,
so the content's ``Question`` objects can be passed as they are (see :func:`from_questions`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

ABSOLUTE_WORDS = ("never", "always", "only", "must", "all", "none", "just", "every")
_ABSOLUTE = re.compile(r"\b(" + "|".join(ABSOLUTE_WORDS) + r")\b", re.IGNORECASE)
RATIONALE_WORDS = ("since", "so that", "because", "in case", "gently")
_RATIONALE = re.compile(r"\b(" + "|".join(RATIONALE_WORDS) + r")\b", re.IGNORECASE)
_OF_THE_ABOVE = re.compile(r"\b(all|none|both|neither)\s+of\s+the\s+(above|others|options)\b", re.IGNORECASE)
LETTERS = "ABCDEFGH"


class _OptionLike(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def correct(self) -> bool: ...


class _ItemLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def options(self) -> Sequence[_OptionLike]: ...


@dataclass(frozen=True)
class Choice:
    """One option of an item: its text and whether it is right."""

    text: str
    correct: bool


@dataclass(frozen=True)
class Item:
    """One check item, options in stored order; ``group`` is what the report groups by (a module)."""

    id: str
    kind: Literal["single", "multiple"]
    options: tuple[Choice, ...]
    group: str = ""

    @property
    def right(self) -> list[int]:
        """Positions (0-based, stored order) of the right options."""
        return [i for i, o in enumerate(self.options) if o.correct]


def from_questions(questions: Iterable[_ItemLike], group: Callable[[str], str] | None = None) -> list[Item]:
    """Items from anything shaped like the content's ``Question``; ``group(id)`` names each one's group."""
    out: list[Item] = []
    for q in questions:
        if q.kind not in ("single", "multiple"):
            raise ValueError(f"item {q.id!r}: kind must be 'single' or 'multiple', got {q.kind!r}")
        kind: Literal["single", "multiple"] = "single" if q.kind == "single" else "multiple"
        options = tuple(Choice(" ".join(o.text.split()), bool(o.correct)) for o in q.options)
        out.append(Item(q.id, kind, options, group(q.id) if group else ""))
    return out


Order = Callable[[Item], Sequence[int]]
"""A display order: for an item, the stored positions in the order they are shown."""


def stored_order(item: Item) -> Sequence[int]:
    return range(len(item.options))


def has_absolute(text: str) -> bool:
    return _ABSOLUTE.search(text) is not None


def has_rationale(text: str) -> bool:
    return _RATIONALE.search(text) is not None


@dataclass
class Shape:
    """The figures for one set of items. Rates are fractions (0-1); ``None`` where nothing was counted."""

    singles: int = 0
    right_longest: int = 0
    length_ratios: list[float] = field(default_factory=list)
    four_option_singles: int = 0
    positions: Counter[str] = field(default_factory=Counter)
    single_positions: Counter[str] = field(default_factory=Counter)
    multiples: int = 0
    right_counts: Counter[str] = field(default_factory=Counter)
    multiple_positions: Counter[str] = field(default_factory=Counter)
    of_the_above: list[str] = field(default_factory=list)
    right_options: int = 0
    right_absolute: int = 0
    wrong_options: int = 0
    wrong_absolute: int = 0
    right_rationale: int = 0
    wrong_rationale: int = 0

    @property
    def longest_share(self) -> float | None:
        return self.right_longest / self.singles if self.singles else None

    @property
    def mean_length_ratio(self) -> float | None:
        return sum(self.length_ratios) / len(self.length_ratios) if self.length_ratios else None

    @property
    def top_position_share(self) -> float | None:
        n = self.four_option_singles
        return max(self.positions.values(), default=0) / n if n else None

    @property
    def right_absolute_rate(self) -> float | None:
        return self.right_absolute / self.right_options if self.right_options else None

    @property
    def wrong_absolute_rate(self) -> float | None:
        return self.wrong_absolute / self.wrong_options if self.wrong_options else None

    @property
    def right_rationale_rate(self) -> float | None:
        return self.right_rationale / self.right_options if self.right_options else None

    @property
    def wrong_rationale_rate(self) -> float | None:
        return self.wrong_rationale / self.wrong_options if self.wrong_options else None

    @property
    def positions_in_every_multiple(self) -> list[str]:
        """Positions that are right in every multiple-answer item (a give-away when there are several)."""
        if not self.multiples:
            return []
        return sorted(p for p, n in self.multiple_positions.items() if n == self.multiples)


def _add_single(shape: Shape, item: Item, order: Sequence[int]) -> None:
    shape.singles += 1
    lengths = [len(o.text) for o in item.options]
    right = item.right[0]
    others = [n for i, n in enumerate(lengths) if i != right]
    if all(lengths[right] > n for n in others):
        shape.right_longest += 1
    if others and sum(others):
        shape.length_ratios.append(lengths[right] / (sum(others) / len(others)))
    letter = LETTERS[list(order).index(right)]
    shape.single_positions[letter] += 1
    if len(item.options) == 4:
        shape.four_option_singles += 1
        shape.positions[letter] += 1


def _add_multiple(shape: Shape, item: Item, order: Sequence[int]) -> None:
    shape.multiples += 1
    shape.right_counts[f"{len(item.right)} of {len(item.options)}"] += 1
    shown = list(order)
    for r in item.right:
        shape.multiple_positions[LETTERS[shown.index(r)]] += 1


def measure(items: Iterable[Item], order: Order = stored_order) -> Shape:
    """Every figure over ``items``; positions are counted in ``order`` (stored order by default)."""
    shape = Shape()
    for item in items:
        shown = order(item)
        if sorted(shown) != list(range(len(item.options))):
            raise ValueError(f"item {item.id!r}: display order {list(shown)} is not a permutation")
        if item.kind == "single":
            _add_single(shape, item, shown)
        else:
            _add_multiple(shape, item, shown)
        if any(_OF_THE_ABOVE.search(o.text) for o in item.options):
            shape.of_the_above.append(item.id)
        for o in item.options:
            if o.correct:
                shape.right_options += 1
                shape.right_absolute += has_absolute(o.text)
                shape.right_rationale += has_rationale(o.text)
            else:
                shape.wrong_options += 1
                shape.wrong_absolute += has_absolute(o.text)
                shape.wrong_rationale += has_rationale(o.text)
    return shape


def binomial_upper(n: int, p: float, alpha: float) -> int:
    """The smallest k with P(X >= k) <= alpha for X ~ Binomial(n, p): a count chance rarely reaches."""
    tail = 1.0
    for k in range(n + 1):
        if tail <= alpha:
            return k
        tail -= math.comb(n, k) * p**k * (1 - p) ** (n - k)
    return n + 1


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _counts(c: Counter[str]) -> str:
    return " ".join(f"{k}:{c[k]}" for k in sorted(c)) or "-"


COLUMNS = ("group", "single", "longest", "ratio", "A B C D (4-opt single)", "A B C D (any single)", "multi", "right per multi",
           "multi positions", "abs right", "abs wrong", "why right", "why wrong", "of-the-above")  # fmt: skip


def row(name: str, shape: Shape) -> tuple[str, ...]:
    ratio = shape.mean_length_ratio
    return (
        name,
        str(shape.singles),
        f"{shape.right_longest} ({_pct(shape.longest_share)})",
        "-" if ratio is None else f"{ratio:.2f}",
        " ".join(str(shape.positions[x]) for x in "ABCD"),
        " ".join(str(shape.single_positions[x]) for x in "ABCD"),
        str(shape.multiples),
        _counts(shape.right_counts),
        _counts(shape.multiple_positions),
        f"{shape.right_absolute}/{shape.right_options} ({_pct(shape.right_absolute_rate)})",
        f"{shape.wrong_absolute}/{shape.wrong_options} ({_pct(shape.wrong_absolute_rate)})",
        f"{shape.right_rationale}/{shape.right_options} ({_pct(shape.right_rationale_rate)})",
        f"{shape.wrong_rationale}/{shape.wrong_options} ({_pct(shape.wrong_rationale_rate)})",
        str(len(shape.of_the_above)),
    )


def table(items: Sequence[Item], order: Order = stored_order) -> str:
    """A plain-text table: one row per group, in first-seen order, then the whole set."""
    groups = list(dict.fromkeys(i.group for i in items))
    rows: list[tuple[str, ...]] = [COLUMNS]
    if groups != [""]:
        rows += [row(g, measure([i for i in items if i.group == g], order)) for g in groups]
    rows.append(row("all", measure(items, order)))
    widths = [max(len(r[c]) for r in rows) for c in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(items: Sequence[Item], order: Order = stored_order) -> None:
    """Print :func:`table`, with a key to its columns."""
    print(table(items, order))
    print(
        "longest: single-answer items whose right option is the strictly longest; ratio: mean length of "
        "the right option over the mean of the wrong ones; abs: options with an absolute word "
        f"({', '.join(ABSOLUTE_WORDS)}); why: options with a justifying or softening word "
        f"({', '.join(RATIONALE_WORDS)})."
    )
