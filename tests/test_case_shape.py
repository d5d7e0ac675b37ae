"""Every case, old and new, varies in shape and gives no cue (issue 12, item 1).

The figures are printed, so a reviewer sees how far inside the bounds the cases sit:
decision points per case, responses per decision point, how often two responses are sound,
how often the longest response is a sound one compared with chance, which positions hold the
sound responses compared with chance, and any five-word phrase shared by more than three cases.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

import pytest

from affirming_care.content import GOOD_FITS, Scene, Vignette
from affirming_care.loader import Course, load_course

GRAM = 5
MAX_CASES = 3
STOP = (
    # The fit label the course shows for a defensible response, quoted in its feedback.
    "defensible with a trade off",
    # The disclaimer every case that turns on law must carry; repeating it is the point.
    "this course is not legal advice",
    "this is not legal advice",
)
"""Phrases allowed in more than three cases: a five-word run inside one of these, or containing one."""


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course()


def words(text: str) -> list[str]:
    """Lower-cased words with punctuation stripped (apostrophes kept, curly ones made straight)."""
    return re.sub(r"[^\w\s']", " ", text.lower().replace("\u2019", "'")).split()


def prose(v: Vignette) -> Iterator[str]:
    """The case's own prose. Scene prompts are left out: they are the interface's question
    ("What do you say?"), the same kind of text as a button label."""
    yield from (v.title, v.summary, v.client.reason)
    if v.content_note:
        yield v.content_note.text
    for s in v.scenes:
        yield s.text
        yield from (x.text for x in s.variants)
        for c in s.choices:
            yield from (c.text, c.feedback, c.client_voice)
    for e in v.endings:
        yield from (e.title, e.text)


def shared_phrases(cases: Iterable[Vignette]) -> dict[str, list[str]]:
    """Five-word phrases found in more than three cases (outside the stop list), with the cases."""
    where: dict[str, set[str]] = defaultdict(set)
    for v in cases:
        for text in prose(v):
            w = words(text)
            for i in range(len(w) - GRAM + 1):
                where[" ".join(w[i : i + GRAM])].add(v.id)
    return {
        g: sorted(ids)
        for g, ids in sorted(where.items())
        if len(ids) > MAX_CASES and not any(g in s or s in g for s in STOP)
    }


def sound(s: Scene) -> int:
    return sum(c.fit in GOOD_FITS for c in s.choices)


def strictly_longest_is_sound(s: Scene) -> bool:
    lengths = sorted((len(c.text) for c in s.choices), reverse=True)
    top = max(s.choices, key=lambda c: len(c.text))
    return top.fit in GOOD_FITS and lengths[0] > lengths[1]


def binomial_bound(ps: list[float], z: float = 2.0) -> float:
    """Mean plus ``z`` standard deviations of a sum of independent yes/no events with chances ``ps``."""
    return sum(ps) + z * math.sqrt(sum(p * (1 - p) for p in ps))


def test_the_phrase_finder_finds_a_shared_phrase_and_honours_the_stop_list(course: Course) -> None:
    cases = list(course.all_vignettes())[:5]
    stock = "Go back, and try the Repair!"
    tagged = [
        v.model_copy(update={"endings": [*v.endings, v.endings[0].model_copy(update={"text": stock})]})
        for v in cases
    ]
    assert shared_phrases(tagged).get("go back and try the") is not None
    assert words("You’re right, and I'm sorry.") == ["you're", "right", "and", "i'm", "sorry"]
    legal = [
        v.model_copy(update={"summary": "Rules differ; this course is not legal advice."}) for v in cases
    ]
    assert not any("legal" in g for g in shared_phrases(legal))


def test_no_stock_phrase_in_more_than_three_cases(course: Course) -> None:
    found = shared_phrases(course.all_vignettes())
    print(f"\nFive-word phrases in more than {MAX_CASES} cases: {len(found)}")
    for g, ids in found.items():
        print(f"  {len(ids)} {g!r}: {', '.join(ids)}")

    assert found == {}, "\n".join(f"{g!r} in {len(ids)} cases: {ids}" for g, ids in found.items())


def test_the_named_stock_patterns_are_gone(course: Course) -> None:
    """Patterns the issue names that a five-word scan cannot see: one word opening the client's
    voice, the same occupation, the same ending."""
    okay = Counter(
        v.id
        for v in course.all_vignettes()
        for s in v.scenes
        for c in s.choices
        if words(c.client_voice)[:1] == ["okay"]
    )
    engineering = {v.id for v in course.all_vignettes() if any("engineering" in t.lower() for t in prose(v))}
    bookkeeping = {v.id for v in course.all_vignettes() if any("bookkeeping" in t.lower() for t in prose(v))}
    regular_endings = {
        v.id for v in course.all_vignettes() for e in v.endings if "regulars" in e.text.lower()
    }
    print(
        f"\n'Okay' opens the client's voice {sum(okay.values())} times in {len(okay)} cases;"
        f" engineering students: {sorted(engineering)}; bookkeeping: {sorted(bookkeeping)};"
        f" endings that keep 'regulars': {sorted(regular_endings)}"
    )

    assert len(okay) <= MAX_CASES, okay
    assert len(engineering) <= 1, engineering
    assert len(bookkeeping) <= 1, bookkeeping
    assert len(regular_endings) <= 1, regular_endings


def test_every_case_varies_in_shape(course: Course) -> None:
    cases = list(course.all_vignettes())
    shapes = {v.id: [len(s.choices) for s in v.decision_points] for v in cases}
    per_case = Counter(len(p) for p in shapes.values())
    per_point = Counter(n for p in shapes.values() for n in p)
    print("\nDecision points per case, and responses at each:")
    for cid, p in shapes.items():
        print(f"  {cid}: {len(p)} {p}")
    print(f"Cases by decision points {dict(sorted(per_case.items()))}")
    print(f"Decision points by responses {dict(sorted(per_point.items()))}")

    assert all(2 <= n <= 6 for n in per_case), per_case
    assert per_case[2] >= 3 and sum(k for n, k in per_case.items() if n >= 4) >= 3, per_case
    assert all(2 <= n <= 5 for n in per_point), per_point
    assert per_point[2] >= 5 and sum(k for n, k in per_point.items() if n >= 4) >= 5, per_point
    assert max(per_point.values()) <= 0.6 * sum(per_point.values()), "one size still dominates"
    assert sum(len(p) == 3 and set(p) == {3} for p in shapes.values()) <= len(cases) / 3, (
        "too many cases keep the old three-by-three template"
    )

    triad = ["harmful", "partial", "strong"]
    is_triad = {v.id: [sorted(c.fit for c in s.choices) == triad for s in v.decision_points] for v in cases}
    points = sum(len(t) for t in is_triad.values())
    triads = sum(sum(t) for t in is_triad.values())
    print(f"Decision points with exactly one strong, one partial and one harmful answer: {triads}/{points}")
    assert triads <= 0.4 * points, "the strong-partial-harmful triad is still the rule"
    assert [cid for cid, t in is_triad.items() if all(t)] == [], "a case made only of triads"


def test_a_third_of_decision_points_have_two_sound_responses(course: Course) -> None:
    points = [s for v in course.all_vignettes() for s in v.decision_points]
    two = [s for s in points if sound(s) >= 2]
    defensible = [c for s in points for c in s.choices if c.fit == "defensible"]
    both = [s for s in points if sum(c.fit == "defensible" for c in s.choices) >= 2]
    print(
        f"\nTwo or more sound responses at {len(two)}/{len(points)} decision points;"
        f" {len(defensible)} responses marked defensible; two marked defensible (no single best answer)"
        f" at {len(both)}/{len(points)}"
    )

    assert len(two) >= len(points) / 3
    assert len(both) >= len(points) / 6, "few decision points without a single best answer"
    assert all(sound(s) >= 1 for s in points), "a decision point with no sound response"
    unnamed = [c.id for c in defensible if not re.search(r"trade-off|cost|but |price|risk", c.feedback)]
    assert unnamed == [], f"defensible feedback that names no trade-off: {unnamed}"


def test_length_and_position_give_no_cue(course: Course) -> None:
    points = [s for v in course.all_vignettes() for s in v.decision_points]
    longest = sum(strictly_longest_is_sound(s) for s in points)
    chances = [sound(s) / len(s.choices) for s in points]
    print(
        f"\nA sound response is the strictly longest at {longest}/{len(points)} decision points;"
        f" chance {sum(chances):.1f} (bound {binomial_bound(chances, 1.0):.1f})"
    )
    assert longest <= binomial_bound(chances, 1.0), "length gives the sound response away"

    for i in range(max(len(s.choices) for s in points)):
        at = [s for s in points if len(s.choices) > i]
        held = sum(s.choices[i].fit in GOOD_FITS for s in at)
        ps = [sound(s) / len(s.choices) for s in at]
        print(
            f"  position {i + 1}: sound at {held}/{len(at)}; chance {sum(ps):.1f},"
            f" bound {binomial_bound(ps):.1f}"
        )
        assert held <= binomial_bound(ps), f"position {i + 1} holds a sound response too often"
