"""Calibration rounds: the weighted kappa against a hand computation, score-sheet errors, setup, report."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from dataclasses import asdict
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from affirming_care.anchors import QUALITIES, course_anchors
from affirming_care.grading.calibration import (
    GradingError,
    Round,
    SheetError,
    agreement,
    anonymise,
    quadratic_kappa,
    read_sheet,
    report,
    setup_round,
)
from affirming_care.grading.course import SOURCE
from affirming_care.grading.init import init_course
from affirming_care.loader import load_course
from affirming_care.store import AnswerFile, ReflectionRecord
from test_grading_support import BIN

CRITERIA = ["accuracy", "self-awareness", "client-centred", "application"]
ITEMS = [f"m02-0{n}" for n in range(1, 7)]
EXEMPLARS = {"m02-02", "m02-04", "m02-05"}

# Two graders' scores per criterion, items m02-01 to m02-06 in order.
ANA = {
    "accuracy": [0, 1, 2, 3, 2, 1],
    "self-awareness": [1, 1, 2, 2, 3, 0],
    "client-centred": [2, 2, 2, 2, 2, 2],
    "application": [0, 1, 2, 3, 3, 2],
}
BEN = {
    "accuracy": [0, 2, 2, 3, 1, 1],
    "self-awareness": [1, 1, 2, 2, 3, 0],
    "client-centred": [2, 2, 2, 2, 2, 2],
    "application": [3, 2, 1, 0, 0, 1],
}
# The reference scores of the three exemplar items (m02-02, m02-04, m02-05).
REFERENCE = {
    "m02-02": {"accuracy": 1, "self-awareness": 1, "client-centred": 2, "application": 1},
    "m02-04": {"accuracy": 2, "self-awareness": 2, "client-centred": 2, "application": 3},
    "m02-05": {"accuracy": 2, "self-awareness": 3, "client-centred": 2, "application": 3},
}


def test_quadratic_kappa_equals_the_hand_computation() -> None:
    """Ana and Ben's accuracy scores on six items: A = 0 1 2 3 2 1, B = 0 2 2 3 1 1.

    Weights w(i, j) = (i − j)² (the scaling by (4 − 1)² cancels in the ratio).

    Observed: the pairs are (0,0) (1,2) (2,2) (3,3) (2,1) (1,1); two pairs differ by one point, so
    Σ w·O = 1 + 1 = 2.

    Expected by chance: both graders used the scores 0, 1, 2, 3 with counts a = b = (1, 2, 2, 1),
    n = 6, and E(i, j) = a_i · b_j / n. Σ_ij (i − j)² a_i b_j, row by row:
      i = 0 (a = 1): 0·1 + 1·2 + 4·2 + 9·1 = 19, times 1 = 19
      i = 1 (a = 2): 1·1 + 0·2 + 1·2 + 4·1 = 7,  times 2 = 14
      i = 2 (a = 2): 4·1 + 1·2 + 0·2 + 1·1 = 7,  times 2 = 14
      i = 3 (a = 1): 9·1 + 4·2 + 1·2 + 0·1 = 19, times 1 = 19
    total 66, so Σ w·E = 66 / 6 = 11.

    kappa = 1 − 2 / 11 = 9/11 ≈ 0.818. Exact agreement 4/6; adjacent (within one point) 6/6.
    """
    a, b = ANA["accuracy"], BEN["accuracy"]

    assert quadratic_kappa(a, b) == Fraction(9, 11)
    result = agreement("ana", "ben", "accuracy", a, b)
    assert (result.exact, result.adjacent, result.kappa) == (Fraction(4, 6), Fraction(1), Fraction(9, 11))


def test_kappa_at_its_edges() -> None:
    """Perfect agreement is 1; exactly reversed scores give −1; one shared score everywhere has none.

    Reversed, A = 0 1 2 3 and B = 3 2 1 0: Σ w·O = 9 + 1 + 1 + 9 = 20. Each grader used each score
    once, so Σ w·E = Σ_ij (i − j)² / 4 over the 4 × 4 grid = (14 + 6 + 6 + 14) / 4 = 10, and
    kappa = 1 − 20/10 = −1. With every score 2 from both, Σ w·E = 0: kappa is undefined (None).
    """
    assert quadratic_kappa([0, 1, 2, 3], [0, 1, 2, 3]) == 1
    assert quadratic_kappa([0, 1, 2, 3], [3, 2, 1, 0]) == -1
    assert quadratic_kappa([2, 2, 2], [2, 2, 2]) is None
    with pytest.raises(ValueError, match="outside 0 to 3"):
        quadratic_kappa([4], [0])
    with pytest.raises(ValueError, match="same items"):
        quadratic_kappa([1, 2], [1])


def write_sheet(path: Path, scores: dict[str, list[Any]], items: list[str] = ITEMS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["item", "module", *CRITERIA, "note"])
        for n, item in enumerate(items):
            w.writerow([item, "m02", *(scores[c][n] for c in CRITERIA), ""])
    return path


def make_round(root: Path, name: str = "r1") -> Path:
    folder = root / "calibration" / name
    items = [{"id": i, "module": "m02", "source": "exemplar" if i in EXEMPLARS else "cohort"} for i in ITEMS]
    rnd = Round(name, "2026-12-01T20:00:00+00:00", CRITERIA, ["m02"], ["ana", "ben"], items)
    (folder / "sheets").mkdir(parents=True)
    (folder / "round.json").write_text(json.dumps(asdict(rnd)))
    (folder / "reference.json").write_text(json.dumps(REFERENCE))
    return folder


def test_the_report_gives_each_pair_and_each_grader_against_the_reference(tmp_path: Path) -> None:
    """Against the reference, on the exemplars only (m02-02, m02-04, m02-05), accuracy:

    Ana 1 3 2, reference 1 2 2: exact 2/3, adjacent 3/3. Σ w·O = (3 − 2)² = 1. Ana's counts of
    1, 2, 3 are one each; the reference's are 1 once and 2 twice. Σ (i − j)² a_i b_j =
    (1,1)·0 + (1,2)·1·2 + (2,1)·1·1 + (2,2)·0 + (3,1)·4·1 + (3,2)·1·2 = 2 + 1 + 4 + 2 = 9, over n = 3
    that is 3, so kappa = 1 − 1/3 = 2/3.
    """
    folder = make_round(tmp_path)
    write_sheet(folder / "sheets" / "ana.csv", ANA)
    write_sheet(folder / "sheets" / "ben.csv", BEN)
    write_sheet(folder / "sheets" / "cleo.csv", {c: [""] * 6 for c in CRITERIA})

    rep = report(tmp_path, "r1", top=3)

    pair = {a.criterion: a for a in rep.pairs}
    assert rep.graders == ["ana", "ben"] and rep.not_started == ["cleo"]
    assert pair["accuracy"].kappa == Fraction(9, 11)
    assert pair["self-awareness"].kappa == 1 and pair["self-awareness"].exact == 1
    assert pair["client-centred"].kappa is None and pair["client-centred"].exact == 1
    assert pair["application"].kappa is not None and pair["application"].kappa < 0
    ana_ref = next(a for a in rep.against_reference if a.first == "ana" and a.criterion == "accuracy")
    assert (ana_ref.n, ana_ref.exact, ana_ref.adjacent, ana_ref.kappa) == (
        3,
        Fraction(2, 3),
        1,
        Fraction(2, 3),
    )
    # m02-05: graders differ by 1 on accuracy and 3 on application (4); against the reference the
    # farthest grader is 1 off on accuracy and 3 off on application (4): 8 in all, the most.
    top = rep.disagreements[0]
    assert top.item == "m02-05" and top.spread == 8 and top.scores["reference"]["application"] == 3
    assert [d.item for d in rep.disagreements] == ["m02-05", "m02-04", "m02-02"]
    lines = (folder / "report.csv").read_text().splitlines()
    assert lines[0] == "criterion,first,second,items,exact,adjacent,quadratic_kappa"
    assert "accuracy,ana,ben,6,0.667,1.000,0.818" in lines
    assert "accuracy,ana,reference,3,0.667,1.000,0.667" in lines


def problems_of(path: Path) -> list[str]:
    with pytest.raises(SheetError) as exc:
        read_sheet(path, CRITERIA, ITEMS)
    return [str(p) for p in exc.value.problems]


def test_bad_score_sheets_name_file_row_field_and_what_was_expected(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "ana.csv", ANA)
    rows = path.read_text().splitlines()
    rows[2] = rows[2].replace("m02-02,m02,1,", "m02-02,m02,4,")  # row 3: accuracy 4
    rows[3] = rows[3].replace("m02-03,m02,2,2,", "m02-03,m02,2,,")  # row 4: self-awareness blank
    rows[4] = rows[4].replace("m02-04,m02,3,2,2,", "m02-04,m02,3,2,two,")  # row 5: a word
    rows[6] = rows[6].replace("m02-06", "m02-99")  # row 7: unknown item
    path.write_text("\n".join(rows) + "\n")

    found = problems_of(path)

    assert f"{path}:3: accuracy: is '4'; expected a whole number 0, 1, 2 or 3" in found
    assert f"{path}:4: self-awareness: is blank; expected a whole number 0, 1, 2 or 3" in found
    assert f"{path}:5: client-centred: is 'two'; expected a whole number 0, 1, 2 or 3" in found
    assert f"{path}:7: item: 'm02-99' is not an item of this round" in found


def test_a_repeated_or_missing_item_and_a_wrong_header_are_named(tmp_path: Path) -> None:
    twice = write_sheet(
        tmp_path / "twice.csv", {c: [*v[:5], v[4]] for c, v in ANA.items()}, [*ITEMS[:5], ITEMS[4]]
    )
    short = write_sheet(tmp_path / "short.csv", {c: v[:5] for c, v in ANA.items()}, ITEMS[:5])
    header = tmp_path / "header.csv"
    header.write_text("item,module,accuracy,self-awareness,client-centred,aplication\nm02-01,m02,1,1,1,1\n")

    assert f"{twice}:7: item: 'm02-05' is scored twice" in problems_of(twice)
    assert f"{short}:7: item: 'm02-06' is missing; every item needs a row" in problems_of(short)
    found = problems_of(header)
    assert any(x.startswith(f"{header}:1: header: missing column(s) ['application']") for x in found)
    assert any(x.startswith(f"{header}:1: header: unknown column(s) ['aplication']") for x in found)


def test_a_report_needs_two_filled_sheets(tmp_path: Path) -> None:
    folder = make_round(tmp_path)
    write_sheet(folder / "sheets" / "ana.csv", ANA)

    with pytest.raises(GradingError, match="two or more filled score sheets"):
        report(tmp_path, "r1")
    with pytest.raises(GradingError, match="No calibration round 'r9'"):
        report(tmp_path, "r9")


def test_anonymise_takes_roster_names_out_whole_words_only() -> None:
    text = "Ana said Anatomy matters; ana.kim wrote it. ANA agreed."

    assert (
        anonymise(text, ["ana.kim", "Ana"]) == "[name] said Anatomy matters; [name] wrote it. [name] agreed."
    )


ROSTER = "id,first_name,last_name,email\nana.kim,Ana,Kim,\nben.silva,Ben,Silva,\n"


def hand_in(root: Path, sid: str, text: str) -> None:
    """A hand-in whose reflection, as learners now write it, is in the answer file."""
    folder = root / "submitted" / sid / "m02"
    folder.mkdir(parents=True)
    shutil.copy(SOURCE / "m02" / "m02.ipynb", folder / "m02.ipynb")
    rid = load_course().module("m02").reflection.id
    answers = AnswerFile(module="m02", reflections={rid: ReflectionRecord(text=text)})
    (folder / "m02-answers.json").write_text(answers.model_dump_json())


def test_setup_writes_anonymised_shuffled_items_sheets_and_a_separate_key(tmp_path: Path) -> None:
    root = tmp_path / "course"
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    init_course(root, source=SOURCE, modules=["m02"], roster=roster)
    hand_in(
        root, "ana.kim", "Ana Kim here. <script>alert(1)</script> I would ask what the client wants today."
    )
    hand_in(root, "ben.silva", "Write your reflection here.")  # left blank: not sampled

    rnd, folder = setup_round(root, ["m02"], ["ana", "ben"], sample=4, name="first")

    anchors = course_anchors("m02")
    assert anchors is not None
    assert [i["source"] for i in rnd.items].count("exemplar") == 3
    assert [i["source"] for i in rnd.items].count("cohort") == 1
    reference = json.loads((folder / "reference.json").read_text())
    expected = sorted(
        json.dumps({c: s.score for c, s in anchors.exemplar(q).scores.items()}, sort_keys=True)
        for q in QUALITIES
    )
    assert sorted(json.dumps(v, sort_keys=True) for v in reference.values()) == expected
    page = (folder / "items.html").read_text()
    assert "[name] here." in page and "&lt;script&gt;" in page and "<script>" not in page
    assert "Kim" not in page and "ana.kim" not in page
    for q in QUALITIES:
        assert f"{q.capitalize()} answer" not in page
        assert anchors.exemplar(q).scores["accuracy"].rationale not in page
    for path in folder.rglob("*"):
        if path.is_file():
            assert "ana.kim" not in path.read_text(), path
    with (folder / "sheets" / "ben.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["item"] for r in rows] == rnd.item_ids and all(r["accuracy"] == "" for r in rows)
    with pytest.raises(GradingError, match="exists already"):
        setup_round(root, ["m02"], ["ana", "ben"], name="first")
    with pytest.raises(GradingError, match="two or more graders"):
        setup_round(root, ["m02"], ["ana"], name="second")
    with pytest.raises(GradingError, match="Grader name"):
        setup_round(root, ["m02"], ["ana", "../ben"], name="third")


def test_the_report_command_prints_escaped_tables_and_sheet_errors(tmp_path: Path) -> None:
    root = tmp_path / "course"
    folder = make_round(root)
    write_sheet(folder / "sheets" / "ana.csv", ANA)
    write_sheet(folder / "sheets" / "[red]eve.csv", BEN)
    cmd = [
        str(BIN / "affirming_care"),
        "grade",
        "calibrate",
        "report",
        "--course",
        str(root),
        "--round",
        "r1",
    ]
    env = dict(os.environ, COLUMNS="200", PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")

    good = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    shutil.copy(folder / "sheets" / "ana.csv", folder / "sheets" / "bad.csv")
    bad_path = folder / "sheets" / "bad.csv"
    bad_path.write_text(bad_path.read_text().replace("m02-01,m02,0,", "m02-01,m02,9,"))
    bad = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)

    assert good.returncode == 0, good.stderr
    assert "graders [red]eve, ana." in good.stdout and "[red]eve and ana" in good.stdout
    assert "Between graders" in good.stdout and "0.82" in good.stdout
    assert "Items of most disagreement" in good.stdout
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert f"{bad_path}:2: accuracy: is '9'; expected a whole number 0, 1, 2 or 3" in bad.stderr
