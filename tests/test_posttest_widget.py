"""The post-test in a graded assignment, on the learner's side (issue 11), and its reflection.

The items come from the keyless copy of the shipped bank (``posttest.public_bank``), written to a
temporary answer folder as the assignment releases it (``mNN-posttest.json``). The grader's draw
over the full bank decides what each saved answer scores, so these tests score through it.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from affirming_care import paths, posttest, render, store
from affirming_care.anchors import course_anchors
from affirming_care.module import Module, learning_answer_folders
from affirming_care.widgets import PostTestUnavailable, PostTestWidget

SEEDS = ("0123456789abcdef", "fedcba9876543210")


@pytest.fixture(scope="module")
def banks() -> dict[str, posttest.Bank]:
    return posttest.load_banks()


@pytest.fixture(autouse=True)
def fresh_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a fresh kernel: no answer store shared from an earlier test."""
    monkeypatch.setattr(store, "_SHARED", {})


def release(folder: Path, bank: posttest.Bank, seed: str | None = None) -> None:
    """The assignment's item file beside the notebook; with ``seed``, an answer file already holding it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / posttest.public_filename(bank.module)).write_text(
        posttest.public_bank(bank).model_dump_json(), encoding="utf-8"
    )
    if seed is not None:
        answer = {"module": bank.module, "posttest": {"seed": seed, "answers": {}}}
        (folder / f"{bank.module}-answers.json").write_text(json.dumps(answer), encoding="utf-8")


KEY_NAMES = {"correct", "feedback", "feedback_html", "rationale", "answer"}


def keys(value: object) -> set[str]:
    """Every key at any depth of a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def item(module: Module, slot_id: str) -> PostTestWidget:
    widget = module.posttest(slot_id)
    assert isinstance(widget, PostTestWidget), getattr(widget, "message", widget)
    return widget


def stored(folder: Path, module: str) -> dict:
    return json.loads((folder / f"{module}-answers.json").read_text())


def test_two_seeds_draw_other_forms_and_answers_are_option_ids_the_grader_scores(
    banks: dict[str, posttest.Bank], tmp_path: Path
) -> None:
    bank = banks["m02"]
    shown: dict[str, list[tuple[str, list[str]]]] = {}
    for seed in SEEDS:
        folder = tmp_path / seed
        release(folder, bank, seed)
        module = Module("m02", graded=True, folder=folder)
        for slot in bank.slots:
            widget = item(module, slot.id)
            full = posttest.drawn_variant(bank, posttest.Drawn(slot.id, widget.variant.id, widget.order))
            assert widget.data["prompt_html"] == render.md_inline(full.stem)
            offered = [o["id"] for o in widget.data["options"]]
            assert offered == list(widget.order), "the options are shown in the drawn order"
            shown.setdefault(slot.id, []).append((widget.variant.id, offered))
            # Choose by what is shown: the right answer wherever the draw put it.
            widget.select(*sorted(full.answer))
            widget.submit()
            assert widget.answered and widget.saved == sorted(full.answer)
        saved = stored(folder, "m02")["posttest"]
        assert saved["seed"] == seed
        score = posttest.score_hand_in(bank, seed, saved["answers"])
        assert score.earned == bank.max_points, "every right answer, saved as ids, earns full marks"

    differ = [s for s, (a, b) in shown.items() if a != b]
    assert differ, "two seeds drew the same variant and order for every slot"
    # The same place on screen holds another option under the other seed for some slot: ids, not positions.
    assert any(a[1][0] != b[1][0] for a, b in shown.values())


def test_a_wrong_answer_saved_by_position_would_not_score(
    banks: dict[str, posttest.Bank], tmp_path: Path
) -> None:
    bank = banks["m02"]
    release(tmp_path, bank, SEEDS[0])
    module = Module("m02", graded=True, folder=tmp_path)
    single = next(s for s in bank.slots if item(module, s.id).variant.kind == "single")
    widget = item(module, single.id)
    full = posttest.drawn_variant(bank, posttest.Drawn(single.id, widget.variant.id, widget.order))
    wrong = next(o for o in widget.order if o not in full.answer)
    widget.select(wrong)
    widget.submit()
    score = posttest.score_hand_in(bank, SEEDS[0], stored(tmp_path, "m02")["posttest"]["answers"])
    assert next(s for s in score.slots if s.slot_id == single.id).earned == 0


