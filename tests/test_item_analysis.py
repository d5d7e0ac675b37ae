"""Post-test item analysis (issue 13, item 3): figures on a synthetic cohort, a hand computation,
flags, privacy, CSV and HTML output, and the command."""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

import pytest

from affirming_care.cli import main
from affirming_care.grading.dashboard import MIN_COHORT
from affirming_care.grading.item_analysis import (
    FLAG_LOW,
    FLAG_NEGATIVE,
    FLAG_TOO_EASY,
    FLAG_UNCHOSEN,
    ItemAnalysisError,
    Response,
    analyse_module,
    csv_figure,
    item_analysis_html,
    neutralise,
    point_biserial,
    responses_from_answer_files,
    responses_from_rows,
    upper_lower,
    write_csv,
)
from affirming_care.posttest import Bank, draw, score_variant
from affirming_care.store import AnswerFile, PostTestRecord, store_filename

SLOTS = ["m04-s1", "m04-s2", "m04-s3", "m04-s4", "m04-miskeyed", "m04-everyone"]


def make_bank(slots: list[str] = SLOTS) -> Bank:
    def variant(vid: str) -> dict[str, object]:
        return {
            "id": vid,
            "kind": "single",
            "stem": "Which response fits?",
            "options": [
                {"id": o, "text": f"Option {o}", "correct": o == "a", "feedback": "Why."} for o in "abcd"
            ],
            "rationale": "Because.",
        }

    return Bank.model_validate(
        {
            "module": "m04",
            "objectives": [{"id": "obj", "text": "An objective."}],
            "slots": [
                {
                    "id": s,
                    "objective": "obj",
                    "guide_points": ["DEF-CONTEXT"],
                    "variants": [variant("v1"), variant("v2")],
                }
                for s in slots
            ],
        }
    )


def logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def synthetic_cohort(bank: Bank, learners: int = 40, seed: int = 13) -> list[Response]:
    """Ability from a seeded normal; answers from a 2-parameter logistic model, item by item.

    * ``m04-s1``..``m04-s3``: a learner picks the key (``a``) with probability logistic(1.7 (θ − b));
      otherwise one of the three distractors at random.
    * ``m04-s4`` the same, but the wrong answers are only ever ``b`` or ``c``: ``d`` is never chosen.
    * ``m04-miskeyed``: the option the key calls wrong (``b``) is the better answer, so able
      learners choose it and are scored wrong; the others choose among ``a``, ``c`` and ``d``.
    * ``m04-everyone``: every learner chooses the key.
    """
    rng = random.Random(seed)
    difficulty = {"m04-s1": -0.6, "m04-s2": 0.0, "m04-s3": 0.5, "m04-s4": -0.2, "m04-miskeyed": 0.0}
    rows = []
    for n in range(learners):
        theta = rng.gauss(0, 1)
        for slot in bank.slots:
            if slot.id == "m04-everyone":
                chosen = "a"
            else:
                good = "b" if slot.id == "m04-miskeyed" else "a"
                if rng.random() < logistic(1.7 * (theta - difficulty[slot.id])):
                    chosen = good
                else:
                    pool = {"m04-s4": "bc", "m04-miskeyed": "acd"}.get(slot.id, "bcd")
                    chosen = rng.choice(pool)
            variant = slot.variants[0]
            score = float(score_variant(variant, [chosen]))
            rows.append((f"learner-{n:03d}", "m04", slot.id, variant.id, [chosen], score))
    return responses_from_rows(rows)


@pytest.fixture(scope="module")
def bank() -> Bank:
    return make_bank()


@pytest.fixture(scope="module")
def cohort(bank: Bank) -> list[Response]:
    return synthetic_cohort(bank)


