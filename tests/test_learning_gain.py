"""Learning gain (issue 13, item 5): pre-check and post-test answer files of a planted cohort give
the figures computed by hand; suppression below the minimum; no learner in any output."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from affirming_care.grading.learning_gain import (
    CSV_NAME,
    LearningGainError,
    learning_gain,
    learning_gain_html,
    write_csv,
)
from affirming_care.posttest import Bank, Variant, draw
from affirming_care.precheck import PRECHECK, precheck_slots, precheck_variant
from affirming_care.store import AnswerFile, PostTestRecord, store_filename

KEYS = {  # slot: (kind, right options of v1, right options of v2); the two variants' keys differ
    "m04-s1": ("single", "a", "b"),
    "m04-s2": ("single", "a", "b"),
    "m04-s3": ("multiple", "ab", "cd"),
    "m04-s4": ("single", "c", "d"),
    "m04-s5": ("single", "d", "a"),
}
OBJECTIVE = {"m04-s1": "o1", "m04-s2": "o2", "m04-s3": "o1", "m04-s4": "o2", "m04-s5": "o2"}


def make_bank() -> Bank:
    def variant(slot: str, vid: str, right: str) -> dict[str, object]:
        options = [{"id": o, "text": f"{o}", "correct": o in right, "feedback": "Why."} for o in "abcd"]
        return {"id": vid, "kind": KEYS[slot][0], "stem": "Which?", "options": options, "rationale": "R."}

    return Bank.model_validate(
        {
            "module": "m04",
            "objectives": [
                {"id": "o1", "text": "Explain the context <b>of</b> the work."},
                {"id": "o2", "text": "=Respond in the client's words."},
            ],
            "slots": [
                {
                    "id": slot,
                    "objective": OBJECTIVE[slot],
                    "guide_points": ["DEF-CONTEXT"],
                    "variants": [variant(slot, "v1", v1), variant(slot, "v2", v2)],
                }
                for slot, (_, v1, v2) in KEYS.items()
            ],
        }
    )


# The planted cohort. R: right; W: wrong; H: one of the two right options of s3 (half credit);
# -: left out. The pre-check has s1 (for o1) and s2 (for o2); the post-test has s1..s5.
PRE = {  # learner: s1, s2
    "L1": "RW",
    "L2": "WW",
    "L3": "RR",
    "L4": "W-",
    "L5": "--",
    "L6": "RW",
}
POST = {  # learner: s1 s2 s3 s4 s5
    "L1": "RRHRR",
    "L2": "RWRWR",
    "L3": "RRRRR",
    "L4": "WR-RW",
    "L5": "RRHWW",
    "L6": "RWRRR",
}
# By hand, over the six learners with both files:
#   module, before: (s1 + s2) / 2 per learner = .5, 0, 1, 0, 0, .5          -> mean 2/6 = 1/3
#   module, after: total / 5 = 4.5, 3, 5, 2, 2.5, 4 (/5)                     -> mean 21/30 = 0.7
#   change 0.7 - 1/3 = 11/30; normalised (11/30) / (2/3) = 0.55
#   o1 before (s1): 1, 0, 1, 0, 0, 1 -> 1/2; after (s1 + s3) / 2: .75, 1, 1, 0, .75, 1 -> 3/4;
#      change 1/4; normalised (1/4) / (1/2) = 1/2
#   o2 before (s2): 0, 0, 1, 0, 0, 0 -> 1/6; after (s2 + s4 + s5) / 3: 1, 1/3, 1, 2/3, 1/3, 2/3 -> 2/3;
#      change 1/2; normalised (1/2) / (5/6) = 3/5
EXPECTED = {
    "": (Fraction(1, 3), Fraction(7, 10), Fraction(11, 30), Fraction(11, 20)),
    "o1": (Fraction(1, 2), Fraction(3, 4), Fraction(1, 4), Fraction(1, 2)),
    "o2": (Fraction(1, 6), Fraction(2, 3), Fraction(1, 2), Fraction(3, 5)),
}


def choose(variant: Variant, how: str) -> list[str] | None:
    right = sorted(variant.answer)
    wrong = sorted(o.id for o in variant.options if not o.correct)
    return {"R": right, "W": wrong[:1], "H": right[:1], "-": None}[how]


def hand_in(root: Path, learner: str, module: str, seed: str, answers: dict[str, list[str]]) -> None:
    folder = root / "submitted" / learner / module
    folder.mkdir(parents=True, exist_ok=True)
    data = AnswerFile(module=module, posttest=PostTestRecord(seed=seed, answers=answers))
    (folder / store_filename(module)).write_text(data.model_dump_json(), encoding="utf-8")


def planted_cohort(root: Path, bank: Bank) -> None:
    """Answer files that answer as PRE and POST say, on the variants each learner's seed shows."""
    for n, learner in enumerate(sorted(PRE)):
        seed = f"plantedseed{n}"
        pre: dict[str, list[str]] = {}
        for (_mid, sid), how in zip(precheck_slots({"m04": bank}), PRE[learner], strict=True):
            drawn = precheck_variant(bank, sid, seed)
            chosen = choose(next(v for v in bank.slot(sid).variants if v.id == drawn.variant_id), how)
            if chosen is not None:
                pre[sid] = chosen
        hand_in(root, learner, PRECHECK, seed, pre)
        post_seed = seed if learner != "L6" else "ownseed0006"  # L6's module made its own seed
        post: dict[str, list[str]] = {}
        for drawn, how in zip(draw(bank, post_seed), POST[learner], strict=True):
            chosen = choose(
                next(v for v in bank.slot(drawn.slot_id).variants if v.id == drawn.variant_id), how
            )
            if chosen is not None:
                post[drawn.slot_id] = chosen
        hand_in(root, learner, "m04", post_seed, post)
    hand_in(root, "only-pre", PRECHECK, "onlypre001", {"m04-s1": ["a"]})  # no post-test: left out
    hand_in(root, "only-post", "m04", "onlypost01", {"m04-s1": ["a"]})  # no pre-check: left out
    damaged = root / "submitted" / "damaged" / PRECHECK
    damaged.mkdir(parents=True)
    (damaged / store_filename(PRECHECK)).write_text('{"format": "affirming-care/answ', encoding="utf-8")
    hand_in(root, "forged", PRECHECK, "forgedseed", {"m04-s1": ["z"]})  # an option no variant has
    hand_in(root, "forged", "m04", "forgedseed", {"m04-s9": ["a"]})  # a slot the bank does not have


