"""Earlier choices matter: flags a response sets change what later scenes show (issue 12, item 2).

The Python host (the widget, running the engine's rules and keeping the answer file) shows the
capstone's custody scene differently after a note that names Danielle's work; Back undoes it; a
resumed case recomputes it; the static view prints every variant with its condition in words; and
the graph check still finds a scene that no assignment of flags can reach.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from affirming_care import Module
from affirming_care.content import Vignette
from affirming_care.render import vignette_html
from affirming_care.widgets import EngineError

TO_THE_RECORD = [("begin", None), ("choose", "c"), ("go_on", None), ("choose", "a"), ("go_on", None)]


def walk(widget: object, steps: list[tuple[str, str | None]]) -> None:
    for action, arg in steps:
        getattr(widget, action)(*([arg] if arg else []))


def test_the_custody_scene_reads_differently_after_the_note(answers: Path) -> None:
    module = Module("m12")
    widget = module.vignette("m12-capstone")
    walk(widget, [*TO_THE_RECORD, ("choose", "a"), ("go_on", None)])
    named = widget.shown
    assert named["scene"] == "the-request"
    assert named["flags"] == ["wrote-her-work-in-file"]
    assert "names it" in named["text_html"] and "Nothing in the file names her work" not in named["text_html"]

    # Back undoes the note; a note that leaves her work out reaches the same scene without it.
    walk(widget, [("back", None), ("choose", "b"), ("go_on", None)])
    plain = widget.shown
    assert plain["scene"] == "the-request" and plain["flags"] == []
    assert "Nothing in the file names her work" in plain["text_html"]
    assert plain["text_html"] != named["text_html"]

    # A resumed case (a new widget over the same answer file) recomputes the flags from the path.
    walk(widget, [("back", None), ("choose", "c"), ("go_on", None)])
    resumed = Module("m12").vignette("m12-capstone").shown
    assert resumed["flags"] == ["wrote-her-work-in-file"]
    assert resumed["text_html"] == named["text_html"]


def test_the_static_view_prints_each_variant_with_its_condition() -> None:
    case = Module("m12").content.vignette("m12-capstone")
    html = vignette_html(case)
    assert "If you wrote her work into her file, this part reads:" in html
    assert "Nothing in the file names her work" in html
    assert html.count('class="ac-variant"') == sum(len(s.variants) for s in case.scenes)


def test_a_conditional_response_and_a_conditional_ending_print_their_conditions() -> None:
    keisha = vignette_html(Module("m08").content.vignette("m08-keisha-leaving"))
    assert "If you told Keisha she was getting out and was safe now, this response is offered." in keisha
    jo = vignette_html(Module("m10").content.vignette("m10-jo-records"))
    assert "Ending: A file he checks, and trust that came later" in jo and "Otherwise:" in jo


def minimal(scenes: list[dict[str, object]], flags: dict[str, str]) -> Vignette:
    def choice(cid: str, nxt: str, **more: object) -> dict[str, object]:
        return {"id": cid, "text": "t", "fit": "strong", "feedback": "f", "client_voice": "v",
                "guide_points": ["MISTAKE-COERCION"], "next": nxt, **more}  # fmt: skip

    return Vignette.model_validate(
        {
            "id": "m02-flagged", "module": "m02", "title": "T", "summary": "S", "professional": "p",
            "setting": "housing", "flags": flags, "guide_points": ["MISTAKE-COERCION"], "start": "s1",
            "client": {"name": "K", "pronouns": "she/her", "age": 30, "identities": ["trans"],
                       "work": ["full-service"], "reason": "r", "reason_is_sex_work": False},
            "scenes": [{"id": "s1", "text": "x", "choices": [choice("a", "s2", set=["f"]), choice("b", "s2")]},
                       *scenes],
            "endings": [{"id": "e1", "title": "E", "text": "e"}, {"id": "e2", "title": "E2", "text": "e"}],
        }
    )  # fmt: skip


def test_a_scene_reached_only_under_a_flag_is_reachable_and_one_never_reached_is_caught() -> None:
    ok = minimal(
        [{"id": "s2", "text": "y", "next": "e1", "next_if": [{"when": "f", "next": "e2"}]}], {"f": "w"}
    )
    assert ok.graph_problems() == []
    unreachable = minimal(
        [{"id": "s2", "text": "y", "next": "e1", "next_if": [{"when": "f", "next": "e1"}]},
         {"id": "s3", "text": "z", "next": "e2"}],
        {"f": "w"},
    )  # fmt: skip
    said = [m for _, m in unreachable.graph_problems()]
    assert any("'s3' can never be reached" in m for m in said)
    assert any("'e2' can never be reached" in m for m in said)


def test_a_decision_point_keeps_two_responses_under_every_flag() -> None:
    v = minimal(
        [{"id": "s2", "text": "y", "choices": [
            {"id": "a", "text": "t", "fit": "strong", "feedback": "f", "client_voice": "v",
             "guide_points": ["MISTAKE-COERCION"], "next": "e1", "unless": "f"},
            {"id": "b", "text": "t", "fit": "harmful", "feedback": "f", "client_voice": "v",
             "guide_points": ["MISTAKE-COERCION"], "next": "e2"}]}],
        {"f": "w"},
    )  # fmt: skip
    assert [m for _, m in v.graph_problems()] == [
        "with f set, fewer than two responses are offered; expected two or more"
    ]


def test_a_response_opens_and_an_ending_changes_with_an_earlier_choice(answers: Path) -> None:
    keisha = Module("m08").vignette("m08-keisha-leaving")
    walk(keisha, [("begin", None), ("choose", "b"), ("go_on", None)])
    assert keisha.shown["scene"] == "bridge" and "e" not in keisha.shown["choices"]
    with pytest.raises(EngineError, match="no response e here"):
        keisha.choose("e")
    walk(keisha, [("restart", None), ("choose", "c"), ("go_on", None), ("choose", "a"), ("go_on", None)])
    assert keisha.shown["scene"] == "bridge" and "e" in keisha.shown["choices"]
    keisha.choose("e")  # offered now, so the engine accepts it

    jo = Module("m10").vignette("m10-jo-records")
    walk(jo, [("begin", None), ("choose", "b"), ("go_on", None), ("choose", "b"), ("go_on", None)])
    walk(jo, [("choose", "d"), ("go_on", None)])
    assert jo.record_model.ending == "trust-rebuilt"
    walk(jo, [("restart", None), ("choose", "a"), ("go_on", None), ("choose", "d"), ("go_on", None)])
    assert jo.record_model.ending == "trust"
