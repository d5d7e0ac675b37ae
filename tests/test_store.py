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
    assert store.moved_to.name.startswith("m02-answers.json.damaged-")
    assert reason in (store.warning or "")
    assert "nothing was deleted" in (store.warning or "")
    assert not path.exists()  # a fresh store starts only when the learner answers
    store.answer_check("m02-q-one", ["a"])
    assert read_answer_file(path).checks["m02-q-one"].selected == ["a"]
    assert store.moved_to.read_text() == content


def test_the_learner_sees_the_damage_in_the_widget(mini_course: Path, answers: Path) -> None:
    (answers / "m02-answers.json").write_text("{ not json")

    check = Module("m02").check("m02-q-one")

    assert "could not be read" in check.children[0].value
    assert 'role="alert"' in check.children[0].value
    assert len(list(answers.glob("m02-answers.json.damaged-*"))) == 1


def test_reading_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "m02-answers.json"
    path.write_text('{\n "module": "m02",\n oops\n}')

    with pytest.raises(DamagedStore, match=r"line 3, column 2"):
        read_answer_file(path)


def test_the_format_is_versioned(tmp_path: Path) -> None:
    AnswerStore("m02", tmp_path).answer_check("m02-q-one", ["a"])

    data = json.loads((tmp_path / "m02-answers.json").read_text())

    assert (data["format"], data["version"], data["module"]) == ("affirming-care/answers", 1, "m02")
