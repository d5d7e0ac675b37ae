"""The pre-course check end to end (issue 13): answered in the post-test widget, handed in, graded from
the answer file on the variants the post-tests do not show; a module's post-test reuses its seed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from affirming_care import precheck
from affirming_care.grading.autograde import autograde
from affirming_care.grading.exports import grade_table
from affirming_care.grading.gradebook import gradebook
from affirming_care.grading.init import init_course
from affirming_care.grading.release import release
from affirming_care.module import Module
from affirming_care.posttest import draw, load_banks, score_variant
from affirming_care.store import read_answer_file

pytestmark = pytest.mark.slow


def test_the_pre_check_is_graded_on_its_own_variants_and_counts_towards_no_module(tmp_path: Path) -> None:
    root = tmp_path / "course"
    init_course(root, modules=["pre", "m02"])
    release(root, "pre")
    banks = load_banks(root / "posttest")
    learner = tmp_path / "home" / "pre"
    shutil.copytree(root / "release" / "pre", learner)
    expected = 0.0
    slots = precheck.precheck_slots(banks)
    for i, (mid, sid) in enumerate(slots):
        widget = precheck.show(sid, learner)
        slot, variant = precheck.full_variant(banks, mid, sid, widget.seed)
        assert variant.id != next(d.variant_id for d in draw(banks[mid], widget.seed) if d.slot_id == sid)
        shown = [o["id"] for o in widget.data["options"]]
        choice = (
            sorted(variant.answer) if i % 3 else shown[:1]
        )  # two in three right, the rest the first shown
        widget.select(*choice)
        widget.submit()
        expected += float(score_variant(variant, choice) * slot.points)
    data = read_answer_file(learner / "pre-answers.json", "pre")
    assert data is not None and data.posttest is not None and len(data.posttest.answers) == len(slots) == 52

    # The module's assignment, beside it, draws from the pre-check's seed.
    module_folder = learner.parent / "m02"
    shutil.copytree(root / "source" / "m02", module_folder)
    assert Module("m02", graded=True, folder=module_folder).posttest_seed() == data.posttest.seed

    handed = root / "submitted" / "ana" / "pre"
    shutil.copytree(learner, handed)
    (handed / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    autograde(root, "pre")
    with gradebook(root) as gb:
        assert gb.find_submission("pre", "ana").code_score == pytest.approx(expected)
    assert 0 < expected < len(slots)
    assert "pre" not in grade_table(root).modules, "the pre-check counts towards no module or certificate"
