"""Facilitator-only cases: valid like any case, new to learners, and caught by check when wrong."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from affirming_care.facilitator_cases import CASES_ROOT, load_facilitator_cases, write_case_pages
from affirming_care.loader import ContentError, load_course

REPO = Path(__file__).resolve().parents[1]
COURSE = load_course()


def test_the_shipped_facilitator_cases_validate_and_appear_nowhere_learners_look() -> None:
    cases = load_facilitator_cases(COURSE, CASES_ROOT)

    assert cases, "at least one facilitator-only case"
    learner_text = " ".join(
        p.read_text(encoding="utf-8")
        for folder in ("content", "book", "notebooks", "assignments")
        for p in (REPO / folder).rglob("*")
        if p.is_file() and p.suffix in {".yml", ".md", ".ipynb"}
    )
    for cid, v in cases.items():
        assert cid not in {x.id for x in COURSE.all_vignettes()}
        assert v.scenes[0].text.splitlines()[0] not in learner_text
        assert sum(1 for s in v.scenes if s.choices) >= 2, "a group case needs at least two decision points"


def test_a_facilitator_case_that_reuses_a_learner_case_or_a_wrong_name_is_named(tmp_path: Path) -> None:
    learner = next(iter(COURSE.module("m02").vignettes.values()))
    shutil.copy(
        COURSE.module("m02").folder / "vignettes" / f"{learner.id}.yml", tmp_path / f"{learner.id}.yml"
    )
    text = (CASES_ROOT / "m08-bea-benefits.yml").read_text(encoding="utf-8")
    (tmp_path / "m08-bea.yml").write_text(text.replace("next: ending-closed", "next: ending-nowhere"))

    with pytest.raises(ContentError) as exc:
        load_facilitator_cases(COURSE, tmp_path)

    found = [str(p) for p in exc.value.problems]
    assert any(f"{learner.id}.yml" in x and "is also a learner case in content/" in x for x in found)
    assert any("m08-bea.yml" in x and "ending-nowhere" in x for x in found), found


def test_check_runs_the_facilitator_case_step_and_pages_are_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "m08-bea-benefits.yml").write_text("id: m08-bea-benefits\nmodule: m08\n")
    result = subprocess.run(
        [sys.executable, "-m", "affirming_care.cli", "check", "--facilitator-cases", str(bad)],
        capture_output=True,
        text=True,
    )
    pages = write_case_pages(tmp_path / "pages", load_facilitator_cases(COURSE, CASES_ROOT))

    assert result.returncode == 1 and "facilitator-case problem(s) found" in result.stderr
    assert f"{bad / 'm08-bea-benefits.yml'}:1:" in result.stderr
    assert pages and "Facilitator-only case" in pages[0].read_text(encoding="utf-8")
