"""Drive the widgets through their Python API, as their buttons do, and read the answer store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from affirming_care import Module


def stored(folder: Path) -> dict:
    return json.loads((folder / "m02-answers.json").read_text())


def test_nothing_is_written_until_the_learner_answers(mini_course: Path, answers: Path) -> None:
    module = Module("m02")
    module.vignette("m02-kai-intake")
    module.check("m02-q-one")
    module.reflection()

    assert list(answers.iterdir()) == []


def test_a_case_starts_behind_its_content_note_and_can_be_skipped(mini_course: Path, answers: Path) -> None:
    case = Module("m02").vignette("m02-kai-intake")
    shown = " ".join(getattr(c, "value", "") for c in case.children)
    buttons = [b.description for c in case.children for b in getattr(c, "children", [])]

    assert case.current is None
    assert "Content note: police" in shown
    assert buttons == ["Start the case", "Skip this case"]

    case.skip()

    assert stored(answers)["vignettes"]["m02-kai-intake"]["status"] == "skipped"


def test_choose_try_again_continue_back_restart(mini_course: Path, answers: Path) -> None:
    case = Module("m02").vignette("m02-kai-intake")
    case.begin()
    case.choose("a")

    assert case.current == "s1"
    assert "Likely to cause harm" in case.feedback_html
    assert "Here we go." in case.feedback_html  # the client's voice
    assert "MISTAKE-COERCION" in case.feedback_html

    case.try_again()
    case.choose("b")
    assert "A strong response" in case.feedback_html
    case.go_on()
    assert case.current == "good"
    assert case.record.status == "finished"

    case.back()
    assert case.current == "s1"
    assert case.record.status == "in-progress"
    case.choose("a")
    case.go_on()
    assert case.current == "s2"  # the other branch
    case.go_on()
    assert case.current == "bad"

    case.restart()
    assert case.current == "s1"
    record = stored(answers)["vignettes"]["m02-kai-intake"]
    assert [(e["scene"], e["choice"]) for e in record["events"]] == [("s1", "a"), ("s1", "b"), ("s1", "a")]
    assert record["path"] == ["s1"]


def test_reopening_resumes_where_the_learner_stopped(mini_course: Path, answers: Path) -> None:
    case = Module("m02").vignette("m02-kai-intake")
    case.begin()
    case.choose("a")
    case.go_on()

    reopened = Module("m02").vignette("m02-kai-intake")

    assert reopened.current == "s2"
    assert "Kai goes quiet." in " ".join(getattr(c, "value", "") for c in reopened.children)


def test_choices_that_do_not_exist_are_refused(mini_course: Path, answers: Path) -> None:
    case = Module("m02").vignette("m02-kai-intake")
    case.begin()

    with pytest.raises(ValueError, match="no response 'z'"):
        case.choose("z")


def test_a_check_explains_the_chosen_option_and_saves_every_attempt(mini_course: Path, answers: Path) -> None:
    module = Module("m02")
    check = module.check("m02-q-two")
    check.select("a")
    check.submit()
    assert not check.correct
    assert "Not quite" in check.feedback_html

    check.select("a", "b")
    check.submit()

    assert check.correct
    record = stored(answers)["checks"]["m02-q-two"]
    assert record["selected"] == ["a", "b"]
    assert [a["selected"] for a in record["attempts"]] == [["a"], ["a", "b"]]
    assert Module("m02").check("m02-q-two").selected == {"a", "b"}


def test_a_graded_check_saves_without_revealing_the_answer(mini_course: Path, answers: Path) -> None:
    check = Module("m02", graded=True).check("m02-q-one")
    check.select("b")
    check.submit()

    status = check.children[-1].value
    static = check._repr_mimebundle_()["text/html"]
    assert "data-correct" not in static and "Answer and explanations" not in static
    assert "Saved: B" in status
    assert "Not quite" not in status and "Correct" not in status


def test_a_single_choice_check_takes_one_answer(mini_course: Path, answers: Path) -> None:
    check = Module("m02").check("m02-q-one")

    with pytest.raises(ValueError, match="one answer"):
        check.select("a", "b")


def test_reflection_text_and_self_assessment_are_kept(mini_course: Path, answers: Path) -> None:
    reflection = Module("m02").reflection()
    reflection.text.value = "I would ask what words she uses for her work."
    reflection.assess(accuracy=2, application=3)

    again = Module("m02").reflection()

    assert again.text.value == "I would ask what words she uses for her work."
    assert stored(answers)["reflections"]["m02-reflection"]["self_assessment"] == {
        "accuracy": 2,
        "application": 3,
    }


def test_every_widget_offers_a_static_html_view(mini_course: Path, answers: Path) -> None:
    module = Module("m02")
    case = module.vignette("m02-kai-intake")._repr_mimebundle_()
    check = module.check("m02-q-one")._repr_mimebundle_()

    assert "application/vnd.jupyter.widget-view+json" in case
    assert case["text/html"].count("<details") == 2
    assert 'data-next="s2"' in case["text/html"]
    assert "Here we go." in case["text/html"]
    assert '<input type="radio"' in check["text/html"]