def test_no_key_feedback_or_rationale_reaches_the_front_end_for_any_slot(
    banks: dict[str, posttest.Bank], tmp_path: Path
) -> None:
    for module_id, bank in banks.items():
        folder = tmp_path / module_id
        release(folder, bank)
        module = Module(module_id, graded=True, folder=folder)
        for n, slot in enumerate(bank.slots, start=1):
            widget = item(module, slot.id)
            widget.select(widget.order[0])
            widget.submit()
            assert not keys(widget.data) & KEY_NAMES and not keys(widget.record) & KEY_NAMES
            assert "variant" not in json.dumps(widget.data), "not even which form was drawn"
            sent = json.dumps(widget.data) + json.dumps(widget.record)
            static = widget._repr_mimebundle_()[0]["text/html"]
            for text in (sent, static):
                assert "data-correct" not in text and "data-feedback" not in text and '"correct"' not in text
                for variant in slot.variants:
                    assert html.escape(variant.rationale) not in text and variant.rationale not in text
                    for option in variant.options:
                        assert option.feedback not in text, (module_id, slot.id, variant.id, option.id)
            assert widget.data["mode"] == "posttest" and widget.data["graded"] is True
            assert widget.data["number"] == n and widget.data["total"] == len(bank.slots)
            assert f"Question {n} of {len(bank.slots)}." in static


