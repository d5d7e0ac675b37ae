"""The post-test's place in the answer file, and the learner's keyless copy of the items (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from affirming_care import posttest
from affirming_care.loader import ContentError
from affirming_care.store import AnswerStore, DamagedStore, read_answer_file


def test_an_answer_is_saved_at_once_with_the_seed_that_drew_it(tmp_path: Path) -> None:
    store = AnswerStore("m02", tmp_path)
    seed = store.posttest_seed()
    assert not (tmp_path / "m02-answers.json").exists(), "opening the test writes nothing"
    store.answer_posttest("m02-p-first", ["c", "a"])
    data = read_answer_file(tmp_path / "m02-answers.json", "m02")
    assert data is not None and data.posttest is not None
    assert data.posttest.seed == seed
    assert data.posttest.answers == {"m02-p-first": ["a", "c"]}
    assert AnswerStore("m02", tmp_path).posttest_seed() == seed, "a restart keeps the seed"


def test_a_file_without_a_posttest_keeps_its_shape(tmp_path: Path) -> None:
    store = AnswerStore("m02", tmp_path)
    store.answer_check("m02-q-x", ["a"])
    raw = json.loads((tmp_path / "m02-answers.json").read_text())
    assert "posttest" not in raw and "evaluation" not in raw


@pytest.mark.parametrize("seed", ["short", "has space 123", "x" * 65])
def test_a_bad_seed_is_reported_by_field(tmp_path: Path, seed: str) -> None:
    path = tmp_path / "m02-answers.json"
    path.write_text(json.dumps({"module": "m02", "posttest": {"seed": seed, "answers": {}}}))
    with pytest.raises(DamagedStore, match=r"field posttest\.seed"):
        read_answer_file(path, "m02")


def test_the_learners_copy_draws_the_same_test_and_holds_no_key() -> None:
    for module, bank in posttest.load_banks().items():
        public = posttest.public_bank(bank)
        text = public.model_dump_json()
        assert '"correct"' not in text and '"rationale"' not in text and '"feedback"' not in text
        for slot in bank.slots:
            for variant in slot.variants:
                assert variant.rationale not in text, f"{module} {slot.id} {variant.id}"
                for option in variant.options:
                    assert option.feedback not in text, f"{module} {slot.id} {variant.id} {option.id}"
        for seed in ("0123456789abcdef", "fedcba9876543210"):
            assert posttest.draw(public, seed) == posttest.draw(bank, seed), module


def test_a_broken_item_file_names_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "m02-posttest.json"
    path.write_text(json.dumps({"module": "m02", "slots": [{"id": "m02-p-x", "variants": []}]}))
    with pytest.raises(ContentError) as caught:
        posttest.read_public_bank(path)
    assert "m02-posttest.json" in str(caught.value) and "slots.0.variants" in str(caught.value)
    with pytest.raises(ContentError, match="missing"):
        posttest.read_public_bank(tmp_path / "absent.json")
