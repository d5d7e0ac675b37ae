"""The same scripted paths, through both hosts of the one engine, store the same records.

Book host: the engine in Node.js with its browser-storage host (``BrowserStore``, over an
in-memory localStorage), the learner's actions applied by the engine's rules as the view does.
Python host: the widgets' API (the engine's rules, then ``receive`` as the view's messages go),
writing the answer file through ``AnswerStore``. The two files are compared field by field,
leaving out only the timestamps.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from affirming_care import Module
from affirming_care.render import question_data, reflection_data, vignette_data
from affirming_care.widgets import ENGINE

CASE_PATHS: list[list[tuple[str, str | None]]] = [
    # choose, try again, continue, back, restart, finish
    [("begin", None), ("choose", "a"), ("tryAgain", None), ("choose", "b"), ("goOn", None),
     ("back", None), ("choose", "a"), ("goOn", None), ("goOn", None), ("restart", None)],
    # skip, then come back, finish, restart and stop half-way with feedback showing
    [("skip", None), ("begin", None), ("choose", "b"), ("goOn", None), ("restart", None), ("choose", "a")],
    # back at the start does nothing; never finished
    [("begin", None), ("back", None), ("choose", "a"), ("goOn", None), ("back", None)],
]  # fmt: skip
CHECK_STEPS = {"m02-q-one": [["a"], ["b"], ["a"]], "m02-q-two": [["b"], ["a", "b"]]}
REFLECTION_STEPS: list[dict[str, Any]] = [
    {"text": "First words."},
    {"self_assessment": {"accuracy": 1}},
    {"text": "First words, and then more."},
    {"self_assessment": {"accuracy": 2, "application": 3}},
]

NODE_PROGRAM = """
const fs = require("fs");
import(process.argv[1]).then((engine) => {
  const input = JSON.parse(fs.readFileSync(0, "utf8"));
  const memory = new Map();
  const storage = { getItem: (k) => (memory.has(k) ? memory.get(k) : null),
                    setItem: (k, v) => memory.set(k, String(v)), removeItem: (k) => memory.delete(k) };
  const store = new engine.BrowserStore("m02", storage);
  for (const [data, steps] of input.cases) {
    const host = store.host(data);
    for (const [action, arg] of steps) {
      const record = engine.fitCase(host.load(), data);
      host.save(engine.caseAct(record, data, action, arg));
    }
  }
  for (const [data, steps] of input.checks) {
    const host = store.host(data);
    for (const selected of steps) { host.save({ selected }); }
  }
  const [rdata, rsteps] = input.reflection;
  const rhost = store.host(rdata);
  for (const change of rsteps) { rhost.save(change); }
  process.stdout.write(storage.getItem("affirming-care:answers:m02"));
});
"""


def without_stamps(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_stamps(v) for k, v in value.items() if k not in ("at", "updated")}
    if isinstance(value, list):
        return [without_stamps(v) for v in value]
    return value


def test_both_hosts_store_the_same_records(mini_course: Path, answers: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the engine outside a browser (the machine has Node.js 20)")
    module = Module("m02")
    content = module.content
    case = content.vignette("m02-kai-intake")

    # The Python host, one case at a time (each path in a fresh answer folder would hide
    # nothing: the paths are applied one after another to the same case, in both hosts).
    widget = module.vignette(case.id)
    for steps in CASE_PATHS:
        for action, arg in steps:
            getattr(widget, {"tryAgain": "try_again", "goOn": "go_on"}.get(action, action))(
                *([arg] if arg else [])
            )
    for qid, steps in CHECK_STEPS.items():
        check = module.check(qid)
        for selected in steps:
            check.select(*selected)
            check.submit()
    reflection = module.reflection()
    for change in REFLECTION_STEPS:
        if "text" in change:
            reflection.write(change["text"])
        else:
            reflection.assess(**change["self_assessment"])
    python = json.loads((answers / "m02-answers.json").read_text())

    numbers = {q.id: i + 1 for i, q in enumerate(content.questions)}
    payload = {
        "cases": [[vignette_data(case), [s for steps in CASE_PATHS for s in steps]]],
        "checks": [
            [question_data(content.question(qid), numbers[qid], graded=False), steps]
            for qid, steps in CHECK_STEPS.items()
        ],
        "reflection": [reflection_data(content.reflection, module.course.rubric), REFLECTION_STEPS],  # type: ignore[arg-type]
    }
    out = subprocess.run(
        [node, "-e", NODE_PROGRAM, ENGINE.as_uri()],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    book = json.loads(out.stdout)

    # Field by field, so a difference names its place.
    for part in ("vignettes", "checks", "reflections"):
        assert set(book[part]) == set(python[part]), part
        for item_id, record in python[part].items():
            for field, value in without_stamps(record).items():
                assert without_stamps(book[part][item_id]).get(field) == value, f"{part}.{item_id}.{field}"
            assert set(without_stamps(book[part][item_id])) == set(without_stamps(record)), (
                f"{part}.{item_id}"
            )
    assert {k: book[k] for k in ("format", "version", "module")} == {
        k: python[k] for k in ("format", "version", "module")
    }
    # The rules the paths exercise: finished stays finished; the first attempt is kept.
    assert python["vignettes"][case.id]["status"] == "finished"
    assert python["checks"]["m02-q-one"]["attempts"][0]["selected"] == ["a"]


# Earlier choices that matter: a stateful path through the capstone ---------------------------------

CAPSTONE_PATH: list[tuple[str, str | None]] = [
    # the money question (sets a flag), then the note that names her work (sets another)
    ("begin", None), ("choose", "a"), ("goOn", None), ("goOn", None), ("choose", "a"), ("goOn", None),
    ("choose", "a"), ("goOn", None),
    # Back undoes the note; a note that leaves her work out reaches the same scene without it
    ("back", None), ("choose", "b"), ("goOn", None),
    # Restart undoes both; the strong opening reaches her words unguarded
    ("restart", None), ("choose", "c"), ("goOn", None),
]  # fmt: skip

STATEFUL_PROGRAM = """
const fs = require("fs");
import(process.argv[1]).then((engine) => {
  const input = JSON.parse(fs.readFileSync(0, "utf8"));
  const memory = new Map();
  const storage = { getItem: (k) => (memory.has(k) ? memory.get(k) : null),
                    setItem: (k, v) => memory.set(k, String(v)), removeItem: (k) => memory.delete(k) };
  const store = new engine.BrowserStore(input.module, storage);
  const host = store.host(input.data);
  const shown = [];
  for (const [action, arg] of input.steps) {
    const record = engine.fitCase(host.load(), input.data);
    host.save(engine.caseAct(record, input.data, action, arg));
    const s = engine.caseShown(engine.fitCase(host.load(), input.data), input.data);
    shown.push({ scene: s.scene, flags: s.flags, text_html: s.text_html, choices: s.choices });
  }
  process.stdout.write(JSON.stringify({ answers: JSON.parse(storage.getItem(engine.PREFIX + input.module)), shown }));
});
"""


def test_both_hosts_agree_on_a_stateful_path(answers: Path) -> None:
    """Flags set along the path change what is shown, identically in both hosts; Back and Restart
    undo them; and what is shown matches the content model's own reading of the case."""
    from affirming_care.render import md

    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the engine outside a browser (the machine has Node.js 20)")
    module = Module("m12")
    case = module.content.vignette("m12-capstone")
    widget = module.vignette(case.id)
    python_shown = []
    for action, arg in CAPSTONE_PATH:
        getattr(widget, {"tryAgain": "try_again", "goOn": "go_on"}.get(action, action))(
            *([arg] if arg else [])
        )
        python_shown.append(widget.shown)
    python = json.loads((answers / "m12-answers.json").read_text())

    out = subprocess.run(
        [node, "-e", STATEFUL_PROGRAM, ENGINE.as_uri()],
        input=json.dumps({"module": "m12", "data": widget.data, "steps": CAPSTONE_PATH}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    book = json.loads(out.stdout)
    assert without_stamps(book["answers"]["vignettes"]) == without_stamps(python["vignettes"])
    assert book["shown"] == python_shown

    by_step = [(s["scene"], tuple(s["flags"])) for s in python_shown]
    assert by_step[3] == ("her-words", ("asked-who-takes-her-money",))
    assert by_step[7] == ("the-request", ("asked-who-takes-her-money", "wrote-her-work-in-file"))
    assert by_step[10] == ("the-request", ("asked-who-takes-her-money",))
    assert by_step[-1] == ("her-words", ())
    # The text shown is the content model's own variant for those flags, rendered.
    for s in python_shown:
        scene = case.scene(s["scene"])
        assert scene is not None
        assert s["text_html"] == md(scene.shown_text(set(s["flags"])))
        assert s["choices"] == [c.id for c in scene.offered(set(s["flags"]))]
    assert python_shown[7]["text_html"] != python_shown[10]["text_html"]
