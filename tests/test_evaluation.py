"""The course evaluation (issue 13, item 4): content, storage in the answer file (Python host and the
engine's rules), the static view, collection from a course folder, and the aggregate with its
privacy threshold."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from affirming_care.cli import main
from affirming_care.evaluation import (
    STANDALONE_MODULE,
    Evaluation,
    check_evaluation,
    evaluation_data,
    evaluation_html,
    evaluation_path,
    load_evaluation,
)
from affirming_care.evaluation_widget import EvaluationWidget
from affirming_care.grading.dashboard import MIN_COHORT
from affirming_care.grading.evaluation import collect_evaluations, evaluate_course, summarise
from affirming_care.grading.evaluation import evaluation_html as summary_html
from affirming_care.store import AnswerFile, AnswerStore, EvaluationRecord, read_answer_file, store_filename
from affirming_care.widgets import run_engine


@pytest.fixture(scope="module")
def ev() -> Evaluation:
    return load_evaluation()


# Content -----------------------------------------------------------------------------------------------


def test_the_evaluation_has_the_four_statements_and_a_labelled_scale(ev: Evaluation) -> None:
    assert ev.item_ids == ["objectives", "relevance", "intent", "respect"]
    assert [p.value for p in ev.scale] == [1, 2, 3, 4, 5]
    assert all(p.label for p in ev.scale)
    assert "sex worker" in ev.items[3].statement


def test_the_evaluation_asks_nothing_about_who_you_are(ev: Evaluation) -> None:
    asked = " ".join([i.statement for i in ev.items] + [ev.comments.prompt]).lower()
    for word in (
        "age",
        "gender",
        "race",
        "ethnic",
        "income",
        "orientation",
        "have you ever",
        "your own",
        "disabil",
    ):
        assert not re.search(rf"\b{word}", asked), word


def test_check_names_file_line_and_field_of_a_bad_evaluation(tmp_path: Path) -> None:
    text = evaluation_path().read_text(encoding="utf-8")
    (tmp_path / "evaluation.yml").write_text(text.replace("value: 5", "value: 6"), encoding="utf-8")
    status, lines = check_evaluation(tmp_path)
    assert status == 1
    assert any(re.match(r".*evaluation\.yml:\d+: scale\[4\]\.value: ", line) for line in lines), lines
    assert check_evaluation(tmp_path / "nowhere")[0] == 0  # a content folder without one is only noted


def test_the_check_command_validates_the_evaluation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert "Course evaluation is valid: 4 statements" in capsys.readouterr().out


# Storage ------------------------------------------------------------------------------------------------


def test_an_old_answer_file_without_an_evaluation_still_reads_and_keeps_its_shape(tmp_path: Path) -> None:
    old = {"format": "affirming-care/answers", "version": 1, "module": "m12", "vignettes": {}, "checks": {}}
    path = tmp_path / store_filename("m12")
    path.write_text(json.dumps(old), encoding="utf-8")
    data = read_answer_file(path, "m12")
    assert data is not None and data.evaluation is None
    store = AnswerStore("m12", tmp_path)
    store.put_reflection("m12-reflection", text="A plan.")
    assert "evaluation" not in json.loads(path.read_text(encoding="utf-8"))


def test_the_widget_stores_ratings_and_comments_in_the_capstone_file(ev: Evaluation, tmp_path: Path) -> None:
    widget = EvaluationWidget(ev, AnswerStore("m12", tmp_path))
    widget.rate(objectives=4)
    widget.rate(respect=5)
    widget.rate(objectives=3)  # the latest choice counts; the others stay
    widget.comment("More on records, please.")
    data = read_answer_file(tmp_path / "m12-answers.json", "m12")
    assert data is not None and data.evaluation is not None
    assert data.evaluation.ratings == {"objectives": 3, "respect": 5}
    assert data.evaluation.comments == "More on records, please."
    # reopened: the widget shows what was saved
    again = EvaluationWidget(ev, AnswerStore("m12", tmp_path))
    assert again.record is not None and again.record["ratings"] == {"objectives": 3, "respect": 5}


@pytest.mark.parametrize(
    "event, why",
    [
        ({"ratings": {"objectives": 6}}, "ratings.objectives: expected a whole number from 1 to 5"),
        ({"ratings": {"age": 3}}, "ratings.age: not a statement"),
        ({"ratings": {"intent": True}}, "ratings.intent: expected a whole number"),
        ({"comments": 5}, "comments: expected a string"),
    ],
)
def test_the_widget_refuses_what_is_not_an_answer(
    ev: Evaluation, tmp_path: Path, event: dict[str, object], why: str
) -> None:
    widget = EvaluationWidget(ev, AnswerStore("m12", tmp_path))
    reply = widget.receive({"type": "save", "id": 7, "event": event})
    assert reply["ok"] is False and reply["ack"] == 7 and why in reply["error"]
    assert not (tmp_path / "m12-answers.json").exists()


def test_the_engines_rule_stores_the_same_record_as_python(ev: Evaluation) -> None:
    at = "2026-12-01T20:00:00+00:00"
    first = run_engine("evaluationAct", None, {"ratings": {"relevance": 4}}, at)
    second = run_engine("evaluationAct", first, {"comments": "Clear."}, at)
    data = evaluation_data(ev, "evaluation")
    via_store = run_engine("applyEvent", data, second, {"ratings": {"relevance": 5, "intent": 2}})
    record = EvaluationRecord.model_validate(second)  # the Python model accepts the engine's record
    assert record.ratings == {"relevance": 4} and record.comments == "Clear."
    assert via_store["ratings"] == {"relevance": 5, "intent": 2} and via_store["comments"] == "Clear."
    answers = run_engine(
        "readAnswers", json.dumps({**AnswerFile(module="m12").model_dump(), "evaluation": second}), "m12"
    )
    assert answers["problem"] is None and answers["data"]["evaluation"]["comments"] == "Clear."
    broken = run_engine(
        "readAnswers", json.dumps({**AnswerFile(module="m12").model_dump(), "evaluation": [1]}), "m12"
    )
    assert broken["data"] is None and "evaluation" in broken["problem"]


def test_the_static_view_shows_every_statement_and_every_labelled_point(
    ev: Evaluation, tmp_path: Path
) -> None:
    html = evaluation_html(ev)
    assert 'class="ac-evaluation"' in html
    for item in ev.items:
        assert f'data-item="{item.id}"' in html
    assert html.count("<li>") == 5 * len(ev.items)
    assert all(f"{p.value}: {p.label}" in html for p in ev.scale)
    data = json.loads(re.search(r'class="ac-data">(.*?)</script>', html).group(1))  # type: ignore[union-attr]
    assert data["kind"] == "evaluation" and data["module"] == STANDALONE_MODULE
    widget = EvaluationWidget(ev, AnswerStore("m12", tmp_path))
    bundle, _meta = widget._repr_mimebundle_()
    assert "Run this cell" in bundle["text/html"] and '"module":"m12"' in bundle["text/html"]


def test_learner_text_is_never_html_in_the_static_view(ev: Evaluation) -> None:
    hostile = ev.model_copy(update={"title": "<img src=x onerror=alert(1)>"})
    html = evaluation_html(hostile)
    assert "<img" not in html and "&lt;img" in html


# Collection and aggregate ---------------------------------------------------------------------------


def hand_in(
    root: Path,
    learner: str,
    ratings: dict[str, int],
    comments: str = "",
    *,
    module: str = "m12",
    updated: str = "",
) -> Path:
    folder = root / "submitted" / learner / ("m12" if module == "m12" else "evaluation")
    folder.mkdir(parents=True, exist_ok=True)
    record = EvaluationRecord(ratings=ratings, comments=comments)
    record.updated = updated or record.updated
    data = AnswerFile(module=module, evaluation=record)
    path = folder / store_filename(module)
    path.write_text(data.model_dump_json(), encoding="utf-8")
    return path


def test_evaluations_are_collected_with_the_capstone_and_on_their_own(tmp_path: Path) -> None:
    for n in range(4):
        hand_in(tmp_path, f"learner-{n}", {"objectives": 4})
    hand_in(tmp_path, "learner-9", {"objectives": 2}, module=STANDALONE_MODULE)  # on its own, in their folder
    # both ways: counted once, the later answer
    hand_in(
        tmp_path,
        "learner-0",
        {"objectives": 5},
        module=STANDALONE_MODULE,
        updated="2099-01-01T00:00:00+00:00",
    )
    drop = tmp_path / "evaluations"
    drop.mkdir()
    record = EvaluationRecord(ratings={"objectives": 1}, comments="dropped")
    (drop / "a.json").write_text(
        AnswerFile(module="evaluation", evaluation=record).model_dump_json(), encoding="utf-8"
    )
    (drop / "b.json").write_text("{not json", encoding="utf-8")
    (drop / "c.json").write_text(AnswerFile(module="m03").model_dump_json(), encoding="utf-8")  # wrong module
    records, damaged = collect_evaluations(tmp_path)
    assert sorted(r.ratings["objectives"] for r in records) == [1, 2, 4, 4, 4, 5]
    assert damaged == 2


def test_the_aggregate_counts_each_point_gives_medians_and_shuffles_comments(
    ev: Evaluation, tmp_path: Path
) -> None:
    ratings = [1, 2, 4, 4, 5, 5]
    for n, r in enumerate(ratings):
        hand_in(
            tmp_path,
            f"learner-{n}",
            {"objectives": r, "respect": 5},
            comments=f"comment {n}" if n % 2 else "",
        )
    hand_in(tmp_path, "learner-blank", {})  # opened but not answered: not a response
    summary = evaluate_course(tmp_path)
    assert summary.responded == 6 and summary.suppressed is None
    objectives = summary.statements[0]
    assert objectives.counts == {1: 1, 2: 1, 3: 0, 4: 2, 5: 2}
    assert objectives.median == 4 and objectives.answered == 6
    relevance = summary.statements[1]
    assert relevance.answered == 0 and relevance.median is None
    assert sorted(summary.comments) == ["comment 1", "comment 3", "comment 5"]
    assert summary.comments == evaluate_course(tmp_path).comments  # seeded: the same each time
    records, _ = collect_evaluations(tmp_path)
    orders = {tuple(summarise(ev, records, seed=s).comments) for s in range(8)}
    assert len(orders) > 1  # the order comes from the shuffle, not from the learners' folders
    html = summary_html(summary)
    assert "learner-" not in html
    assert "<caption>" in html and "scope='row'" in html and "Strongly agree" in html


def test_below_the_minimum_nothing_is_shown(ev: Evaluation, tmp_path: Path) -> None:
    for n in range(MIN_COHORT - 1):
        hand_in(tmp_path, f"learner-{n}", {"objectives": 5}, comments="Only me")
    summary = evaluate_course(tmp_path)
    assert summary.responded == MIN_COHORT - 1
    assert summary.suppressed and not summary.statements and not summary.comments
    html = summary_html(summary)
    assert "Only me" not in html and "<table" not in html and "fewer than the minimum of 5" in html
    hand_in(tmp_path, "learner-last", {"objectives": 5})
    assert evaluate_course(tmp_path).suppressed is None


def test_comments_are_escaped_in_the_report(ev: Evaluation) -> None:
    records = [EvaluationRecord(ratings={"intent": 3}, comments="<script>x</script>") for _ in range(5)]
    html = summary_html(summarise(ev, records))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_dashboard_shows_the_evaluation_and_the_item_analysis_sections(tmp_path: Path) -> None:
    from affirming_care.grading.dashboard import build_dashboard

    for n, r in enumerate([2, 3, 4, 4, 5, 5]):
        hand_in(tmp_path, f"learner-{n}", {"respect": r}, comments="Hostile <i>text</i>" if n == 0 else "")
    dash = build_dashboard(tmp_path, modules=["m12"])
    assert dash.html is not None
    html = dash.html.read_text(encoding="utf-8")
    evaluation = html[html.index("id='course-evaluation'") :]
    assert "6 people answered" in evaluation and "Hostile &lt;i&gt;text&lt;/i&gt;" in evaluation
    assert "Post-test item analysis" in html and "do not carry post-test answers" in html
    assert html.index("course-evaluation") < html.index("</main>")
    assert "learner-" not in html
