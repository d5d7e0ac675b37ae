"""The anchored rubric (assessment/rubric): complete for every reflection, well formed, kept from learners."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from affirming_care.anchors import (
    ANCHORS_ROOT,
    QUALITIES,
    ModuleAnchors,
    after_self_score_html,
    grader_html,
    load_anchors,
    load_module_anchors,
    word_count,
    write_grader_pages,
)
from affirming_care.loader import ContentError, load_course
from test_language import STIGMA

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "anchors-malformed"
COURSE = load_course()
REFLECTIONS = {mid: m.reflection for mid, m in COURSE.modules.items() if m.reflection}
ANCHORS = load_anchors(COURSE.rubric, REFLECTIONS, ANCHORS_ROOT)
CRITERIA = [c.id for c in COURSE.rubric.criteria]


@pytest.mark.parametrize("mid", sorted(REFLECTIONS))
def test_every_reflection_has_every_level_of_every_criterion_and_three_exemplars(mid: str) -> None:
    a = ANCHORS[mid]

    assert a.reflection == REFLECTIONS[mid].id
    assert list(a.anchors) == CRITERIA
    for cid in CRITERIA:
        assert [lv.score for lv in a.anchors[cid]] == [0, 1, 2, 3]
        texts = [lv.text for lv in a.anchors[cid]]
        assert len(set(texts)) == 4, f"{mid} {cid}: two levels are described the same way"
    assert sorted(e.quality for e in a.exemplars) == sorted(QUALITIES)
    for e in a.exemplars:
        assert sorted(e.scores) == sorted(CRITERIA)


def test_exemplar_lengths_are_within_or_near_the_prompt_range() -> None:
    """Adequate and strong exemplars sit inside the prompt's range; a weak one may fall a little short."""
    rows = []
    for mid, a in sorted(ANCHORS.items()):
        lo, hi = REFLECTIONS[mid].words
        counts = {q: a.exemplar(q).words for q in QUALITIES}
        rows.append(f"{mid} {lo}-{hi}: " + ", ".join(f"{q} {n}" for q, n in counts.items()))
        assert lo * 0.8 <= counts["weak"] <= hi, (mid, counts)
        assert lo <= counts["adequate"] <= hi, (mid, counts)
        assert lo <= counts["strong"] <= hi, (mid, counts)
        assert counts["weak"] < counts["strong"], (mid, counts)
    print("\nexemplar word counts\n" + "\n".join(rows))


def test_reference_scores_spread_from_weak_to_strong_and_every_rationale_is_one_sentence() -> None:
    totals = {mid: [a.exemplar(q).total for q in QUALITIES] for mid, a in ANCHORS.items()}
    print("\nreference totals (weak, adequate, strong):", totals)
    for mid, (weak, adequate, strong) in totals.items():
        assert weak <= 4 < adequate < strong, (mid, weak, adequate, strong)
    for mid, a in ANCHORS.items():
        for e in a.exemplars:
            for cid, s in e.scores.items():
                ends = re.findall(r"[.!?](?:\s|$)", s.rationale)
                assert len(ends) == 1 and s.rationale.endswith("."), (mid, e.quality, cid, s.rationale)


def test_word_count_counts_contractions_and_hyphenated_words_once() -> None:
    assert word_count("I don't re-label a client's work; I ask.") == 8


def test_a_malformed_anchors_file_names_file_line_and_field() -> None:
    path = FIXTURES / "fields" / "m02.yml"

    with pytest.raises(ContentError) as exc:
        load_module_anchors(path, COURSE.rubric, REFLECTIONS["m02"])

    found = [str(p) for p in exc.value.problems]
    assert f"{path}:23: anchors.self-awareness[3].score: Input should be less than or equal to 3" in found
    assert any(
        x.startswith(f"{path}:60: exemplars[0].scores.accuracy.rational: unknown field") for x in found
    )
    assert f"{path}:58: exemplars[0].scores.accuracy.rationale: this field is required but missing" in found


def test_cross_checks_name_an_unknown_criterion_a_repeated_quality_and_a_short_exemplar() -> None:
    path = FIXTURES / "refs" / "m02.yml"

    with pytest.raises(ContentError) as exc:
        load_anchors(COURSE.rubric, {"m02": REFLECTIONS["m02"]}, path.parent)

    found = [str(p) for p in exc.value.problems]
    assert any(x.startswith(f"{path}:7: anchors.acuracy: 'acuracy' is not a rubric criterion") for x in found)
    assert any(x.startswith(f"{path}:6: anchors: missing criteria ['accuracy']") for x in found)
    assert any("exemplars: needs one weak, one adequate and one strong" in x for x in found)
    assert any(x.startswith(f"{path}:98: exemplars[2].text: has 7 words; expected 120 to 420") for x in found)


