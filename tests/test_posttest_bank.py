"""The post-test bank (issue 11): its schema, draw and scoring, its loader and ``check``, and the
shape of every item in the shipped bank (``assessment/posttest``), with the figures printed."""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

from affirming_care.cli import main
from affirming_care.loader import ContentError, load_course
from affirming_care.posttest import (
    BANK_ROOT,
    Bank,
    Variant,
    draw,
    load_bank,
    load_banks,
    score_hand_in,
    score_variant,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "posttest"
MALFORMED = sorted((FIXTURES / "posttest-malformed").glob("*/m02.yml"))


# --- Draw ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small() -> Bank:
    return load_bank(SMALL / "m02.yml")


def test_one_seed_always_draws_the_same_test(small: Bank) -> None:
    assert draw(small, "learner-1") == draw(small, "learner-1")
    assert draw(small, 7) == draw(small, "7")


def test_each_draw_is_a_variant_of_each_slot_and_an_order_of_its_options(small: Bank) -> None:
    drawn = draw(small, "learner-1")

    assert [d.slot_id for d in drawn] == [s.id for s in small.slots]
    for d, slot in zip(drawn, small.slots, strict=True):
        variant = next(v for v in slot.variants if v.id == d.variant_id)
        assert sorted(d.option_order) == sorted(o.id for o in variant.options)


def test_different_seeds_draw_different_tests(small: Bank) -> None:
    draws = {tuple(draw(small, f"learner-{n}")) for n in range(40)}
    variants = Counter(d.variant_id for n in range(300) for d in draw(small, n))
    orders = Counter(d.option_order for n in range(300) for d in draw(small, n)[:1])

    assert len(draws) == 40
    # Three variants, 1500 draws: each variant comes up roughly a third of the time.
    assert all(400 < variants[v] < 600 for v in ("v1", "v2", "v3")), variants
    # All 24 orders of four options occur.
    assert len(orders) == 24, orders


def test_the_right_option_is_shown_in_every_position(small: Bank) -> None:
    positions = Counter()
    for n in range(400):
        d = draw(small, n)[0]
        variant = next(v for v in small.slots[0].variants if v.id == d.variant_id)
        positions[d.option_order.index(next(iter(variant.answer)))] += 1

    assert all(70 < positions[p] < 130 for p in range(4)), positions


def test_the_draw_does_not_depend_on_pythons_random(small: Bank) -> None:
    """Pinned once: a change here means every learner's stored seed now draws a different test."""
    first = draw(small, "pinned-seed")[0]

    assert first == ("m02-p-slot1", first.variant_id, first.option_order)
    assert (first.variant_id, first.option_order) == PINNED


PINNED = ("v2", ("b", "c", "d", "a"))


def test_a_slot_draws_the_same_when_another_slot_changes(small: Bank) -> None:
    data = small.model_dump()
    data["slots"][4]["variants"] = data["slots"][4]["variants"][:2]
    changed = Bank.model_validate(data)

    assert draw(changed, "s")[:4] == draw(small, "s")[:4]


# --- Scoring ------------------------------------------------------------------------------------


def item(kind: str, right: str) -> Variant:
    return Variant.model_validate(
        {
            "id": "v1",
            "kind": kind,
            "stem": "Which?",
            "rationale": "Because.",
            "options": [
                {"id": o, "text": o, "correct": o in right, "feedback": "why"} for o in ("a", "b", "c", "d")
            ],
        }
    )


@pytest.mark.parametrize(
    ("right", "chosen", "expected"),
    [
        # Two right (a, b), two wrong (c, d).
        ("ab", "ab", Fraction(1)),
        ("ab", "a", Fraction(1, 2)),
        ("ab", "abc", Fraction(1, 2)),  # 2 right - 1 wrong = 1, over 2
        ("ab", "abcd", Fraction(0)),  # 2 - 2 = 0
        ("ab", "ac", Fraction(0)),  # 1 - 1 = 0
        ("ab", "cd", Fraction(0)),  # -2, floored at 0
        ("ab", "", Fraction(0)),
        # One right (c).
        ("c", "c", Fraction(1)),
        ("c", "cd", Fraction(0)),
        # Three right (a, b, d).
        ("abd", "ab", Fraction(2, 3)),
        ("abd", "abcd", Fraction(2, 3)),  # 3 - 1 = 2, over 3
        ("abd", "abc", Fraction(1, 3)),  # 2 - 1 = 1, over 3
        ("abd", "d", Fraction(1, 3)),
    ],
)
def test_multiple_answer_partial_credit(right: str, chosen: str, expected: Fraction) -> None:
    assert score_variant(item("multiple", right), set(chosen)) == expected


@pytest.mark.parametrize(("chosen", "expected"), [("b", 1), ("a", 0), ("ab", 0), ("", 0)])
def test_single_answer_is_all_or_nothing(chosen: str, expected: int) -> None:
    assert score_variant(item("single", "b"), set(chosen)) == expected


def test_an_unknown_option_is_an_error_not_a_wrong_answer() -> None:
    with pytest.raises(ValueError, match=r"no option \['e'\]"):
        score_variant(item("single", "b"), {"e"})


def test_a_hand_in_is_graded_on_the_variants_its_seed_drew(small: Bank) -> None:
    """Two learners with different seeds each get full marks for their own right answers."""
    for seed in ("learner-a", "learner-b"):
        answers = {}
        for d in draw(small, seed):
            variant = next(v for v in small.slot(d.slot_id).variants if v.id == d.variant_id)
            answers[d.slot_id] = variant.answer
        score = score_hand_in(small, seed, answers)

        assert score.earned == 5 and score.fraction == 1.0
    # Slot 5 is multiple-answer (a, b right): choosing a and c earns 0; choosing a earns a half.
    half = score_hand_in(small, "x", {"m02-p-slot5": {"a"}})
    zero = score_hand_in(small, "x", {"m02-p-slot5": {"a", "c"}})

    assert half.earned == Fraction(1, 2) and half.possible == 5
    assert zero.earned == 0


def test_an_answer_to_a_slot_the_bank_lacks_is_an_error(small: Bank) -> None:
    with pytest.raises(ValueError, match="no post-test slot"):
        score_hand_in(small, "x", {"m02-p-nope": {"a"}})


# --- Loader and check ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", MALFORMED, ids=[p.parent.name for p in MALFORMED])
def test_a_malformed_bank_names_file_line_and_field(path: Path) -> None:
    expected = [
        (n, m[1], m[2])
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if (m := re.search(r"# expect field=(\S+) message=(.+)$", line))
    ]
    assert expected

    with pytest.raises(ContentError) as raised:
        load_banks(path.parent)

    problems = raised.value.problems
    for line, field, message in expected:
        assert any(p.line == line and p.field == field and message in p.message for p in problems), (
            f"expected line {line}, field {field!r}, message containing {message!r}; got:\n{raised.value}"
        )
    assert all(p.path == path for p in problems)


def test_a_bank_file_must_be_named_for_its_module(tmp_path: Path) -> None:
    (tmp_path / "m05.yml").write_text((SMALL / "m02.yml").read_text())
    (tmp_path / "module2.yml").write_text("module: m02\n")

    with pytest.raises(ContentError) as raised:
        load_banks(tmp_path)

    text = str(raised.value)
    assert "m05.yml:2: module: is 'm02' but the file is m05.yml" in text
    assert "module2.yml:1: a bank file is named for its module" in text


def test_check_fails_on_a_bad_bank_with_file_line_and_field(capsys: pytest.CaptureFixture[str]) -> None:
    bad = FIXTURES / "posttest-malformed" / "refs"

    code = main(["check", "--bank", str(bad)])

    err = capsys.readouterr().err
    assert code == 1
    assert f"{bad / 'm02.yml'}:78: slots[1].objective: 'explian' is not an objective id" in err


def test_check_passes_a_good_bank_folder(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--bank", str(SMALL)])

    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Post-test bank is valid: 1 modules, 5 slots, 15 items" in out.out


def test_check_fails_when_the_named_bank_folder_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--bank", str(tmp_path / "nowhere")]) == 1
    assert "no post-test bank folder here" in capsys.readouterr().err


# --- The shipped bank ---------------------------------------------------------------------------

MODULES = [f"m{n:02d}" for n in range(13)]
ABSOLUTE = re.compile(r"\b(never|always|only|must|all|none|just)\b", re.IGNORECASE)
OF_THE_ABOVE = re.compile(r"\b(all|none) of the above\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def banks() -> dict[str, Bank]:
    return load_banks(BANK_ROOT, load_course().curriculum.ids)


@pytest.fixture(scope="module")
def variants(banks: dict[str, Bank]) -> list[tuple[str, Variant]]:
    return [(mid, v) for mid, b in banks.items() for s in b.slots for v in s.variants]


def test_every_module_has_a_bank_of_five_slots_with_two_variants(banks: dict[str, Bank]) -> None:
    assert sorted(banks) == MODULES
    for mid, bank in banks.items():
        assert len(bank.slots) >= 5, mid
        assert all(len(s.variants) >= 2 for s in bank.slots), mid
    assert sum(len(s.variants) for b in banks.values() for s in b.slots) >= 130


def notebook_objectives(mid: str) -> list[str]:
    path = next((ROOT / "notebooks").glob(f"{mid}-*.ipynb"))
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        text = "".join(cell["source"])
        if text.startswith("## What you will be able to do"):
            return [line[2:].replace("**", "").strip() for line in text.splitlines() if line.startswith("- ")]
    raise AssertionError(f"{path} has no objectives cell")


@pytest.mark.parametrize("mid", MODULES)
def test_the_banks_objectives_are_the_notebooks(banks: dict[str, Bank], mid: str) -> None:
    """Each slot is tied to an objective the module's notebook states, word for word."""
    assert [o.text for o in banks[mid].objectives] == notebook_objectives(mid)


STOP = frozenset(
    re.findall(
        r"\S+",
        "a an and or but the of to in on at for with by from as is are was were be been it its this that these those "
        "you your yours she her he his him they them their we our i me my who whom which what when where how why "
        "do does did not no so if than then there here into about after before all any each every some such can "
        "could would should will may might has have had one two fits fit best guide choose apply response client "
        "clients which",
    )
)


def words(text: str) -> set[str]:
    """The content words of a text: lower-cased, without common words and words of three letters or fewer."""
    return {w for w in re.findall(r"[a-z']+", text.lower()) if len(w) > 3 and w not in STOP}


def overlap(a: str, b: str) -> float:
    """Shared content words over all content words of the two texts (Jaccard similarity)."""
    x, y = words(a), words(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def test_no_item_is_a_practice_check_reworded(banks: dict[str, Bank]) -> None:
    """No post-test stem shares 40 % of its content words with a practice check's prompt, in any module,
    and no post-test option of five or more content words shares 60 % of them with a practice option."""
    questions = load_course().all_questions()
    worst_stem = worst_option = 0.0
    for mid, bank in banks.items():
        for slot in bank.slots:
            for v in slot.variants:
                for q in questions:
                    stem = overlap(v.stem, q.prompt)
                    worst_stem = max(worst_stem, stem)
                    assert stem < 0.4, (mid, slot.id, v.id, q.id, round(stem, 2))
                    for o in v.options:
                        if len(words(o.text)) < 5:
                            continue
                        for p in q.options:
                            same = overlap(o.text, p.text)
                            worst_option = max(worst_option, same)
                            assert same < 0.6, (mid, slot.id, v.id, o.id, q.id, p.id, o.text, p.text)
    print(f"\nlargest overlap with a practice check: stem {worst_stem:.2f}, option {worst_option:.2f}")


def learner_texts() -> list[tuple[Path, str]]:
    paths = [*sorted((ROOT / "notebooks").glob("*.ipynb"))]
    paths += [p for p in sorted((ROOT / "content").rglob("*")) if p.is_file()]
    paths += [p for p in sorted((ROOT / "book").rglob("*")) if p.is_file() and "_build" not in p.parts]
    out = []
    for p in paths:
        try:
            out.append((p, re.sub(r"\s+", " ", p.read_text(encoding="utf-8"))))
        except UnicodeDecodeError:
            continue
    return out


def test_no_post_test_stem_appears_where_learners_read(variants: list[tuple[str, Variant]]) -> None:
    texts = learner_texts()
    assert len(texts) > 50
    for mid, v in variants:
        stem = re.sub(r"\s+", " ", v.stem.strip())
        # Each sentence of the stem, long enough to be distinctive, is absent from learner files.
        for sentence in re.split(r"(?<=[.?!])\s+", stem):
            if len(sentence) < 40:
                continue
            for path, text in texts:
                assert sentence not in text, f"{mid} {v.id}: {sentence!r} is in {path}"


def longest_is_right(v: Variant) -> bool:
    lengths = sorted((len(o.text), o.correct) for o in v.options)
    return lengths[-1][1] and lengths[-1][0] > lengths[-2][0]


def figures(items: list[Variant]) -> dict[str, object]:
    single = [v for v in items if v.kind == "single"]
    multiple = [v for v in items if v.kind == "multiple"]
    positions = Counter(i for v in items for i, o in enumerate(v.options) if o.correct)
    right = [o.text for v in items for o in v.options if o.correct]
    wrong = [o.text for v in items for o in v.options if not o.correct]
    ratio = [
        len(next(o.text for o in v.options if o.correct))
        / statistics.mean(len(o.text) for o in v.options if not o.correct)
        for v in single
    ]
    return {
        "items": len(items),
        "single": len(single),
        "longest_right": sum(map(longest_is_right, single)),
        "length_ratio": round(statistics.mean(ratio), 2) if ratio else 0,
        "positions": [positions[i] for i in range(4)],
        "single_positions": [sum(1 for v in single if v.options[i].correct) for i in range(4)],
        "multiple_right_counts": dict(sorted(Counter(len(v.answer) for v in multiple).items())),
        "multiple_right_sets": len(
            {tuple(i for i, o in enumerate(v.options) if o.correct) for v in multiple}
        ),
        "absolute_right": round(sum(bool(ABSOLUTE.search(t)) for t in right) / len(right), 3),
        "absolute_wrong": round(sum(bool(ABSOLUTE.search(t)) for t in wrong) / len(wrong), 3),
    }


def test_print_the_shape_figures_per_module(banks: dict[str, Bank]) -> None:
    print()
    for mid, bank in banks.items():
        items = [v for s in bank.slots for v in s.variants]
        print(mid, f"slots={len(bank.slots)}", figures(items))
    print("all", figures([v for b in banks.values() for s in b.slots for v in s.variants]))


def test_the_right_option_is_rarely_the_longest(variants: list[tuple[str, Variant]]) -> None:
    f = figures([v for _, v in variants])
    assert f["longest_right"] <= f["single"] / 3, f


def test_no_position_holds_the_right_option_more_than_a_third(variants: list[tuple[str, Variant]]) -> None:
    """In stored order: each position holds the key of at most a third of single-answer items, and at
    most a third of the right options of multiple-answer items; within a module, at most half."""
    items = [v for _, v in variants]
    f = figures(items)
    assert max(f["single_positions"]) <= f["single"] / 3, f
    multiple = [v for v in items if v.kind == "multiple"]
    right = Counter(i for v in multiple for i, o in enumerate(v.options) if o.correct)
    assert max(right.values()) <= sum(right.values()) / 3, right
    for mid in MODULES:
        mine = [v for m, v in variants if m == mid]
        counts = Counter(i for v in mine for i, o in enumerate(v.options) if o.correct)
        assert max(counts.values()) <= len(mine) / 2, (mid, counts)


def test_multiple_answer_items_vary_in_how_many_and_which_are_right(
    variants: list[tuple[str, Variant]],
) -> None:
    f = figures([v for _, v in variants])
    counts = f["multiple_right_counts"]
    assert set(counts) == {1, 2, 3}, counts
    assert max(counts.values()) <= 0.6 * sum(counts.values()), counts
    assert f["multiple_right_sets"] >= 8, f


def test_shown_order_spreads_the_right_option_over_positions(banks: dict[str, Bank]) -> None:
    """As learners see them (shuffled by seed), single-answer keys sit in each position about a quarter
    of the time."""
    shown: Counter[int] = Counter()
    for seed in range(40):
        for bank in banks.values():
            for d in draw(bank, f"learner-{seed}"):
                variant = next(v for v in bank.slot(d.slot_id).variants if v.id == d.variant_id)
                if variant.kind == "single":
                    shown[d.option_order.index(next(iter(variant.answer)))] += 1
    total = sum(shown.values())
    print("\nshown positions of single-answer keys over 40 seeds:", [shown[i] for i in range(4)])
    assert all(0.2 < shown[i] / total < 0.3 for i in range(4)), shown


def test_no_all_or_none_of_the_above(variants: list[tuple[str, Variant]]) -> None:
    for mid, v in variants:
        for o in v.options:
            assert not OF_THE_ABOVE.search(o.text), (mid, v.id, o.text)


def test_absolute_words_are_no_likelier_in_wrong_options(variants: list[tuple[str, Variant]]) -> None:
    f = figures([v for _, v in variants])
    assert f["absolute_wrong"] <= f["absolute_right"], f


def test_options_are_of_matched_length(variants: list[tuple[str, Variant]]) -> None:
    """Within an item, no option is more than about twice as long as another, and the right ones are
    on average no longer than the wrong ones by more than a tenth."""
    for mid, v in variants:
        lengths = [len(o.text) for o in v.options]
        assert max(lengths) <= 2.2 * min(lengths), (mid, v.id, lengths)
    f = figures([v for _, v in variants])
    assert f["length_ratio"] <= 1.1, f


def test_every_option_has_feedback_without_guide_point_codes(variants: list[tuple[str, Variant]]) -> None:
    code = re.compile(r"\b[A-Z]+(?:-[A-Z]+)+\b")
    for mid, v in variants:
        for text in [v.rationale, *(o.feedback for o in v.options)]:
            assert not code.search(text), (mid, v.id, text)
            assert len(text.split()) >= 6, (mid, v.id, text)


CONTENT_WORDS = re.compile(
    r"\b(police|raid|violen\w*|assault\w*|hurt|drug\w*|cocaine|overdose|suicid\w*|self-harm|end (?:her|his|their) life)\b",
    re.IGNORECASE,
)


def test_items_on_violence_police_substances_or_self_harm_carry_a_content_note(
    variants: list[tuple[str, Variant]],
) -> None:
    for mid, v in variants:
        text = " ".join([v.stem, *(o.text for o in v.options)])
        if CONTENT_WORDS.search(text):
            assert v.content_note is not None, (mid, v.id, CONTENT_WORDS.search(text)[0])


def test_the_language_rules_hold(variants: list[tuple[str, Variant]]) -> None:
    for mid, v in variants:
        texts = [v.stem, v.rationale, *(o.text for o in v.options), *(o.feedback for o in v.options)]
        for text in texts:
            assert not re.search(r"\bprostitut", text, re.IGNORECASE), (mid, v.id, text)
            assert not re.search(r"\byour own (history|experience of sex work)\b", text, re.IGNORECASE)