def test_a_reopened_assignment_shows_the_saved_choice_and_the_same_draw(
    banks: dict[str, posttest.Bank], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = banks["m02"]
    release(tmp_path, bank)
    slot = bank.slots[1].id
    first = item(Module("m02", graded=True, folder=tmp_path), slot)
    before = first._repr_mimebundle_()[0]["text/html"]
    assert "Run this cell to see question 2" in before, "an unsaved draw may change: not shown"
    assert first.data["prompt_html"] not in before
    chosen = first.order[2]
    first.select(chosen)
    first.submit()

    monkeypatch.setattr(store, "_SHARED", {})  # the kernel restarts; the cell runs again
    again = item(Module("m02", graded=True, folder=tmp_path), slot)
    assert again.data == first.data, "the seed in the answer file draws the same item"
    assert again.record == {"selected": [chosen]} and again.selected == {chosen}
    static = again._repr_mimebundle_()[0]["text/html"]
    assert static.startswith('<p class="ac-run-cell">') and again.data["prompt_html"] in static
    assert f'value="{chosen}" checked disabled' in static
    assert static.count(" checked ") == 1
    positions = [static.index(f'value="{o}"') for o in again.order]
    assert positions == sorted(positions), "the static view lists the options in the drawn order"


def test_cells_run_alone_share_one_seed_and_one_file(banks: dict[str, posttest.Bank], answers: Path) -> None:
    bank = banks["m05"]
    release(answers, bank)
    a, b = bank.slots[0].id, bank.slots[3].id
    one = item(Module("m05", graded=True), a)  # each cell makes its own Module, as a cell run alone does
    two = item(Module("m05", graded=True), b)
    assert one.seed == two.seed
    one.select(one.order[0])
    one.submit()
    two.select(two.order[1])
    two.submit()
    Module("m05", graded=True).reflection().write("Written between two answers.")
    saved = stored(answers, "m05")["posttest"]
    assert saved["seed"] == one.seed
    assert saved["answers"] == {a: [one.order[0]], b: [two.order[1]]}


def test_the_item_file_is_read_once_per_module(banks: dict[str, posttest.Bank], tmp_path: Path) -> None:
    release(tmp_path, banks["m02"])
    module = Module("m02", graded=True, folder=tmp_path)
    item(module, banks["m02"].slots[0].id)
    (tmp_path / "m02-posttest.json").unlink()
    assert isinstance(module.posttest(banks["m02"].slots[1].id), PostTestWidget)


def test_a_missing_or_broken_item_file_is_one_plain_message_naming_it(
    banks: dict[str, posttest.Bank], tmp_path: Path
) -> None:
    slot = banks["m02"].slots[0].id
    missing = Module("m02", graded=True, folder=tmp_path).posttest(slot)
    assert isinstance(missing, PostTestUnavailable)
    assert "m02-posttest.json" in missing.message and "missing" in missing.message
    assert 'role="alert"' in missing._repr_html_() and "Traceback" not in missing._repr_html_()

    (tmp_path / "m02-posttest.json").write_text('{"format": "affirming-care/posttest-items", "slots": [')
    broken = Module("m02", graded=True, folder=tmp_path).posttest(slot)
    assert isinstance(broken, PostTestUnavailable)
    assert "m02-posttest.json" in broken.message and "not readable JSON" in broken.message

    release(tmp_path, banks["m03"])
    (tmp_path / "m02-posttest.json").write_text((tmp_path / "m03-posttest.json").read_text())
    other = Module("m02", graded=True, folder=tmp_path).posttest(slot)
    assert isinstance(other, PostTestUnavailable) and "'m03'" in other.message
    assert not (tmp_path / "m02-answers.json").exists()


def test_the_kernel_refuses_unknown_options_two_answers_to_one_and_unknown_slots(
    banks: dict[str, posttest.Bank], tmp_path: Path
) -> None:
    bank = banks["m02"]
    release(tmp_path, bank, SEEDS[0])
    module = Module("m02", graded=True, folder=tmp_path)
    widgets = [item(module, s.id) for s in bank.slots]
    single = next(w for w in widgets if w.variant.kind == "single")
    multiple = next(w for w in widgets if w.variant.kind == "multiple")

    with pytest.raises(ValueError, match=r"has no option \['z'\]"):
        single.select("z")
    with pytest.raises(ValueError, match="takes one answer"):
        single.select(*single.order[:2])
    reply = single.receive({"type": "save", "id": 4, "event": {"selected": list(single.order[:2])}})
    assert reply["ack"] == 4 and not reply["ok"] and "takes one answer" in reply["error"]
    assert not single.receive({"type": "save", "id": 5, "event": {"selected": []}})["ok"]
    assert not single.answered

    multiple.select(*multiple.order[:2])
    multiple.submit()
    assert multiple.saved == sorted(multiple.order[:2])
    with pytest.raises(KeyError, match="no post-test slot 'm02-p-nope'"):
        module.posttest("m02-p-nope")
    assert stored(tmp_path, "m02")["posttest"]["answers"] == {multiple.slot_id: sorted(multiple.order[:2])}


def test_a_content_note_travels_with_its_item(banks: dict[str, posttest.Bank], tmp_path: Path) -> None:
    bank = banks["m02"]
    noted = [(s, v) for s in bank.slots for v in s.variants if v.content_note]
    assert noted, "m02's bank has an item with a content note"
    slot, variant = noted[0]
    for k in range(200):  # a seed that draws the noted variant
        seed = f"seed{k:04d}x"
        if next(d for d in posttest.draw(bank, seed) if d.slot_id == slot.id).variant_id == variant.id:
            break
    folder = tmp_path / "noted"
    release(folder, bank, seed)
    widget = item(Module("m02", graded=True, folder=folder), slot.id)
    assert widget.data["note"]["html"] and variant.content_note is not None
    widget.select(widget.order[0])
    widget.submit()
    assert "Content note:" in widget.static_html()


# The reflection in an assignment ------------------------------------------------------------------


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A learner's home: the course's notebooks in ~/course/notebooks, the assignment two levels down."""
    home = tmp_path / "home"
    learning = home / "course" / "notebooks"
    assignment = home / "course" / "assignments" / "m02"
    for folder in (learning, assignment):
        folder.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("AFFIRMING_CARE_LEARNING_ANSWERS", raising=False)
    monkeypatch.setattr(paths, "course_root", lambda: tmp_path / "no-course-here")
    return {"home": home, "learning": learning, "assignment": assignment}


def write_learning(folder: Path, text: str, scores: dict[str, int]) -> Path:
    path = folder / "m02-answers.json"
    answer = {"module": "m02", "reflections": {"m02-reflection": {"text": text, "self_assessment": scores}}}
    path.write_text(json.dumps(answer), encoding="utf-8")
    return path


def test_the_module_notebooks_reflection_is_brought_over_once_and_can_be_revised(
    layout: dict[str, Path],
) -> None:
    learning = write_learning(
        layout["learning"], "I would ask <b>how</b> she names her work.", {"accuracy": 2}
    )
    before = learning.read_bytes(), learning.stat().st_mtime_ns

    reflection = Module("m02", graded=True, folder=layout["assignment"]).reflection()

    assert reflection.text == "I would ask <b>how</b> she names her work."
    assert reflection.self_assessment == {"accuracy": 2}
    assert len(reflection.data["notices"]) == 1
    assert "brought over" in reflection.data["notices"][0] and "revise" in reflection.data["notices"][0]
    assert "<b>" not in reflection.static_html() and "&lt;b&gt;" not in reflection.static_html()
    own = stored(layout["assignment"], "m02")["reflections"]["m02-reflection"]
    assert own["text"] == reflection.text, "saved in the assignment's file at once"
    assert (learning.read_bytes(), learning.stat().st_mtime_ns) == before, "the notebook's file is untouched"

    reflection.write("My revised reflection.")
    write_learning(layout["learning"], "Something newer in the notebook.", {})
    store._SHARED.clear()
    again = Module("m02", graded=True, folder=layout["assignment"]).reflection()
    assert again.text == "My revised reflection." and again.data["notices"] == []


def test_nothing_found_leaves_the_box_empty_and_a_damaged_file_is_noted_not_moved(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = Module("m02", graded=True, folder=layout["assignment"]).reflection()
    assert empty.text == "" and empty.data["notices"] == []
    assert not (layout["assignment"] / "m02-answers.json").exists()

    store._SHARED.clear()
    damaged = layout["learning"] / "m02-answers.json"
    damaged.write_text('{"module": "m02", "reflec')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_learning(elsewhere, "Found in the second place.", {"accuracy": 9, "application": 3})
    monkeypatch.setenv("HOME", str(tmp_path / "nobody"))
    monkeypatch.setenv("AFFIRMING_CARE_LEARNING_ANSWERS", str(layout["learning"]))
    monkeypatch.setattr(paths, "course_root", lambda: tmp_path)
    (tmp_path / "notebooks").symlink_to(elsewhere)

    reflection = Module("m02", graded=True, folder=layout["assignment"]).reflection()
    assert reflection.text == "Found in the second place."
    assert reflection.self_assessment == {"application": 3}, "a score the rubric does not have is dropped"
    notices = reflection.data["notices"]
    assert "brought over" in notices[0] and any(
        "could not be read" in n and str(damaged) in n for n in notices
    )
    assert damaged.read_text() == '{"module": "m02", "reflec', "a damaged notebook file stays where it is"


def test_the_places_looked_in_are_in_the_documented_order(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (layout["home"] / "other" / "notebooks").mkdir(parents=True)
    monkeypatch.setenv("AFFIRMING_CARE_LEARNING_ANSWERS", str(tmp_path / "first"))
    folders = learning_answer_folders(layout["assignment"])
    home = layout["home"].resolve()
    assert folders == [
        (tmp_path / "first").resolve(),
        (tmp_path / "no-course-here" / "notebooks").resolve(),
        home / "notebooks",
        home / "course" / "assignments" / "notebooks",
        home / "course" / "notebooks",
        home / "other" / "notebooks",
    ]


def test_a_learning_notebook_does_not_carry_over(layout: dict[str, Path]) -> None:
    write_learning(layout["learning"], "Only for the assignment.", {})
    assert Module("m02", folder=layout["assignment"]).reflection().text == ""


def test_a_graded_reflection_never_shows_the_exemplars_or_anchors(answers: Path) -> None:
    anchors = course_anchors("m02")
    assert anchors is not None
    sentence = " ".join(anchors.exemplar("weak").text.split(". ")[0].split())
    assert len(sentence) > 40

    learning = Module("m02").reflection()
    criteria = {c.id: 2 for c in learning.rubric.criteria}
    learning.write("I would ask how she wants her work named, and use her words.")
    learning.assess(**criteria)
    shown = " ".join(html.unescape(learning.after_html).split())
    assert sentence in shown, "control: the learning notebook shows the exemplar once scored"

    store._SHARED.clear()
    (answers / "m02-answers.json").unlink()
    graded = Module("m02", graded=True).reflection()
    graded.write("I would ask how she wants her work named, and use her words.")
    graded.assess(**criteria)
    sent = " ".join(html.unescape(json.dumps(graded.data) + graded.after_html + graded.static_html()).split())
    assert graded.after_html == "" and sentence not in sent
    assert "beside this assignment" in graded.data["where_kept"]
