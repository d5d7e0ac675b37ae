"""What the cases teach and who they show: hard cases present, no one group carrying one kind of work,
guide-point codes kept in metadata, minors only where a case is marked for it (issue 12)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import get_args

import pytest
import yaml
from pydantic import ValidationError

from affirming_care.content import GOOD_FITS, HardCase, Vignette
from affirming_care.loader import Course, load_course

RACIAL = ("black", "brown", "indigenous", "asian", "white")
UNSTATED = "unstated"
CODE = re.compile(r"\b[A-Z]{3,}(?:-[A-Z]+)+\b")


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course()


def racial_identity(v: Vignette) -> str:
    """The client's racial identity tags joined, or ``unstated`` when the case gives none."""
    found = [i for i in v.client.identities if i in RACIAL]
    return "+".join(sorted(found)) or UNSTATED


def concentrated(groups: dict[str, list[str]], at_least: int = 3) -> dict[str, str]:
    """Groups where ``at_least`` clients or more have a stated racial identity, and all share it.

    Clients whose case states no racial identity are left out, so one of them cannot hide a pattern.
    """
    found = {}
    for name, ids in groups.items():
        stated = [i for i in ids if i != UNSTATED]
        if len(stated) >= at_least and len(set(stated)) == 1:
            found[name] = stated[0]
    return found


def table(groups: dict[str, list[str]]) -> str:
    columns = [*RACIAL, UNSTATED]
    rows = [f"{'':<16}" + "".join(f"{c:>11}" for c in columns) + f"{'n':>5}"]
    for name in sorted(groups):
        count = Counter(groups[name])
        cells = [sum(n for k, n in count.items() if c in k.split("+")) for c in columns]
        rows.append(f"{name:<16}" + "".join(f"{n:>11}" for n in cells) + f"{len(groups[name]):>5}")
    return "\n".join(rows)