@pytest.fixture()
def bank() -> Bank:
    return make_bank()


@pytest.fixture()
def course(tmp_path: Path, bank: Bank) -> Path:
    planted_cohort(tmp_path, bank)
    return tmp_path


def test_the_planted_cohort_gives_the_figures_computed_by_hand(course: Path, bank: Bank) -> None:
    # the plan needs both variants in the pre-check, and pre-check variants that differ from the post-test's
    shown = {
        precheck_variant(bank, s, f"plantedseed{n}").variant_id
        for n in range(6)
        for s in ("m04-s1", "m04-s2")
    }
    assert shown == {"v1", "v2"}

    gain = learning_gain(course, {"m04": bank})

    (module,) = gain.modules
    assert [g.objective for g in module.objectives] == ["o1", "o2"]
    for g in [module.overall, *module.objectives]:
        before, after, change, normalised = EXPECTED[g.objective]
        assert g.learners == 6 and g.suppressed is None
        assert g.before == pytest.approx(float(before), abs=1e-12)
        assert g.after == pytest.approx(float(after), abs=1e-12)
        assert g.change == pytest.approx(float(change), abs=1e-12)
        assert g.normalised == pytest.approx(float(normalised), abs=1e-12)
    assert gain.notes == [
        "Left out, as unreadable or naming an item or option the bank does not have: 2 pre-check answer files.",
        "Left out, as unreadable or naming an item or option the bank does not have: post-test answer files, 1 in m04.",
    ]


def test_below_the_minimum_cohort_no_figure_is_shown(course: Path, bank: Bank, tmp_path: Path) -> None:
    gain = learning_gain(course, {"m04": bank}, min_cohort=7)
    for g in [gain.modules[0].overall, *gain.modules[0].objectives]:
        assert g.suppressed and "fewer than 7" in g.suppressed
        assert (g.before, g.after, g.change, g.normalised) == (None, None, None, None)
    html = learning_gain_html(gain)
    assert "fewer than 7" in html and "%" not in html.split("</p>", 1)[1]
    rows = list(csv.DictReader(write_csv(gain, tmp_path / "out").open(encoding="utf-8")))
    assert {r["learners"] for r in rows} == {"fewer than 7"}
    assert {(r["before"], r["after"], r["change"], r["normalised_gain"]) for r in rows} == {("", "", "", "")}
    assert learning_gain(course, {"m04": bank}, min_cohort=6).modules[0].overall.suppressed is None
    with pytest.raises(LearningGainError, match="at least 2"):
        learning_gain(course, {"m04": bank}, min_cohort=1)


def test_the_csv_and_html_hold_the_figures_and_no_learner(course: Path, bank: Bank, tmp_path: Path) -> None:
    gain = learning_gain(course, {"m04": bank})
    path = write_csv(gain, tmp_path / "out")
    assert path.name == CSV_NAME
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert [(r["module"], r["objective"]) for r in rows] == [("m04", ""), ("m04", "o1"), ("m04", "o2")]
    assert [r["learners"] for r in rows] == ["6", "6", "6"]
    assert [r["before"] for r in rows] == ["0.333", "0.5", "0.167"]
    assert [r["after"] for r in rows] == ["0.7", "0.75", "0.667"]
    assert [r["change"] for r in rows] == ["0.367", "0.25", "0.5"]
    assert [r["normalised_gain"] for r in rows] == ["0.55", "0.5", "0.6"]
    assert rows[2]["objective_text"] == "'=Respond in the client's words."  # no formula in a spreadsheet
    html = learning_gain_html(gain, open_objectives=1)
    for learner in [*PRE, "only-pre", "only-post", "forged", "damaged", "plantedseed"]:
        assert learner not in text and learner not in html
    assert "<td>33%</td><td>70%</td><td>+37 points</td><td>0.55</td>" in html
    assert "&lt;b&gt;of&lt;/b&gt;" in html and "<b>of</b>" not in html  # bank text is escaped too
    assert (
        "<caption>" in html and "scope='col'" in html and "scope='row'" in html and "<details open>" in html
    )