def test_the_miskeyed_item_is_flagged_negatively_discriminating_and_no_other(
    bank: Bank, cohort: list[Response]
) -> None:
    analysis = analyse_module(bank, cohort)
    by = {i.slot: i for i in analysis.items}
    assert analysis.learners == 40 and analysis.suppressed is None
    miskeyed = by["m04-miskeyed"]
    assert FLAG_NEGATIVE in miskeyed.flags
    assert miskeyed.point_biserial is not None and miskeyed.point_biserial < -0.2
    assert miskeyed.upper_lower is not None and miskeyed.upper_lower < 0
    for slot in ("m04-s1", "m04-s2", "m04-s3", "m04-s4", "m04-everyone"):
        assert FLAG_NEGATIVE not in by[slot].flags, (slot, by[slot])
    for slot in ("m04-s1", "m04-s2", "m04-s3", "m04-s4"):
        r = by[slot].point_biserial
        assert r is not None and r > 0.15 and FLAG_LOW not in by[slot].flags, (slot, r)
        assert by[slot].upper_lower is not None and by[slot].upper_lower > 0
    print(
        {
            s: (round(i.difficulty or 0, 2), i.point_biserial and round(i.point_biserial, 2))
            for s, i in by.items()
        }
    )


def test_an_item_everyone_gets_right_is_too_easy(bank: Bank, cohort: list[Response]) -> None:
    item = next(i for i in analyse_module(bank, cohort).items if i.slot == "m04-everyone")
    assert item.difficulty == 1.0
    assert item.point_biserial is None  # an item that does not vary cannot correlate
    assert FLAG_TOO_EASY in item.flags
    assert [o.count for o in item.options] == [40, 0, 0, 0]


def test_a_distractor_nobody_chose_is_flagged(bank: Bank, cohort: list[Response]) -> None:
    by = {i.slot: i for i in analyse_module(bank, cohort).items}
    assert f"{FLAG_UNCHOSEN} D" in by["m04-s4"].flags
    assert [o.count for o in by["m04-s4"].options][3] == 0
    assert not [f for f in by["m04-s1"].flags if f.startswith(FLAG_UNCHOSEN)]
    # options counted: every learner chose exactly one option of a single-answer item
    assert sum(o.count for o in by["m04-s1"].options) == 40


SIX = [  # learner, slot1, slot2, slot3: the worked example in point_biserial's docstring
    ("p1", 1, 1, 1),
    ("p2", 1, 1, 0),
    ("p3", 1, 0, 1),
    ("p4", 0, 1, 0),
    ("p5", 0, 0, 0),
    ("p6", 0, 0, 1),
]


def six_learner_table() -> list[Response]:
    rows = []
    for learner, *scores in SIX:
        for k, score in enumerate(scores, start=1):
            rows.append((learner, "m04", f"m04-s{k}", "v1", ["a" if score else "b"], float(score)))
    return responses_from_rows(rows)


def test_the_point_biserial_matches_the_hand_computation() -> None:
    assert point_biserial([1, 1, 1, 0, 0, 0], [2, 1, 1, 1, 0, 1]) == pytest.approx(1 / math.sqrt(3))
    assert upper_lower([1, 1, 1, 0, 0, 0], [2, 1, 1, 1, 0, 1]) == pytest.approx(0.5)
    bank = make_bank(["m04-s1", "m04-s2", "m04-s3", "m04-s4", "m04-s5"])
    item = analyse_module(bank, six_learner_table()).items[0]
    assert (item.slot, item.responses, item.difficulty) == ("m04-s1", 6, 0.5)
    assert item.point_biserial == pytest.approx(0.57735, abs=1e-5)
    assert item.upper_lower == pytest.approx(0.5)


def test_the_upper_lower_index_does_not_depend_on_row_order() -> None:
    item, rest = [1, 1, 1, 0, 0, 0], [2, 1, 1, 1, 0, 1]
    order = [3, 0, 5, 1, 4, 2]
    assert upper_lower([item[i] for i in order], [rest[i] for i in order]) == pytest.approx(0.5)


def test_partial_credit_difficulty_is_the_mean_score() -> None:
    bank = make_bank(["m04-s1", "m04-s2", "m04-s3", "m04-s4", "m04-s5"])
    rows = [(f"l{n}", "m04", "m04-s1", "v1", ["a"], s) for n, s in enumerate([1, 0.5, 0.5, 0, 0.5])]
    item = analyse_module(bank, responses_from_rows(rows)).items[0]
    assert item.difficulty == pytest.approx(0.5)


