"""The Python host of the course's one case engine (``static/engine.js``), as anywidgets.

The case, the check, the post-test item and the reflection are drawn and run by the engine, in
the browser (a post-test item is the check component in its post-test mode). This
side gives the engine its data (built from the content objects, without an answer key in a
graded assignment), and keeps every event the view sends in the learner's answer store
(``store.AnswerStore``, the ``mNN-answers.json`` file beside the notebook). Each event is
acknowledged, so a view whose kernel is gone (a restart, a reopened notebook) can say so.

Each widget also offers a ``text/html`` view: the whole item statically, with a line asking to
run the cell. JupyterLab shows it where it cannot draw the live widget, and the book prints it.

Tests drive the widgets as a click does: ``choose``, ``try_again``, ``go_on``, ``back``,
``restart``, ``skip`` and ``begin`` run the engine's own rules (in Node.js) and send the result
through the same ``receive`` the view's messages go through; ``select``/``submit`` and
``write``/``assess`` send the events a check and a reflection send.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Sequence
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t
from pydantic import ValidationError

from affirming_care import posttest, render
from affirming_care.content import FIT_LABELS, Question, Reflection, Rubric, Vignette
from affirming_care.loader import ContentError
from affirming_care.posttest import PublicBank
from affirming_care.store import AnswerStore, DamagedStore, VignetteRecord, read_answer_file

ENGINE = Path(str(files("affirming_care") / "static" / "engine.js"))
"""The one front-end module: shipped with the package, copied into the book's _static."""

RUN_LINE = (
    '<p class="ac-run-cell"><strong>Run this cell to continue where you left off</strong> '
    "(click in it and press Shift+Enter). Until then, this is the whole item to read.</p>"
)


def warning_html(text: str | None) -> str:
    return f'<div class="ac-warning" role="alert"><p>{escape(text)}</p></div>' if text else ""


class EngineError(ValueError):
    """The engine refused an action (such as a response that is not offered here)."""