def test_a_dashboard_of_the_course_folder_shows_the_learning_gain(course: Path, bank: Bank) -> None:
    from affirming_care.grading.dashboard import build_dashboard

    (course / "posttest").mkdir()  # the course folder's own copy of the bank
    (course / "posttest" / "m04.yml").write_text(
        yaml.safe_dump(bank.model_dump(exclude_none=True), allow_unicode=True), encoding="utf-8"
    )
    dash = build_dashboard(course, min_cohort=5)
    assert dash.html is not None
    page = dash.html.read_text(encoding="utf-8")
    assert "id='learning-gain'" in page and "+37 points" in page
    assert (dash.out / CSV_NAME).is_file() and (dash.out / "item-analysis-m04.csv").is_file()
    assert "L1" not in page and "plantedseed" not in page
    data = json.loads(dash.json.read_text(encoding="utf-8")) if dash.json else {}
    (m04,) = data["learning_gain"]["modules"]
    assert m04["overall"]["learners"] == 6 and m04["overall"]["normalised"] == pytest.approx(0.55)
    assert "L1" not in json.dumps(data["learning_gain"])


def test_a_rehearsal_cohorts_answer_files_show_a_gain_and_feed_the_item_analysis(tmp_path: Path) -> None:
    """The fast path of `grade rehearse`: its answer files, placed as collect places them."""
    from datetime import UTC, datetime

    from affirming_care.grading.item_analysis import analyse_module, responses_from_answer_files
    from affirming_care.grading.rehearsal import hand_in_prechecks, synthetic_roster
    from affirming_care.grading.rehearsal_posttest import learner_seed, posttest_record, takes_precheck
    from affirming_care.posttest import load_banks

    banks = load_banks()
    ids = [x.id for x in synthetic_roster(40)]
    when = datetime(2026, 11, 1, tzinfo=UTC)
    took = hand_in_prechecks(tmp_path, ids, banks, 2026, when)
    assert 28 <= len(took) < 40 and took == [sid for sid in ids if takes_precheck(sid, 2026)]
    for n, sid in enumerate(ids):
        for mid in ("m01", "m02"):
            record = posttest_record(banks[mid], sid, "complete" if n % 2 else "partial", 2026, when)
            assert record.seed == learner_seed(sid, 2026, mid)
            folder = tmp_path / "submitted" / sid / mid
            folder.mkdir(parents=True)
            data = AnswerFile(module=mid, posttest=record)
            (folder / store_filename(mid)).write_text(data.model_dump_json(), encoding="utf-8")
    one = AnswerFile.model_validate_json(
        (tmp_path / "submitted" / took[0] / "pre" / "pre-answers.json").read_text(encoding="utf-8")
    )
    assert one.posttest is not None and one.posttest.seed == learner_seed(took[0], 2026, "m01")  # reused
    for mid, sid in precheck_slots(banks):  # the pre-check showed the variant the post-test did not
        if mid == "m01":
            post = next(d for d in draw(banks[mid], one.posttest.seed) if d.slot_id == sid)
            assert precheck_variant(banks[mid], sid, one.posttest.seed).variant_id != post.variant_id

    gain = learning_gain(tmp_path, banks)

    shown = {m.module: m.overall for m in gain.modules if not m.overall.suppressed}
    assert set(shown) == {"m01", "m02"}
    for g in shown.values():
        assert g.learners == len(took)
        assert g.before is not None and g.after is not None and g.change is not None
        assert 0.1 < g.before < 0.5 and 0.4 < g.after < 0.95 and g.change > 0.15
    rows, notes = responses_from_answer_files(tmp_path, "m01", banks["m01"])
    analysis = analyse_module(banks["m01"], rows)
    assert notes == [] and analysis.learners == 40 and len(analysis.items) == 10  # 5 slots, 2 variants


def test_a_fall_is_shown_with_a_minus_and_no_csv_cell_starts_with_one(tmp_path: Path) -> None:
    from affirming_care.grading.learning_gain import Gain, LearningGain, ModuleGain

    fall = Gain("m04", "", "", learners=8, before=0.5, after=0.25, change=-0.25, normalised=-0.5)
    gain = LearningGain(5, [ModuleGain("m04", "Module 4", fall)])
    text = write_csv(gain, tmp_path).read_text(encoding="utf-8")
    (row,) = list(csv.DictReader(text.splitlines()))
    assert (row["change"], row["normalised_gain"]) == ("'-0.25", "'-0.5")
    for cells in csv.reader(text.splitlines()):
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert "<td>−25 points</td><td>−0.50</td>" in learning_gain_html(gain)