def test_below_the_minimum_cohort_nothing_is_shown(
    bank: Bank, cohort: list[Response], tmp_path: Path
) -> None:
    few = [r for r in cohort if r.learner < f"learner-{MIN_COHORT - 1:03d}"]
    assert len({r.learner for r in few}) == MIN_COHORT - 1
    analysis = analyse_module(bank, few)
    assert analysis.suppressed and not analysis.items
    html = item_analysis_html([analysis])
    assert "fewer than the minimum of 5" in html and "<table" not in html
    text = write_csv(analysis, tmp_path).read_text(encoding="utf-8")
    assert "fewer than the minimum" in text and "0." not in text
    # an item answered by too few (a second variant three learners had) is hidden on its own
    extra = [Response(f"learner-{n:03d}", "m04", "m04-s1", "v2", ("a",), 1.0) for n in range(3)]
    rest = [r for r in cohort if not (r.slot == "m04-s1" and r.learner < "learner-003")]
    items = analyse_module(bank, rest + extra).items
    v2 = next(i for i in items if i.slot == "m04-s1" and i.variant == "v2")
    assert v2.suppressed and v2.difficulty is None and not v2.options


def test_no_learner_id_in_the_csv_or_html(bank: Bank, cohort: list[Response], tmp_path: Path) -> None:
    analysis = analyse_module(bank, cohort)
    path = write_csv(analysis, tmp_path)
    assert path.name == "item-analysis-m04.csv"
    text = path.read_text(encoding="utf-8") + item_analysis_html([analysis])
    assert "learner-0" not in text
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == len(SLOTS)
    miskeyed = next(r for r in rows if r["slot"] == "m04-miskeyed")
    assert FLAG_NEGATIVE in miskeyed["flags"]
    pb = miskeyed["point_biserial"]  # negative: text with a leading quote, as no cell may start with -
    assert pb.startswith("'-") and float(pb[1:]) < 0
    for row in csv.reader(path.open(encoding="utf-8")):
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
    assert "A. a (key): " in miskeyed["options_chosen"]