def run_engine(function: str, *args: Any) -> Any:
    """Call one of the engine's exported rules in Node.js, for tests and the Python test API."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("the widgets' Python test API runs the engine in Node.js; install node")
    program = (
        "const [url, fn, args] = process.argv.slice(1);"
        "import(url).then((m) => { try { process.stdout.write(JSON.stringify(m[fn](...JSON.parse(args)))); }"
        " catch (e) { process.stderr.write(String(e.message)); process.exit(3); } });"
    )
    out = subprocess.run(
        [node, "-e", program, ENGINE.as_uri(), function, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if out.returncode == 3:
        raise EngineError(out.stderr.strip())
    if out.returncode != 0:
        raise RuntimeError(f"the engine failed in Node.js: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


class _EngineWidget(anywidget.AnyWidget):
    """What the three widgets share: the engine, its data, the saved record, the message protocol."""

    _esm = ENGINE
    data = t.Dict().tag(sync=True)
    record = t.Dict(allow_none=True, default_value=None).tag(sync=True)
    warning = t.Unicode("").tag(sync=True)

    def __init__(self, store: AnswerStore, data: dict[str, Any], record: dict[str, Any] | None) -> None:
        super().__init__(data=data, record=record, warning=warning_html(store.take_warning()))
        self.store = store
        self.add_class("ac-engine-widget")
        self.on_msg(self._on_msg)

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        self.send(self.receive(content))

    def receive(self, content: Any) -> dict[str, Any]:
        """Handle one message from the view; the reply acknowledges it (or says why not)."""
        if not isinstance(content, dict):
            return {"ack": None, "ok": False, "error": "not a message"}
        ack = content.get("id")
        if content.get("type") == "hello":
            return {"ack": ack, "ok": True}
        if content.get("type") != "save":
            return {"ack": ack, "ok": False, "error": f"unknown message {content.get('type')!r}"}
        try:
            self.keep(content.get("event"))
        except (ValidationError, ValueError, TypeError) as exc:
            return {"ack": ack, "ok": False, "error": f"This answer could not be saved: {exc}"}
        return {"ack": ack, "ok": True}

    def keep(self, event: Any) -> None:  # pragma: no cover - each widget keeps its own kind
        raise NotImplementedError

    def static_html(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def run_line(self) -> str:
        """The line above the static view asking to run the cell."""
        return RUN_LINE

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        data, meta = bundle if isinstance(bundle, tuple) else (bundle or {}, {})
        data = dict(data)
        data["text/html"] = self.run_line() + self.static_html()
        return data, meta


def _summaries() -> dict[str, str]:
    from affirming_care.loader import cached_course

    return {p.id: p.summary for p in cached_course().curriculum.points}


class VignetteWidget(_EngineWidget):
    """A branching case. The store keeps the path, so reopening the notebook resumes it."""

    def __init__(self, vignette: Vignette, store: AnswerStore) -> None:
        self.v = vignette
        self.summaries = _summaries()
        super().__init__(
            store, render.vignette_data(vignette, self.summaries), store.vignette(vignette.id).model_dump()
        )

    def keep(self, event: Any) -> None:
        record = VignetteRecord.model_validate(event)
        known = {s.id for s in self.v.scenes} | {e.id for e in self.v.endings}
        unknown = [p for p in record.path if p not in known]
        if unknown:
            raise ValueError(f"the path names {unknown}, which are not part of {self.v.id}")
        self.store.put_vignette(self.v.id, record)
        self.record = record.model_dump()

    # The learner's actions, as the buttons do them (the engine's rules) -----------------------

    def _act(self, action: str, arg: str | None = None) -> None:
        new = run_engine("caseAct", self.record_model.model_dump(), self.data, action, arg)
        reply = self.receive({"type": "save", "id": 0, "event": new})
        if not reply["ok"]:
            raise ValueError(reply["error"])

    def begin(self) -> None:
        self._act("begin")

    def skip(self) -> None:
        self._act("skip")

    def choose(self, choice_id: str) -> None:
        self._act("choose", choice_id)

    def try_again(self) -> None:
        self._act("tryAgain")

    def go_on(self) -> None:
        self._act("goOn")

    def back(self) -> None:
        self._act("back")

    def restart(self) -> None:
        self._act("restart")

    # State ------------------------------------------------------------------------------------

    @property
    def record_model(self) -> VignetteRecord:
        return VignetteRecord.model_validate(self.record or {})

    @property
    def current(self) -> str | None:
        """The scene or ending the learner is at; None before the case starts or after a skip."""
        r = self.record_model
        return None if r.status in ("not-started", "skipped") or not r.path else r.path[-1]

    @property
    def chosen(self) -> str | None:
        return self.record_model.chosen

    @property
    def shown(self) -> dict[str, Any]:
        """What the view shows at the current step, by the engine's own rule (``caseShown``): the
        path's flags, the scene's text (its variant, if one holds) and the responses offered."""
        out: dict[str, Any] = run_engine("caseShown", self.record_model.model_dump(), self.data)
        out.pop("offered", None)
        return out

    @property
    def feedback_html(self) -> str:
        scene = self.v.scene(self.current or "")
        if scene is None or self.chosen is None:
            return ""
        choice = next(c for c in scene.choices if c.id == self.chosen)
        return render.choice_feedback_html(self.v.id, "", choice, self.summaries)

    def static_html(self) -> str:
        return render.vignette_html(self.v, self.summaries)


class _OptionsWidget(_EngineWidget):
    """What a practice check and a post-test item share: ticks set by clicking, saved as option ids.

    Subclasses say which ids are valid (``_validate``) and where an answer is kept (``_save``).
    """

    selected: set[str]

    def _validate(self, option_ids: list[str]) -> list[str]:
        raise NotImplementedError

    def _save(self, selected: list[str]) -> dict[str, Any]:
        raise NotImplementedError

    def keep(self, event: Any) -> None:
        if not isinstance(event, dict) or not isinstance(event.get("selected"), list):
            raise ValueError("expected {'selected': [option ids]}")
        selected = self._validate([str(x) for x in event["selected"]])
        record = self._save(selected)
        self.selected = set(selected)
        self.record = record

    def select(self, *option_ids: str) -> None:
        """Set the ticks (without saving them yet), as clicking the options does."""
        if option_ids:
            self._validate(list(option_ids))
        self.selected = set(option_ids)

    def submit(self) -> None:
        """Save the ticks as the answer, as "Check my answer" (or "Save my answer") does."""
        reply = self.receive({"type": "save", "id": 0, "event": {"selected": sorted(self.selected)}})
        if not reply["ok"]:
            raise ValueError(reply["error"])


class CheckWidget(_OptionsWidget):
    """A knowledge check answered by clicking.

    In a learning notebook it explains the chosen options at once. In a graded assignment
    (``graded=True``) it only saves the answer, and the front end gets no answer key at all.
    """

    def __init__(
        self, question: Question, store: AnswerStore, number: int | None = None, graded: bool = False
    ) -> None:
        self.q, self.number, self.graded = question, number, graded
        saved = store.check(question.id)
        self.selected: set[str] = set(saved.selected) if saved else set()
        summaries = None if graded else _summaries()
        data = render.question_data(question, number, graded=graded, summaries=summaries)
        super().__init__(store, data, saved.model_dump() if saved else None)

    def _validate(self, option_ids: list[str]) -> list[str]:
        unknown = set(option_ids) - {o.id for o in self.q.options}
        if unknown:
            raise ValueError(f"no option {sorted(unknown)} in {self.q.id}")
        if self.q.kind == "single" and len(option_ids) > 1:
            raise ValueError("this question takes one answer")
        if not option_ids:
            raise ValueError("choose an answer first")
        return sorted(set(option_ids))

    def _save(self, selected: list[str]) -> dict[str, Any]:
        return self.store.answer_check(self.q.id, selected).model_dump()  # the store keeps the first attempt

    @property
    def answered(self) -> bool:
        return self.store.check(self.q.id) is not None

    @property
    def correct(self) -> bool:
        saved = self.store.check(self.q.id)
        return saved is not None and frozenset(saved.selected) == self.q.answer

    def static_html(self) -> str:
        summaries = None if self.graded else _summaries()
        return render.question_html(self.q, self.number, reveal=not self.graded, summaries=summaries)


class PostTestWidget(_OptionsWidget):
    """One item of a module's post-test (issue 11), in the engine's check component, post-test mode.

    The variant and the order of its options are drawn from the learner's seed
    (``store.posttest_seed()``) over the keyless copy of the bank (``posttest.PublicBank``), the
    same draw the grader makes over the full bank. An answer is saved at once as option ids (never
    positions); the view then says only that it is saved. There is no key here to show.
    """

    def __init__(
        self,
        public: PublicBank,
        slot_id: str,
        store: AnswerStore,
        drawer: Callable[[PublicBank, str], list[posttest.Drawn]] = posttest.draw,
    ) -> None:
        slot = public.slot(slot_id)  # KeyError naming the slots there are
        self.public, self.slot_id = public, slot_id
        self.number = public.slots.index(slot) + 1
        self.total = len(public.slots)
        self.seed = store.posttest_seed()
        # ``drawer``: the post-test's draw, or the pre-course check's (``precheck.precheck_draw``).
        drawn = next(d for d in drawer(public, self.seed) if d.slot_id == slot_id)
        self.variant = posttest.drawn_variant(public, drawn)
        self.order: tuple[str, ...] = drawn.option_order
        saved = [o for o in store.posttest_answer(slot_id) or [] if o in self.order]
        self.selected: set[str] = set(saved)
        data = render.posttest_data(public.module, slot_id, self.variant, self.order, self.number, self.total)
        super().__init__(store, data, {"selected": saved} if saved else None)

    def _validate(self, option_ids: list[str]) -> list[str]:
        unknown = [o for o in option_ids if o not in self.order]
        if unknown:
            raise ValueError(
                f"question {self.number} ({self.slot_id}) has no option {sorted(set(unknown))}; "
                f"its options are {sorted(self.order)}"
            )
        if self.variant.kind == "single" and len(set(option_ids)) > 1:
            raise ValueError(f"question {self.number} ({self.slot_id}) takes one answer")
        if not option_ids:
            raise ValueError("choose an answer first")
        return sorted(set(option_ids))

    def _save(self, selected: list[str]) -> dict[str, Any]:
        self.store.answer_posttest(self.slot_id, selected)
        return {"selected": selected}

    @property
    def answered(self) -> bool:
        return bool(self.store.posttest_answer(self.slot_id))

    @property
    def saved(self) -> list[str]:
        """The option ids saved for this item ([] before an answer is saved)."""
        return list(self.store.posttest_answer(self.slot_id) or [])

    def _draw_is_kept(self) -> bool:
        """True once the seed that drew this item is in the answer file: only then does a new run of
        the cell (after a restart) draw the same item, so only then may the static view show it."""
        try:
            on_disk = read_answer_file(self.store.path, self.store.module_id)
        except DamagedStore:
            return False
        return on_disk is not None and on_disk.posttest is not None and on_disk.posttest.seed == self.seed

    def static_html(self) -> str:
        data = self.data if self._draw_is_kept() else None
        return render.posttest_html(data, self.slot_id, self.number, self.total, self.saved)

    def run_line(self) -> str:
        # Before the draw is kept, the static view is itself the line asking to run the cell.
        return RUN_LINE if self._draw_is_kept() else ""


class PostTestUnavailable:
    """What a post-test cell shows when its items cannot be read: one plain message naming the file."""

    def __init__(self, error: ContentError) -> None:
        first = error.problems[0] if error.problems else None
        where = f"{first.path.name} ({first.path})" if first else "the post-test items"
        why = first.message if first else str(error)
        if first and first.field:
            why = f"{first.field}: {why}"
        self.message = (
            f"This question cannot be shown: the file {where} could not be used: {why}. "
            "Ask the person who runs your course for the assignment's post-test file."
        )

    def _repr_html_(self) -> str:
        return warning_html(self.message)

    def __repr__(self) -> str:
        return self.message


LEARNING_KEPT = "Saved as you type, only on this computer (in the answer file beside the notebook)."
GRADED_KEPT = "Saved as you type, in the answer file beside this assignment; it is handed in with it."


class ReflectionWidget(_EngineWidget):
    """A written reflection kept in the learner's store, with an optional self-assessment.

    For self-paced learners with no grader: the rubric is shown, and they can score their own
    answer against it ("Not scored" until they do). The text never leaves their machine.
    Once they have written and scored every criterion, ``after_html`` holds the module's anchored
    rubric and exemplars (``anchors.after_self_score_html``), and the view shows it; before, it is
    empty, so the anchors never reach the page first. Without anchors installed it stays empty.

    In a graded assignment (``graded=True``) the anchors and exemplars are grader material: they
    are never looked up, and ``after_html`` stays empty. ``notices`` are plain sentences shown
    above the reflection (``module.carry_over_reflection`` says what it brought over).
    """

    after_html = t.Unicode("").tag(sync=True)

    def __init__(
        self,
        reflection: Reflection,
        rubric: Rubric,
        store: AnswerStore,
        *,
        graded: bool = False,
        notices: Sequence[str] = (),
    ) -> None:
        self.r, self.rubric, self.graded, self.notices = reflection, rubric, graded, list(notices)
        self._anchors_for: tuple[tuple[str, int], ...] | None = None
        self._anchors = ""
        data = render.reflection_data(
            reflection, rubric, GRADED_KEPT if graded else LEARNING_KEPT, self.notices
        )
        super().__init__(store, data, store.reflection(reflection.id).model_dump())
        self.after_html = self.anchors_html()

    def anchors_html(self) -> str:
        """The anchors and exemplars once the reflection is written and every criterion scored, else "".

        Always "" in a graded assignment: the anchors and exemplars are grader material there.
        """
        from affirming_care.anchors import after_self_score_html

        if self.graded:
            return ""
        record = self.store.reflection(self.r.id)
        scores = dict(record.self_assessment)
        if not record.text.strip() or any(c.id not in scores for c in self.rubric.criteria):
            return ""
        key = tuple(sorted(scores.items()))
        if key != self._anchors_for:  # read the anchors file once per set of scores, not at every key
            try:
                self._anchors = after_self_score_html(self.r.module, scores) or ""
            except ContentError as exc:  # a broken anchors file must never stop an answer being kept
                self._anchors = warning_html(f"The example answers for this prompt cannot be shown: {exc}")
            self._anchors_for = key
        return self._anchors

    def keep(self, event: Any) -> None:
        if not isinstance(event, dict):
            raise ValueError("expected {'text': ...} or {'self_assessment': {...}}")
        text = event.get("text")
        scores = event.get("self_assessment")
        if text is not None and not isinstance(text, str):
            raise ValueError("text: expected a string")
        if scores is not None:
            scores = self._scores(scores)
        self.store.put_reflection(self.r.id, text=text, self_assessment=scores)
        self.record = self.store.reflection(self.r.id).model_dump()
        self.after_html = self.anchors_html()

    def _scores(self, scores: Any) -> dict[str, int]:
        if not isinstance(scores, dict):
            raise ValueError("self_assessment: expected criterion: score")
        allowed = {c.id: {lv.score for lv in c.levels} for c in self.rubric.criteria}
        for cid, score in scores.items():
            if cid not in allowed or score not in allowed[cid]:
                raise ValueError(f"self_assessment.{cid}: expected one of {sorted(allowed.get(cid, []))}")
        return {str(k): int(v) for k, v in scores.items()}

    def write(self, text: str) -> None:
        """Keep the text, as typing does."""
        self.receive({"type": "save", "id": 0, "event": {"text": text}})

    def assess(self, **scores: int) -> None:
        """Score criteria, as the "Score yourself" menus do (other criteria keep their score)."""
        merged = dict(self.store.reflection(self.r.id).self_assessment) | scores
        reply = self.receive({"type": "save", "id": 0, "event": {"self_assessment": merged}})
        if not reply["ok"]:
            raise ValueError(reply["error"])

    @property
    def text(self) -> str:
        return self.store.reflection(self.r.id).text

    @property
    def self_assessment(self) -> dict[str, int]:
        return dict(self.store.reflection(self.r.id).self_assessment)

    def static_html(self) -> str:
        said = "".join(f'<p class="ac-notice" role="note">{escape(n)}</p>' for n in self.notices)
        return said + render.reflection_html(self.r, self.rubric)


__all__ = [
    "ENGINE",
    "FIT_LABELS",
    "CheckWidget",
    "PostTestUnavailable",
    "PostTestWidget",
    "ReflectionWidget",
    "VignetteWidget",
    "run_engine",
]
