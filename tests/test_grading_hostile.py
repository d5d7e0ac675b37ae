"""The rehearsal cohort's hostile kinds, through collect and zip-collect, as the manifest expects.

A 24-learner rehearsal of the mini course's m02 (every honest and hostile kind, and strangers),
once through nbgrader's exchange and once as an LMS zip. These tests check what collect does:
each hostile hand-in is reported by learner and reason, links are never followed, nothing lands
outside submitted/ (or superseded/ and quarantine/), nothing crashes, and no added cell ran.
What autograde must make of each kind is in the manifest, for the end-to-end test.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from affirming_care.assignments import write_assignments
from affirming_care.grading import intake
from affirming_care.grading.collect import CollectResult, collect, zip_collect
from affirming_care.grading.course import private_course
from affirming_care.grading.gradebook import gradebook
from affirming_care.grading.hostile import CANARY_DIR, HOSTILE_NAMES, MARKUP
from affirming_care.grading.rehearsal import HOSTILE, KINDS, SPECIAL, hostile_kinds, rehearse
from affirming_care.grading.roster import saved_roster
from affirming_care.loader import cached_course, load_course
from affirming_care.posttest import load_banks, score_hand_in
from affirming_care.store import read_answer_file, store_filename

TESTS = Path(__file__).parent
MINI = TESTS / "fixtures" / "mini-course"
LEARNERS = 24


def run(tmp: Path, deliver: str) -> dict[str, Any]:
    root = tmp / f"course-{deliver}"
    with private_course(root):
        result = rehearse(
            root, learners=LEARNERS, modules=["m02"], deliver=deliver, source=tmp / "source", hostile=True
        )
        before = {str(p.relative_to(root)) for p in root.rglob("*")}
        if deliver == "zip":
            collected: CollectResult = zip_collect(root, "m02", [result.archives["m02"]])
        else:
            collected = collect(root, "m02")
    manifest = json.loads(result.manifest.read_text())
    return {
        "root": root,
        "result": collected,
        "manifest": manifest["submissions"],
        "before": before,
        "all": manifest,
    }


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("hostile")
    shutil.copytree(MINI, tmp / "mini")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AFFIRMING_CARE_CONTENT", str(tmp / "mini" / "content"))
        cached_course.cache_clear()
        write_assignments(load_course(tmp / "mini" / "content"), tmp / "mini" / "notebooks", tmp / "source")
        yield {deliver: run(tmp, deliver) for deliver in ("exchange", "zip")}
    cached_course.cache_clear()


DELIVERIES = ["exchange", "zip"]


def reasons_by_learner(result: CollectResult) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in result.findings:
        out.setdefault(f.learner, set()).add(f.reason)
    return out


@pytest.mark.parametrize("deliver", DELIVERIES)
def test_every_kind_is_handed_in_honest_and_hostile(cohorts: dict[str, Any], deliver: str) -> None:
    plan = cohorts[deliver]["manifest"]
    kinds = {p["kind"] for p in plan}

    assert set(SPECIAL) | {"complete", "partial"} <= kinds
    assert set(hostile_kinds(deliver)) | {"stranger"} == {p["kind"] for p in plan if p["hostile"]}
    assert len([p for p in plan if not p["hostile"] or p["kind"] != "stranger"]) == LEARNERS
    assert set(cohorts[deliver]["all"]["hostile_kinds"]) == set(HOSTILE)
    for p in plan:
        assert p["description"] == (HOSTILE if p["hostile"] else KINDS)[p["kind"]]
        if p["hostile"]:
            assert p["expected_autograde"], p


@pytest.mark.parametrize("deliver", DELIVERIES)
def test_each_hostile_kind_is_reported_by_learner_and_reason(cohorts: dict[str, Any], deliver: str) -> None:
    result: CollectResult = cohorts[deliver]["result"]
    reported = reasons_by_learner(result)
    for p in cohorts[deliver]["manifest"]:
        if p["kind"] == "stranger":
            [reason] = p["expected_findings"]
            assert any(reason == f.reason and (f.learner == p["learner"] or repr(p["learner"]) in f.detail or
                       p["learner"] in f.detail) for f in result.findings), (p["learner"], reason)  # fmt: skip
            continue
        assert set(p["expected_findings"]) <= reported.get(p["learner"], set()), (p["kind"], p["learner"])
        if not p["hostile"] and p["kind"] != "stranger":
            assert p["learner"] not in reported, (p["kind"], reported.get(p["learner"]))


@pytest.mark.parametrize("deliver", DELIVERIES)
def test_collected_or_not_as_the_manifest_says_and_nothing_outside_submitted(
    cohorts: dict[str, Any], deliver: str
) -> None:
    root: Path = cohorts[deliver]["root"]
    result: CollectResult = cohorts[deliver]["result"]
    submitted = {p.parent.name for p in (root / "submitted").glob("*/m02")}
    for p in cohorts[deliver]["manifest"]:
        wanted = p["collected"] and p["kind"] not in ("not_submitted",)
        assert (p["learner"] in submitted) == wanted, (p["kind"], p["learner"])
        if p["learner"] in submitted and p["kind"] != "regraded":
            assert p["learner"] in result.collected
    new = {str(p.relative_to(root)) for p in root.rglob("*")} - cohorts[deliver]["before"]
    allowed = ("submitted", "superseded", "quarantine", ".affirming-care")
    assert new and all(x.split("/")[0] in allowed for x in new), sorted(
        x for x in new if x.split("/")[0] not in allowed
    )
    assert not list(root.parent.glob("evil*")) and not (root / "m02").exists()
    for path in (root / "submitted").rglob("*"):
        assert not path.is_symlink(), path
    assert not any((root / CANARY_DIR).iterdir())  # no added cell ran while collecting


@pytest.mark.parametrize("deliver", DELIVERIES)
def test_no_collected_answer_file_answers_more_than_the_manifest_expects(
    cohorts: dict[str, Any], deliver: str
) -> None:
    root: Path = cohorts[deliver]["root"]
    bank = load_banks(root / "posttest")["m02"]
    for p in cohorts[deliver]["manifest"]:
        if not p["collected"] or p["expected_checks"] is None or p["kind"] == "damaged_answer_file":
            continue
        path = root / "submitted" / p["learner"] / "m02" / store_filename("m02")
        data = read_answer_file(path) if path.exists() else None
        record = data.posttest if data else None
        earned = float(score_hand_in(bank, record.seed, record.answers).earned) if record else 0.0
        assert earned == p["expected_checks"], (p["kind"], p["learner"], earned)


def test_links_point_nowhere_after_collect_and_private_files_stay_private(cohorts: dict[str, Any]) -> None:
    root: Path = cohorts["exchange"]["root"]
    private = (root / "gradebook.db").read_bytes()[:4096]
    for p in cohorts["exchange"]["manifest"]:
        if p["kind"].startswith("symlink_"):
            folder = root / "submitted" / p["learner"] / "m02"
            assert not (folder / store_filename("m02")).exists()
            assert all(private not in f.read_bytes() for f in folder.iterdir())


def test_the_regraded_hand_in_lost_its_old_manual_score(cohorts: dict[str, Any]) -> None:
    for deliver in DELIVERIES:
        root: Path = cohorts[deliver]["root"]
        [p] = [p for p in cohorts[deliver]["manifest"] if p["kind"] == "regraded"]
        assert p["learner"] in cohorts[deliver]["result"].regrade
        with gradebook(root) as gb:
            grades = [g for nb in gb.find_submission("m02", p["learner"]).notebooks for g in nb.grades]
            assert all(g.manual_score is None for g in grades) and any(g.needs_manual_grade for g in grades)
        assert len(list((root / "superseded" / p["learner"] / "m02").iterdir())) == 1


def test_hostile_names_and_accounts_are_in_the_roster_and_gradebook(cohorts: dict[str, Any]) -> None:
    root: Path = cohorts["exchange"]["root"]
    plan = cohorts["exchange"]["manifest"]
    roster = saved_roster(root)
    by_kind = {p["kind"]: p["learner"] for p in plan}
    assert roster[by_kind["impersonation"]].login == by_kind["impersonation"]
    assert {roster[sid].login for sid in roster if sid != by_kind["impersonation"]} == {
        intake.account_name(os.geteuid())
    }
    with gradebook(root) as gb:
        for kind, (first, last) in HOSTILE_NAMES.items():
            student = gb.find_student(by_kind[kind])
            assert (student.first_name, student.last_name) == (first, last)
    [markup] = [p for p in plan if p["kind"] == "markup_reflection"]
    answers = (root / "submitted" / markup["learner"] / "m02" / "m02-answers.json").read_text()
    assert json.dumps(MARKUP)[1:-1] in answers  # collected as it came: the sanitiser's job is downstream
