"""The pre-course check (issue 13): its items, the variant each learner sees, the keyless file,
the seed a module reuses, and the nbgrader notebook."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from affirming_care.posttest import Bank, draw, load_banks, public_bank, read_public_bank
from affirming_care.precheck import (
    PRECHECK,
    PRECHECK_ENV,
    PRECHECK_ITEMS,
    build_precheck_assignment,
    find_precheck_seed,
    full_variant,
    precheck_draw,
    precheck_item,
    precheck_public,
    precheck_slots,
    precheck_variant,
    write_precheck_public,
)
from affirming_care.store import AnswerFile, PostTestRecord, store_filename

SEEDS = [f"seed{n:04d}" for n in range(40)]


@pytest.fixture(scope="module")
def banks() -> dict[str, Bank]:
    return load_banks()


def three_variant_bank() -> Bank:
    def variant(vid: str) -> dict[str, object]:
        options = [{"id": o, "text": f"{vid} {o}", "correct": o == "a", "feedback": "Why."} for o in "abcd"]
        return {"id": vid, "kind": "single", "stem": f"Stem {vid}", "options": options, "rationale": "R."}

    return Bank.model_validate(
        {
            "module": "m04",
            "objectives": [{"id": "one", "text": "One."}, {"id": "two", "text": "Two."}],
            "slots": [
                {
                    "id": f"m04-s{n}",
                    "objective": "one" if n in (1, 3, 4) else "two",
                    "guide_points": ["DEF-CONTEXT"],
                    "variants": [variant("v1"), variant("v2"), variant("v3")],
                }
                for n in range(1, 6)
            ],
        }
    )


def test_one_slot_per_objective_of_every_module_the_first_that_tests_it(banks: dict[str, Bank]) -> None:
    slots = precheck_slots(banks)
    assert len(slots) == sum(len(b.objectives) for b in banks.values()) == 52
    assert len(set(slots)) == len(slots)
    for mid, bank in banks.items():
        mine = [sid for m, sid in slots if m == mid]
        objectives = [bank.slot(sid).objective for sid in mine]
        assert sorted(objectives) == sorted(o.id for o in bank.objectives)
        for sid in mine:
            first = next(s.id for s in bank.slots if s.objective == bank.slot(sid).objective)
            assert sid == first
    # m00 has two slots for "only-a-start": the pre-check takes the first
    assert [sid for m, sid in slots if m == "m00"][-1] == banks["m00"].slots[3].id
    assert banks["m00"].slots[4].id not in {sid for _, sid in slots}


def test_the_pre_check_never_shows_the_variant_the_post_test_draws(banks: dict[str, Bank]) -> None:
    seen: set[str] = set()
    for seed in SEEDS:
        for mid, sid in precheck_slots(banks):
            post = next(d for d in draw(banks[mid], seed) if d.slot_id == sid)
            pre = precheck_variant(banks[mid], sid, seed)
            assert pre.variant_id != post.variant_id, (seed, sid)
            others = {v.id for v in banks[mid].slot(sid).variants} - {post.variant_id}
            assert {pre.variant_id} == others  # two variants: always the other one
            assert sorted(pre.option_order) == sorted(o.id for o in banks[mid].slot(sid).variants[0].options)
            seen.add(pre.variant_id)
    assert seen == {"v1", "v2"}  # both variants occur over a cohort


def test_with_three_variants_it_is_one_of_the_others_and_depends_on_the_seed() -> None:
    bank = three_variant_bank()
    picks = set()
    for seed in SEEDS:
        post = {d.slot_id: d.variant_id for d in draw(bank, seed)}
        for slot in bank.slots:
            pre = precheck_variant(bank, slot.id, seed)
            assert pre.variant_id != post[slot.id]
            picks.add((post[slot.id], pre.variant_id))
    assert len(picks) == 6  # every (post, other) pair occurs: the choice among the others varies


def test_the_draw_is_deterministic_and_the_keyless_copy_draws_the_same(banks: dict[str, Bank]) -> None:
    public = precheck_public(banks)
    for seed in SEEDS[:5]:
        from_public = precheck_draw(public, seed)
        from_full = [precheck_variant(banks[m], s, seed) for m, s in precheck_slots(banks)]
        assert from_public == from_full == precheck_draw(public, seed)
    orders = {precheck_variant(banks["m03"], "m03-p-the-term", s).option_order for s in SEEDS}
    assert len(orders) > 5  # the option order is shuffled per seed


def test_the_keyless_file_has_every_pre_check_slot_and_no_key(banks: dict[str, Bank], tmp_path: Path) -> None:
    path = write_precheck_public(banks, tmp_path)
    assert path.name == PRECHECK_ITEMS == "pre-posttest.json"
    text = path.read_text(encoding="utf-8")
    for word in ('"correct"', '"feedback"', '"rationale"', '"guide_points"', '"objective"'):
        assert word not in text
    public = read_public_bank(path)
    assert public.module == PRECHECK
    assert [s.id for s in public.slots] == [sid for _, sid in precheck_slots(banks)]
    for slot in public.slots:
        mid = slot.id.split("-")[0]
        assert slot == public_bank(banks[mid], {slot.id}).slots[0]  # every variant, as the module's file
    # no option text reveals a key: the file is the same text as the modules' keyless files
    assert json.loads(text)["format"] == "affirming-care/posttest-items"


def test_the_grader_gets_the_keyed_variant_the_learner_saw(banks: dict[str, Bank]) -> None:
    slot, variant = full_variant(banks, "m05", precheck_slots({"m05": banks["m05"]})[0][1], "abcdef12")
    assert variant.id == precheck_variant(banks["m05"], slot.id, "abcdef12").variant_id
    assert variant.answer  # the full bank's variant, with its key


def answer_file(path: Path, module: str, seed: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = AnswerFile(module=module)
    if seed:
        data.posttest = PostTestRecord(seed=seed, answers={"m00-p-x": ["a"]})
    path.write_text(data.model_dump_json(), encoding="utf-8")


def test_a_module_finds_the_pre_checks_seed_beside_it_or_through_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PRECHECK_ENV, raising=False)
    module_folder = tmp_path / "assignments" / "m03"
    module_folder.mkdir(parents=True)
    assert find_precheck_seed(module_folder) is None
    answer_file(tmp_path / "assignments" / "pre" / store_filename("pre"), "pre", "sibling0001")
    assert find_precheck_seed(module_folder) == "sibling0001"
    elsewhere = tmp_path / "elsewhere"
    answer_file(elsewhere / store_filename("pre"), "pre", "fromenv0001")
    monkeypatch.setenv(PRECHECK_ENV, str(elsewhere))
    assert find_precheck_seed(module_folder) == "fromenv0001"
    monkeypatch.setenv(PRECHECK_ENV, str(elsewhere / store_filename("pre")))
    assert find_precheck_seed(module_folder) == "fromenv0001"
    # a damaged file, another module's file or one without a post-test section is passed over
    (elsewhere / store_filename("pre")).write_text('{"format": ', encoding="utf-8")
    assert find_precheck_seed(module_folder) == "sibling0001"
    answer_file(tmp_path / "assignments" / "pre" / store_filename("pre"), "m03", "wrongmodule1")
    assert find_precheck_seed(module_folder) is None
    answer_file(tmp_path / "assignments" / "pre" / store_filename("pre"), "pre", None)
    assert find_precheck_seed(module_folder) is None


def test_a_pre_check_cell_shows_the_other_variant_from_the_learners_seed(
    banks: dict[str, Bank], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AFFIRMING_CARE_ANSWERS", raising=False)
    write_precheck_public(banks, tmp_path)
    item = precheck_item(precheck_slots(banks)[30][1], tmp_path)
    sid = item.drawn.slot_id
    mid = sid.split("-")[0]
    seed = item.store.posttest_seed()
    post = next(d for d in draw(banks[mid], seed) if d.slot_id == sid)
    assert item.variant.id == item.drawn.variant_id != post.variant_id
    assert not hasattr(item.variant.options[0], "correct")
    assert item.saved is None and not (tmp_path / "pre-answers.json").exists()  # nothing written yet
    item.store.answer_posttest(sid, [item.drawn.option_order[0]])
    again = precheck_item(sid, tmp_path)
    assert again.saved == [item.drawn.option_order[0]] and again.drawn == item.drawn  # same seed, same item
    data = json.loads((tmp_path / "pre-answers.json").read_text(encoding="utf-8"))
    assert data["module"] == "pre" and data["posttest"]["seed"] == seed


def test_the_assignment_has_an_intro_and_a_show_and_a_hidden_test_per_item(banks: dict[str, Bank]) -> None:
    nb = build_precheck_assignment(banks, {"m03": "Sex work as an umbrella term"})
    nbformat.validate(nb)
    intro = nb.cells[0].source
    for words in ("not graded for passing", "No one sees your answers by name", "25 minutes", "Skip any"):
        assert words in intro
    assert "52 questions" in intro
    slots = [sid for _, sid in precheck_slots(banks)]
    shows = [c for c in nb.cells if "precheck.show(" in c.source]
    tests = [c for c in nb.cells if c.metadata["nbgrader"].get("grade")]
    assert [c.source.splitlines()[-1] for c in shows] == [f"precheck.show({s!r})" for s in slots]
    assert len(tests) == 52
    for cell, sid in zip(tests, slots, strict=True):
        assert f"expect_precheck('pre', {sid!r})" in cell.source
        assert "### BEGIN HIDDEN TESTS" in cell.source
        assert cell.metadata["nbgrader"]["points"] == 1 and cell.metadata["nbgrader"]["locked"]
    assert all(c.metadata["nbgrader"]["locked"] for c in nb.cells)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    headings = [c.source for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## Module")]
    assert len(headings) == 13 and "## Module 3: Sex work as an umbrella term" in headings
    ids = [c["id"] for c in nb.cells]
    grade_ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
    assert len(set(ids)) == len(ids) and len(set(grade_ids)) == len(grade_ids)
    assert "correct" not in nbformat.writes(nb)  # no key of any kind
