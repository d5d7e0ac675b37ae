"""The practice checks do not give their answers away by shape (issue 11; writing-items-and-cases.md).

Run with ``-s`` to see the figures per module. Limits, and why:

- Longest option: a right option that is the strictly longest in more than 35 % of single-answer items
  rewards "pick the longest". With 3-4 options, chance alone is 25-33 %. The opposite cue counts too:
  if the right option is almost never the longest, "rule out the longest" pays, so the share must
  also stay at or above 15 % (about half of chance).
- Position: in stored order, no letter may hold the right option in more than 35 % of 4-option
  single-answer items (chance is 25 %). For a shuffled display the count is random, so the limit there
  is a binomial bound: a count that chance reaches with probability under 1 % (0.25 % per letter, 4
  letters). Authors cannot tune a shuffle, so it gets the looser, justified bound.
- Multiple-answer items: the number right must vary, covering both 1 and all-but-one of the options,
  never all of them; and no position may be right in every such item.
- No "all of the above" / "none of the above".
- Absolute words: the wrong options' rate may exceed the right options' rate by at most 5 percentage
  points. With about 100 right and 170 wrong options, the standard error of the difference between
  two rates near 10 % is about 4 points, so 5 points allows sampling noise of roughly one standard
  error and no more; a set written to the rule sits at or below zero.
- Justifying words ("since", "so that", "gently", ...): the same rule and margin. Padding wrong
  options to match the right ones' length tends to add such clauses to them, a cue of its own.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from affirming_care.item_shape import (
    Choice,
    Item,
    binomial_upper,
    from_questions,
    has_rationale,
    measure,
    report,
    table,
)
from affirming_care.loader import Course

LONGEST_LIMIT = 0.35
LONGEST_FLOOR = 0.15
POSITION_LIMIT = 0.35
ABSOLUTE_MARGIN = 0.05
SHUFFLE_ALPHA = 0.01


@pytest.fixture(scope="module")
def items(course: Course) -> list[Item]:
    found = from_questions(course.all_questions(), group=lambda qid: qid.split("-", 1)[0])
    assert len(found) >= 52, "expected every practice check of every module"
    return found


@pytest.fixture(scope="module")
def course() -> Course:
    from affirming_care.loader import load_course

    return load_course()


def _seeded(seed: int) -> object:
    def order(item: Item) -> Sequence[int]:
        shown = list(range(len(item.options)))
        random.Random(f"{seed}:{item.id}").shuffle(shown)
        return shown

    return order


def test_the_figures_are_printed(items: list[Item], capsys: pytest.CaptureFixture[str]) -> None:
    report(items)
    out = capsys.readouterr().out
    with capsys.disabled():
        print("\n" + out)
    assert "all" in out and "m00" in out


def test_the_right_option_is_not_usually_the_longest(items: list[Item]) -> None:
    shape = measure(items)
    share = shape.longest_share
    said = f"right option strictly longest in {shape.right_longest} of {shape.singles} single-answer items"
    assert share is not None and share <= LONGEST_LIMIT, said
    assert share >= LONGEST_FLOOR, said + ": so rarely that ruling out the longest option pays"


def test_no_position_holds_the_right_option_more_than_chance_in_stored_order(items: list[Item]) -> None:
    shape = measure(items)
    n = shape.four_option_singles
    assert n >= 12, "too few 4-option single-answer items to judge positions"
    over = {p: c for p, c in shape.positions.items() if c / n > POSITION_LIMIT}
    assert not over, (
        f"right-answer positions {dict(shape.positions)} of {n}; over {POSITION_LIMIT:.0%}: {over}"
    )
    assert set(shape.positions) == set("ABCD"), f"some letter is never right: {dict(shape.positions)}"
    # Over every single-answer item (3 and 4 options; chance is 25-33 %), no letter stands out either.
    every = shape.single_positions
    assert max(every.values()) / shape.singles <= 0.4, (
        f"right-answer letters over all single items: {dict(every)}"
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_position_stands_out_in_a_shuffled_display(items: list[Item], seed: int) -> None:
    shape = measure(items, _seeded(seed))  # type: ignore[arg-type]
    n = shape.four_option_singles
    bound = binomial_upper(n, 0.25, SHUFFLE_ALPHA / 4)
    assert max(shape.positions.values()) < bound, (dict(shape.positions), n, bound)


def test_multiple_answer_items_vary_in_how_many_and_which_are_right(items: list[Item]) -> None:
    multiples = [i for i in items if i.kind == "multiple"]
    assert len(multiples) >= 5
    counts = {(len(i.right), len(i.options)) for i in multiples}
    assert any(k == 1 for k, _ in counts), f"no multiple-answer item has exactly one right option: {counts}"
    assert any(k == n - 1 for k, n in counts), f"none has all but one right: {counts}"
    every = [i.id for i in multiples if len(i.right) == len(i.options)]
    assert not every, f"every option is right in {every}"
    shape = measure(multiples)
    assert not shape.positions_in_every_multiple, (
        f"position(s) {shape.positions_in_every_multiple} right in every multiple-answer item"
    )
    assert len(shape.right_counts) >= 3, f"only {dict(shape.right_counts)} right-answer counts"


def test_no_all_or_none_of_the_above(items: list[Item]) -> None:
    assert measure(items).of_the_above == []


def test_absolute_words_are_no_likelier_in_wrong_options(items: list[Item]) -> None:
    shape = measure(items)
    right, wrong = shape.right_absolute_rate, shape.wrong_absolute_rate
    assert right is not None and wrong is not None
    assert wrong <= right + ABSOLUTE_MARGIN, (
        f"absolute words in {wrong:.0%} of wrong, {right:.0%} of right options"
    )


def test_justifying_words_are_no_likelier_in_wrong_options(items: list[Item]) -> None:
    shape = measure(items)
    right, wrong = shape.right_rationale_rate, shape.wrong_rationale_rate
    assert right is not None and wrong is not None
    assert wrong <= right + ABSOLUTE_MARGIN, (
        f"justifying words in {wrong:.0%} of wrong, {right:.0%} of right options"
    )


# The module's own arithmetic, on items made for the purpose -------------------------------------------


def _single(right_at: int, texts: Sequence[str], iid: str = "q") -> Item:
    return Item(iid, "single", tuple(Choice(t, i == right_at) for i, t in enumerate(texts)))


def test_measure_counts_longest_positions_and_absolute_words() -> None:
    items = [
        _single(0, ["the long right one", "short", "never this", "also no"], "q1"),
        _single(2, ["aa", "bb", "cc", "dddd"], "q2"),
        Item("q3", "multiple", (Choice("x", True), Choice("y", False), Choice("none of the above", True))),
    ]
    shape = measure(items)
    assert (shape.singles, shape.right_longest, shape.longest_share) == (2, 1, 0.5)
    assert dict(shape.positions) == {"A": 1, "C": 1}
    assert dict(shape.right_counts) == {"2 of 3": 1}
    assert shape.positions_in_every_multiple == ["A", "C"]
    assert shape.of_the_above == ["q3"]
    assert (shape.right_absolute, shape.right_options) == (1, 4)  # "none of the above" is right
    assert (shape.wrong_absolute, shape.wrong_options) == (1, 7)
    assert (shape.right_rationale, shape.wrong_rationale) == (0, 0)
    assert has_rationale("Do it, gently.") and not has_rationale("Sincerely")
    reversed_order = measure(items, lambda i: list(reversed(range(len(i.options)))))
    assert dict(reversed_order.positions) == {"D": 1, "B": 1}
    assert "q1" not in table(items) and "all" in table(items)


def test_a_bad_display_order_is_refused() -> None:
    with pytest.raises(ValueError, match="not a permutation"):
        measure([_single(0, ["a", "b"])], lambda i: [0, 0])


def test_binomial_bound() -> None:
    assert binomial_upper(40, 0.25, 0.0025) in range(17, 21)
    assert binomial_upper(4, 0.5, 1.0) == 0