def test_check_fails_on_a_malformed_anchors_folder_and_passes_on_the_shipped_one() -> None:
    cmd = [sys.executable, "-m", "affirming_care.cli", "check"]
    bad = subprocess.run([*cmd, "--anchors", str(FIXTURES / "refs")], capture_output=True, text=True)
    good = subprocess.run(cmd, capture_output=True, text=True)

    assert bad.returncode == 1
    assert f"{FIXTURES / 'refs' / 'm02.yml'}:7: anchors.acuracy:" in bad.stderr
    assert "m05 has a reflection but no anchors" in bad.stderr
    assert "anchored-rubric problem(s) found" in bad.stderr
    assert good.returncode == 0, good.stderr
    assert "Anchored rubric is valid: 13 modules, 39 exemplars" in good.stdout


def test_the_grader_page_escapes_every_text_and_shows_anchors_and_rationales() -> None:
    a = ANCHORS["m02"]
    data = a.model_dump()
    data["exemplars"][0]["text"] = a.exemplars[0].text + " <script>alert(1)</script> & more words"
    hostile = ModuleAnchors.model_validate(data)

    page = grader_html(hostile, COURSE.rubric, REFLECTIONS["m02"], "The two most common mistakes")

    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    for cid in CRITERIA:
        for lv in a.anchors[cid]:
            assert lv.text.replace('"', "&quot;").replace("'", "&#x27;") in page
    assert a.exemplar("strong").scores["accuracy"].rationale.replace('"', "&quot;") in page
    assert "For graders only" in page


def test_learners_see_anchors_only_after_scoring_every_criterion(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="score every criterion"):
        after_self_score_html("m02", {"accuracy": 2})
    with pytest.raises(ValueError, match="out of range"):
        after_self_score_html("m02", {c: 4 for c in CRITERIA})

    shown = after_self_score_html(
        "m02", {"accuracy": 2, "self-awareness": 1, "client-centred": 3, "application": 0}
    )

    assert (
        shown is not None and "Your own scores" in shown and "Reference scores for the strong answer" in shown
    )
    assert after_self_score_html("m02", {c: 1 for c in CRITERIA}, folder=tmp_path) is None


def _windows(text: str, size: int = 12) -> set[str]:
    words = re.findall(r"[a-z']+", text.lower())
    return {" ".join(words[i : i + size]) for i in range(0, max(0, len(words) - size), 5)}


def test_no_exemplar_reaches_what_learners_see() -> None:
    """No run of twelve words from an exemplar appears in content/, notebooks/, book/ or the assignments.

    The level anchors may echo a prompt's public "look for" bullets; the exemplars are model answers.
    """
    learner_side = []
    for folder, pattern in (("content", "*.yml"), ("book", "*.md"), ("notebooks", "*.ipynb")):
        learner_side += [p.read_text(encoding="utf-8") for p in sorted((REPO / folder).rglob(pattern))]
    learner_side += [p.read_text(encoding="utf-8") for p in sorted((REPO / "assignments").rglob("*.ipynb"))]
    haystack = " ".join(" ".join(re.findall(r"[a-z']+", t.lower())) for t in learner_side)
    leaks = []
    for mid, a in ANCHORS.items():
        texts = [e.text for e in a.exemplars]
        leaks += [(mid, w) for t in texts for w in _windows(t) if w in haystack]
    assert not leaks, leaks[:5]


def test_exemplars_use_the_course_language_and_disclose_no_personal_history() -> None:
    personal = re.compile(
        r"\bwhen I was (?:a|an|in)\b|\bmy own (?:history|past|experience)\b|\bI used to\b", re.I
    )
    for path in sorted(ANCHORS_ROOT.glob("m*.yml")):
        text = path.read_text(encoding="utf-8")
        assert not STIGMA.search(text), (path.name, STIGMA.search(text))
        assert not personal.search(text), (path.name, personal.search(text))


def test_grader_pages_are_written_for_the_modules_asked_for(tmp_path: Path) -> None:
    written = write_grader_pages(tmp_path / "rubric", ["m02", "m10"])

    assert [p.name for p in written] == ["m02.html", "m10.html"]
    page = written[1].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<html lang='en'>" in page
    assert page.count("<caption>Reference scores for the") == 3
    assert write_grader_pages(tmp_path / "none", ["m02"], folder=tmp_path / "no-anchors") == []