def by_work(cases: Iterable[Vignette]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for v in cases:
        for kind in v.client.work:
            groups[kind].append(racial_identity(v))
    return dict(groups)


def by_substance_use(cases: Iterable[Vignette]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for v in cases:
        uses = v.content_note is not None and "substance-use" in v.content_note.tags
        groups["substance use" if uses else "no substance use"].append(racial_identity(v))
    return dict(groups)


def test_the_concentration_check_catches_the_pattern_it_is_for() -> None:
    """The check itself: three street-based clients who are all Black is flagged; a mix is not."""
    assert concentrated({"street-based": ["black", "black", "black"]}) == {"street-based": "black"}
    assert concentrated({"street-based": ["black", "white", "black"]}) == {}
    assert concentrated({"webcam": ["asian", "asian"]}) == {}, "two clients are too few to call a pattern"
    assert concentrated({"escort": [UNSTATED] * 3}) == {}
    assert concentrated({"webcam": ["brown", "brown", UNSTATED, "brown"]}) == {"webcam": "brown"}


def test_no_kind_of_work_is_shown_through_one_racial_identity(course: Course) -> None:
    groups = by_work(course.all_vignettes())
    print("\nKind of work x racial identity (clients per cell)\n" + table(groups))

    assert concentrated(groups) == {}, table(groups)


def test_substance_use_is_not_tied_to_one_group(course: Course) -> None:
    groups = by_substance_use(course.all_vignettes())
    print("\nSubstance use x racial identity (clients per cell)\n" + table(groups))

    assert concentrated(groups) == {}, table(groups)
    users = groups.get("substance use", [])
    assert len(set(users)) >= 2, f"every client who uses substances has the same identity: {users}"


def test_every_hard_case_is_present_and_carries_a_content_note(course: Course) -> None:
    tagged: dict[str, list[str]] = defaultdict(list)
    for v in course.all_vignettes():
        for tag in v.hard_case:
            tagged[tag].append(v.id)
            assert v.content_note is not None, f"{v.id} is a hard case with no content note"
    print("\nHard cases by tag:\n" + "\n".join(f"  {t}: {', '.join(tagged[t])}" for t in sorted(tagged)))

    assert set(get_args(HardCase)) - set(tagged) == set(), "some hard judgements have no case"
    assert len({v.id for v in course.all_vignettes() if v.hard_case}) >= 8


def test_every_client_under_18_is_in_a_case_tagged_minor(course: Course) -> None:
    young = [v for v in course.all_vignettes() if v.client.age < 18]

    assert young, "the course needs a case with a client under 18 (issue 12)"
    assert all("minor" in v.hard_case and 16 <= v.client.age <= 17 for v in young)


def _raw(course: Course, case_id: str) -> dict[str, object]:
    path = next(course.root.glob(f"*/vignettes/{case_id}.yml"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("age", "tags", "field", "message"),
    [
        (17, [], ("client", "age"), "needs hard_case to include 'minor'"),
        (25, ["minor"], ("client", "age"), "expected 16 or 17"),
        (17, ["minor", "minor"], ("hard_case",), "repeats"),
    ],
)
def test_check_refuses_a_minor_without_the_tag(
    course: Course, age: int, tags: list[str], field: tuple[str, ...], message: str
) -> None:
    data = _raw(course, "m02-kai-intake")
    data["client"] = {**data["client"], "age": age}  # type: ignore[dict-item]
    data["hard_case"] = tags
    data["content_note"] = {"tags": ["child-protection"], "text": "A note."}

    problems = Vignette.model_validate(data).graph_problems()

    assert any(where == field and message in text for where, text in problems), problems


def test_no_client_is_younger_than_16(course: Course) -> None:
    data = _raw(course, "m02-kai-intake")
    data["client"] = {**data["client"], "age": 15}  # type: ignore[dict-item]
    data["hard_case"] = ["minor"]
    data["content_note"] = {"tags": ["child-protection"], "text": "A note."}

    with pytest.raises(ValidationError, match="greater than or equal to 16"):
        Vignette.model_validate(data)


def test_a_hard_case_needs_a_content_note(course: Course) -> None:
    data = _raw(course, "m01-amara-adhd")
    data.pop("content_note", None)
    data["hard_case"] = ["points-in-tension"]

    problems = Vignette.model_validate(data).graph_problems()

    assert ((("hard_case",), "a case with hard_case needs a content_note")) in problems


def learner_text(v: Vignette) -> Iterator[tuple[str, str]]:
    """Every field of a case that a learner reads, with where it is."""
    yield "title", v.title
    yield "summary", v.summary
    yield "professional", v.professional
    yield "client.reason", v.client.reason
    if v.content_note:
        yield "content_note.text", v.content_note.text
    for s in v.scenes:
        yield f"scenes/{s.id}/text", s.text
        for k, x in enumerate(s.variants):
            yield f"scenes/{s.id}/variants/{k}/text", x.text
        yield f"scenes/{s.id}/prompt", s.prompt
        for c in s.choices:
            for name in ("text", "feedback", "client_voice"):
                yield f"scenes/{s.id}/{c.id}/{name}", getattr(c, name)
    for e in v.endings:
        yield f"endings/{e.id}/title", e.title
        yield f"endings/{e.id}/text", e.text


def test_learner_text_names_guide_points_in_words_not_codes(course: Course) -> None:
    found = [
        f"{v.id}: {where}: {CODE.search(text).group()}"  # type: ignore[union-attr]
        for v in course.all_vignettes()
        for where, text in learner_text(v)
        if CODE.search(text)
    ]
    found += [
        f"{mid}/module.yml: {CODE.search(text).group()}"  # type: ignore[union-attr]
        for mid, m in course.modules.items()
        for text in (m.meta.title, m.meta.summary)
        if CODE.search(text)
    ]

    assert found == [], "\n".join(found)


def test_the_code_pattern_matches_the_codes_it_must_catch() -> None:
    assert CODE.search("as the guide says (MISTAKE-COERCION).")
    assert CODE.search("PRACTICE-NO-POLICE")
    assert not CODE.search("A 24-hour line, COVID-19 and a T-shirt")


def test_hard_cases_vary_in_shape_and_give_no_cue(course: Course) -> None:
    """Across the hard cases: 2 to 6 decision points, 2 to 5 responses, often two sound answers, and
    neither length nor position telling the learner which answers are sound (compared with chance)."""
    hard = [v for v in course.all_vignettes() if v.hard_case]
    points = [s for v in hard for s in v.decision_points]
    longest_good = sum(max(s.choices, key=lambda c: len(c.text)).fit in GOOD_FITS for s in points)
    chance_longest = sum(sum(c.fit in GOOD_FITS for c in s.choices) / len(s.choices) for s in points)
    held = Counter(i for s in points for i, c in enumerate(s.choices) if c.fit in GOOD_FITS)
    offered = Counter(i for s in points for i in range(len(s.choices)))
    share = {i: held[i] / offered[i] for i in offered}
    overall = sum(held.values()) / sum(offered.values())
    two_sound = sum(sum(c.fit in GOOD_FITS for c in s.choices) >= 2 for s in points)
    shapes = Counter(len(v.decision_points) for v in hard)
    sizes = Counter(len(s.choices) for s in points)
    print(
        f"\nHard cases: {len(hard)}, decision points {len(points)}; decision points per case"
        f" {dict(sorted(shapes.items()))}; responses per point {dict(sorted(sizes.items()))};"
        f" a sound answer is the longest at {longest_good}/{len(points)} (chance {chance_longest:.1f});"
        f" share of each position holding a sound answer"
        f" { ({i: round(x, 2) for i, x in sorted(share.items())}) } (overall {overall:.2f});"
        f" two or more sound answers at {two_sound}/{len(points)}"
    )

    assert all(2 <= n <= 6 for n in shapes), shapes
    assert len(sizes) >= 3, f"responses per decision point barely vary: {sizes}"
    assert abs(longest_good - chance_longest) <= max(3, 0.2 * len(points)), "length gives the answer away"
    for i, x in share.items():
        if offered[i] >= 5:
            assert abs(x - overall) <= 0.3, f"position {i + 1} holds a sound answer {x:.0%} of the time"
    assert two_sound >= len(points) / 3, f"two defensible answers at only {two_sound}/{len(points)}"


def test_every_module_has_a_report_a_problem_line() -> None:
    root = Path(__file__).resolve().parents[1]
    for nb in sorted((root / "notebooks").glob("m[01][0-9]-*.ipynb")):
        text = nb.read_text(encoding="utf-8")
        assert "## Report a problem" in text and "../book/review-form.md" in text, (
            f"{nb.name}: no route to report"
        )
    assert (root / "book" / "review-form.md").is_file()
    assert "book/review-form" in (root / "_toc.yml").read_text(encoding="utf-8")
