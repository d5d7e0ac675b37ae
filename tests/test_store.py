"""The answer store: atomic, validated, and never loses a damaged file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from affirming_care import Module
from affirming_care.store import AnswerStore, DamagedStore, read_answer_file


def test_answers_survive_a_new_store_as_after_a_kernel_restart(tmp_path: Path) -> None:
    AnswerStore("m02", tmp_path).answer_check("m02-q-one", ["b"])

    again = AnswerStore("m02", tmp_path)

    assert again.check("m02-q-one").selected == ["b"]


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = AnswerStore("m02", tmp_path)
    for n in range(5):
        store.answer_check("m02-q-one", [["a", "b"][n % 2]])

    assert [p.name for p in tmp_path.iterdir()] == ["m02-answers.json"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"format": "affirming-care/answers", "version": 1, "module": "m02", "checks": {', "not valid JSON"),
        ('{"format": "affirming-care/answers", "version": 9, "module": "m02"}', "field version"),
        ('{"format": "affirming-care/answers", "version": 1, "module": "m05"}', "field module"),
        ("\x00\x01binary", "not valid JSON"),
    ],
)
def test_a_damaged_store_is_moved_aside_and_reported(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "m02-answers.json"
    path.write_text(content)

    store = AnswerStore("m02", tmp_path)

    assert store.moved_to is not None and store.moved_to.read_text() == content
    # The kept copy does not look like the real file in a file browser.
    assert store.moved_to.name.startswith("m02-answers.DAMAGED-") and store.moved_to.suffix == ".json"
    assert reason in (store.reason or "")
    # The learner's note is in plain words (no parser jargon), names the kept file, says how to recover.
    assert store.warning is not None
    assert "Nothing was deleted" in store.warning and store.moved_to.name in store.warning
    assert "rename it back to m02-answers.json" in store.warning
    assert "JSON" not in store.warning and "column" not in store.warning
    assert not path.exists()  # a fresh store starts only when the learner answers
    store.answer_check("m02-q-one", ["a"])
    assert read_answer_file(path).checks["m02-q-one"].selected == ["a"]
    assert store.moved_to.read_text() == content


def test_the_learner_sees_the_damage_once_not_in_every_widget(mini_course: Path, answers: Path) -> None:
    (answers / "m02-answers.json").write_text("{ not json")

    module = Module("m02")
    first = module.check("m02-q-one")
    others = [module.check("m02-q-two"), module.vignette("m02-kai-intake"), Module("m02").reflection()]

    assert "could not be read" in first.warning and 'role="alert"' in first.warning
    assert [w.warning for w in others] == ["", "", ""]
    assert len(list(answers.glob("m02-answers.DAMAGED-*.json"))) == 1


def test_cells_run_alone_share_one_store(mini_course: Path, answers: Path) -> None:
    from affirming_care import show

    show("m02-q-one").select("a")
    one, two = show("m02-q-one"), show("m02-q-two")
    one.select("b")
    one.submit()
    two.select("a", "b")
    two.submit()

    data = read_answer_file(answers / "m02-answers.json", "m02")
    assert data is not None and set(data.checks) == {"m02-q-one", "m02-q-two"}


def test_the_first_attempt_is_kept_for_good(tmp_path: Path) -> None:
    store = AnswerStore("m02", tmp_path)
    store.answer_check("m02-q-one", ["a"])
    store.answer_check("m02-q-one", ["b"])

    record = read_answer_file(tmp_path / "m02-answers.json", "m02").checks["m02-q-one"]  # type: ignore[union-attr]

    assert (record.first, record.selected) == (["a"], ["b"])


def test_reading_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "m02-answers.json"
    path.write_text('{\n "module": "m02",\n oops\n}')

    with pytest.raises(DamagedStore, match=r"line 3, column 2"):
        read_answer_file(path)


def test_the_format_is_versioned(tmp_path: Path) -> None:
    AnswerStore("m02", tmp_path).answer_check("m02-q-one", ["a"])

    data = json.loads((tmp_path / "m02-answers.json").read_text())

    assert (data["format"], data["version"], data["module"]) == ("affirming-care/answers", 1, "m02")
