"""Drive the widgets through their Python API (the engine's own rules, as the buttons run them)."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from affirming_care import Module, show
from affirming_care.widgets import EngineError


def stored(folder: Path) -> dict:
    return json.loads((folder / "m02-answers.json").read_text())


def test_nothing_is_written_until_the_learner_answers(mini_course: Path, answers: Path) -> None:
    module = Module("m02")
    module.vignette("m02-kai-intake")
    module.check("m02-q-one")
    module.reflection()

    assert list(answers.iterdir()) == []


def test_a_case_starts_behind_its_content_note_and_can_be_skipped(mini_course: Path, answers: Path) -> None:
    case = show("m02-kai-intake")

    assert case.current is None
    assert case.data["note"]["topics"] == "police"

    case.skip()

    assert stored(answers)["vignettes"]["m02-kai-intake"]["status"] == "skipped"
    assert case.current is None


def test_choose_try_again_continue_back_restart(mini_course: Path, answers: Path) -> None:
    case = Module("m02").vignette("m02-kai-intake")
    case.begin()
    case.choose("a")

    assert (case.current, case.chosen) == ("s1", "a")
    assert "Likely to cause harm" in case.feedback_html
    assert "Here we go." in case.feedback_html  # the client's voice
    # The guide point is explained in words; its code stays in a data attribute only.
    assert "From the guide: The first common mistake" in case.feedback_html
    assert ">MISTAKE-COERCION" not in case.feedback_html and "MISTAKE-COERCION<" not in case.feedback_html

    case.try_again()
    case.choose("b")
    assert "A strong response" in case.feedback_html
    case.go_on()
    assert case.current == "good"
    assert case.record["status"] == "finished"

    case.back()
    assert case.current == "s1"
    assert case.record["status"] == "finished"  # reaching an ending once finishes the case for good
    case.choose("a")
    case.go_on()
    assert case.current == "s2"  # the other branch
    case.go_on()
    assert (case.current, case.record["ending"]) == ("bad", "bad")

    case.restart()
    assert case.current == "s1"
    record = stored(answers)["vignettes"]["m02-kai-intake"]
    assert [(e["scene"], e["choice"]) for e in record["events"]] == [("s1", "a"), ("s1", "b"), ("s1", "a")]
    assert record["path"] == ["s1"]
    assert record["status"] == "finished"


def test_reopening_resumes_where_the_learner_stopped_with_the_feedback_showing(
    mini_course: Path, answers: Path
) -> None:
    case = show("m02-kai-intake")
    case.begin()
    case.choose("a")

    reopened = show("m02-kai-intake")

    assert (reopened.current, reopened.chosen) == ("s1", "a")
    assert reopened.record["chosen"] == "a"


def test_choices_that_do_not_exist_are_refused(mini_course: Path, answers: Path) -> None:
    case = show("m02-kai-intake")
    case.begin()

    with pytest.raises(EngineError, match="no response z"):
        case.choose("z")


def test_the_host_refuses_a_record_that_does_not_fit_the_case(mini_course: Path, answers: Path) -> None:
    case = show("m02-kai-intake")

    reply = case.receive({"type": "save", "id": 7, "event": {"status": "finished", "path": ["nowhere"]}})

    assert reply["ack"] == 7 and not reply["ok"] and "nowhere" in reply["error"]
    assert case.receive({"type": "hello", "id": 8}) == {"ack": 8, "ok": True}
    assert list(answers.iterdir()) == []


def test_a_check_saves_every_attempt_and_keeps_the_first(mini_course: Path, answers: Path) -> None:
    check = show("m02-q-two")
    check.select("a")
    check.submit()
    assert not check.correct

    check.select("a", "b")
    check.submit()

    assert check.correct
    record = stored(answers)["checks"]["m02-q-two"]
    assert record["selected"] == ["a", "b"]
    assert [a["selected"] for a in record["attempts"]] == [["a"], ["a", "b"]]
    assert show("m02-q-two").selected == {"a", "b"}


def test_a_graded_check_sends_no_answer_key_to_the_browser(mini_course: Path, answers: Path) -> None:
    check = Module("m02", graded=True).check("m02-q-one")
    check.select("b")
    check.submit()

    sent = json.dumps(check.data)
    static = check._repr_mimebundle_()[0]["text/html"]
    assert '"correct"' not in sent and "feedback" not in sent and check.data["graded"] is True
    assert "data-correct" not in static and "Answer and explanations" not in static
    assert '"correct"' not in static
    assert stored(answers)["checks"]["m02-q-one"]["selected"] == ["b"]


def test_a_single_choice_check_takes_one_answer(mini_course: Path, answers: Path) -> None:
    check = show("m02-q-one")

    with pytest.raises(ValueError, match="one answer"):
        check.select("a", "b")
    reply = check.receive({"type": "save", "id": 1, "event": {"selected": ["a", "b"]}})
    assert not reply["ok"]


def test_reflection_text_and_self_assessment_are_kept(mini_course: Path, answers: Path) -> None:
    reflection = show("m02-reflection")
    reflection.write("I would ask what words she uses for her work.")
    reflection.assess(accuracy=2)
    reflection.assess(application=3)

    again = Module("m02").reflection()

    assert again.text == "I would ask what words she uses for her work."
    assert again.record["self_assessment"] == {"accuracy": 2, "application": 3}
    with pytest.raises(ValueError, match=r"self_assessment\.accuracy"):
        again.assess(accuracy=9)


def test_every_widget_offers_a_static_html_view_and_says_to_run_the_cell(
    mini_course: Path, answers: Path
) -> None:
    case = show("m02-kai-intake")._repr_mimebundle_()[0]
    check = show("m02-q-one")._repr_mimebundle_()[0]

    assert "application/vnd.jupyter.widget-view+json" in case
    assert case["text/html"].startswith('<p class="ac-run-cell"><strong>Run this cell to continue')
    assert case["text/html"].count("<details") == 2
    assert 'data-next="s2"' in case["text/html"]
    assert "Here we go." in case["text/html"]
    assert '<input type="radio"' in check["text/html"]
    assert '<script type="application/json" class="ac-data">' in check["text/html"]


def test_an_unknown_fit_is_shown_in_words(mini_course: Path) -> None:
    from affirming_care.render import fit_label

    assert fit_label("strong") == "A strong response"
    assert fit_label("defensible") == "Defensible, with a trade-off"
    assert fit_label("worth-a-second-look") == "Worth a second look"


def test_the_anchors_reach_the_view_only_once_the_reflection_is_written_and_fully_scored(
    answers: Path,
) -> None:
    from affirming_care.anchors import course_anchors

    reflection = Module("m03").reflection()
    strong = course_anchors("m03").exemplar("strong").text  # type: ignore[union-attr]
    criteria = [c.id for c in reflection.rubric.criteria]

    reflection.assess(**{c: 2 for c in criteria})  # scored, but nothing written yet
    assert reflection.after_html == ""
    reflection.write("I would ask how she wants her work named, and use her words.")
    assert strong[:80] in html.unescape(reflection.after_html)
    assert "Your own scores" in reflection.after_html

    reflection.assess(**{criteria[0]: 3})
    assert "<td>3</td>" in reflection.after_html  # the table follows the learner's new score
    fresh = Module("m03").reflection()  # a reopened notebook: shown at once, already complete
    assert fresh.after_html == reflection.after_html


def test_the_anchors_stay_hidden_until_the_last_criterion_and_without_anchors_installed(
    answers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reflection = Module("m04").reflection()
    criteria = [c.id for c in reflection.rubric.criteria]
    reflection.write("I would ask how she wants her work named, and use her words.")
    reflection.assess(**{c: 1 for c in criteria[:-1]})
    assert reflection.after_html == ""

    monkeypatch.setenv("AFFIRMING_CARE_ANCHORS", str(tmp_path))  # a learner edition: no assessment/
    reflection.assess(**{criteria[-1]: 1})
    assert reflection.after_html == ""


def test_anchors_that_do_not_fit_the_content_never_stop_an_answer_being_kept(
    mini_course: Path, answers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "m02.yml").write_text("module: m02\nreflection: m02-reflection\nanchors: {}\nexemplars: []\n")
    monkeypatch.setenv("AFFIRMING_CARE_ANCHORS", str(tmp_path))
    reflection = show("m02-reflection")
    reflection.write("I would ask what words she uses for her work.")
    scores = {c.id: 1 for c in reflection.rubric.criteria}

    reply = reflection.receive({"type": "save", "id": 7, "event": {"self_assessment": scores}})

    assert reply == {"ack": 7, "ok": True}
    assert Module("m02").reflection().self_assessment == scores
    assert 'role="alert"' in reflection.after_html and "m02.yml" in reflection.after_html