def test_csv_cells_that_start_a_formula_are_neutralised() -> None:
    for bad in ("=HYPERLINK(1)", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(bad) == "'" + bad
    assert neutralise("m04-s1") == "m04-s1"
    assert neutralise(-0.25) == -0.25
    assert csv_figure(-0.2204) == "-0.22" and neutralise(csv_figure(-0.2204)) == "'-0.22"
    assert csv_figure(-0.0001) == 0.0 and str(csv_figure(-0.0001)) == "0.0"  # never -0.0
    assert csv_figure(0.57735) == 0.577 and csv_figure(None) == ""


def test_the_html_is_escaped_and_has_an_accessible_table(bank: Bank, cohort: list[Response]) -> None:
    analysis = analyse_module(bank, cohort)
    analysis.notes = ["<script>alert(1)</script>"]
    html = item_analysis_html([analysis])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<caption>" in html and "scope='col'" in html and "scope='row'" in html


def test_bad_rows_are_refused_with_the_row_named() -> None:
    with pytest.raises(ItemAnalysisError, match="row 2: score"):
        responses_from_rows([("a", "m04", "s", "v1", ["a"], 1.0), ("b", "m04", "s", "v1", ["a"], 2.0)])
    with pytest.raises(ItemAnalysisError, match="row 2: a second answer"):
        responses_from_rows([("a", "m04", "s", "v1", ["a"], 1.0), ("a", "m04", "s", "v1", ["b"], 0.0)])


def test_answer_files_without_a_post_test_section_give_no_rows_and_say_so(bank: Bank, tmp_path: Path) -> None:
    for n in range(6):
        folder = tmp_path / "submitted" / f"learner-{n}" / "m04"
        folder.mkdir(parents=True)
        (folder / store_filename("m04")).write_text(
            AnswerFile(module="m04").model_dump_json(), encoding="utf-8"
        )
    rows, notes = responses_from_answer_files(tmp_path, "m04", bank)
    assert rows == [] and notes == [
        "The 6 answer files collected for m04 do not carry post-test answers, so there is nothing to analyse."
    ]


def write_answer_files(root: Path, cohort: list[Response]) -> dict[str, str]:
    """Each synthetic learner's choices as a collected hand-in's ``posttest`` section; their seeds."""
    seeds = {}
    for learner in sorted({r.learner for r in cohort}):
        seeds[learner] = f"seed-{learner}"
        answers = {r.slot: list(r.chosen) for r in cohort if r.learner == learner}
        data = AnswerFile(module="m04", posttest=PostTestRecord(seed=seeds[learner], answers=answers))
        folder = root / "submitted" / learner / "m04"
        folder.mkdir(parents=True)
        (folder / store_filename("m04")).write_text(data.model_dump_json(), encoding="utf-8")
    return seeds


def test_hand_ins_answer_files_feed_the_analysis_and_the_miskeyed_item_is_flagged(
    bank: Bank, tmp_path: Path
) -> None:
    cohort = synthetic_cohort(bank, learners=120)  # each variant of a slot gets about half of them
    seeds = write_answer_files(tmp_path, cohort)
    hostile = tmp_path / "submitted" / "hostile" / "m04"
    hostile.mkdir(parents=True)
    forged = AnswerFile(module="m04", posttest=PostTestRecord(seed="forged-seed", answers={"m04-s1": ["z"]}))
    (hostile / store_filename("m04")).write_text(forged.model_dump_json(), encoding="utf-8")

    rows, notes = responses_from_answer_files(tmp_path, "m04", bank)

    assert notes == [
        "Left out, as unreadable or naming a slot or option the bank does not have: 1 answer file."
    ]
    assert len(rows) == len(cohort) == 120 * len(SLOTS)
    planted = {(r.learner, r.slot): r for r in cohort}
    for r in rows:  # the same choices and scores, on the variant the learner's seed drew
        assert (r.chosen, r.score) == (
            planted[(r.learner, r.slot)].chosen,
            planted[(r.learner, r.slot)].score,
        )
        assert r.variant == next(d.variant_id for d in draw(bank, seeds[r.learner]) if d.slot_id == r.slot)
    assert {r.variant for r in rows} == {"v1", "v2"}
    analysis = analyse_module(bank, rows)
    flagged = {i.slot for i in analysis.items if FLAG_NEGATIVE in i.flags}
    assert analysis.learners == 120 and flagged == {"m04-miskeyed"}
    assert all(
        i.point_biserial is not None and i.point_biserial < 0
        for i in analysis.items
        if i.slot == "m04-miskeyed"
    )


def test_the_command_writes_the_csv_and_prints_a_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    course = tmp_path / "course"
    (course / "submitted").mkdir(parents=True)
    assert main(["grade", "item-analysis", "--course", str(course), "--module", "m04"]) == 0
    out = capsys.readouterr().out
    assert "No answer files were collected for m04" in out
    assert (course / "dashboard" / "item-analysis-m04.csv").is_file()
    assert main(["grade", "item-analysis", "--course", str(course), "--module", "m99"]) == 1


def test_the_commands_table_shows_each_items_figures_and_flags(bank: Bank, cohort: list[Response]) -> None:
    from rich.console import Console

    from affirming_care.item_analysis_cli import analysis_table

    analysis = analyse_module(bank, cohort)
    console = Console(record=True, width=200)
    console.print(analysis_table(analysis))
    text = console.export_text()
    assert "40 learners" in text
    row = next(line for line in text.splitlines() if "m04-miskeyed" in line)
    assert FLAG_NEGATIVE in row and "-0.22" in row
    analysis.items[0].flags = ["[bold]not markup[/bold]"]  # any text is escaped, never read as markup
    console = Console(record=True, width=200)
    console.print(analysis_table(analysis))
    assert "[bold]not markup[/bold]" in console.export_text()
