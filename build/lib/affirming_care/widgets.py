"""Live widgets for JupyterLab: a branching case, a knowledge check and a reflection.

Each widget has a small Python API (``choose``, ``try_again``, ``go_on``, ``back``, ``restart``,
``skip``; ``select`` and ``submit``) that its buttons call, so tests drive the same code a click
does. Every answer is written to the answer store the moment it is given. Each widget also offers
a ``text/html`` representation (the whole case, statically), which the book renders and which
JupyterLab shows when a notebook is reopened without a running kernel.
"""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as w

from affirming_care import render
from affirming_care.content import FIT_LABELS, Question, Reflection, Rubric, Vignette
from affirming_care.store import AnswerStore, VignetteRecord

FULL = w.Layout(width="100%")


def _button(label: str, tooltip: str, on_click: Any, style: str = "") -> w.Button:
    b = w.Button(description=label, tooltip=tooltip, button_style=style, layout=w.Layout(width="auto"))
    b.on_click(lambda _b: on_click())
    return b


# ipywidgets draws a radio or checkbox label on one line and cuts it off; responses here are
# whole sentences, so let them wrap, and keep the keyboard focus ring visible.
_STYLE = (
    "<style>.ac-vignette-widget .widget-radio-box label, .ac-check-widget .widget-radio-box label,"
    " .ac-check-widget .widget-checkbox label {white-space: normal; height: auto; line-height: 1.4;"
    " margin-bottom: .4em; overflow: visible;} .ac-vignette-widget .widget-radio-box,"
    " .ac-check-widget .widget-radio-box {height: auto;} .ac-vignette-widget :focus-visible,"
    " .ac-check-widget :focus-visible {outline: 2px solid #1a5fb4; outline-offset: 2px;}</style>"
)


def _warning_html(text: str | None) -> str:
    return f'<div class="ac-warning" role="alert"><strong>Note:</strong> {escape(text)}</div>' if text else ""


class _StaticHtml:
    """Mixin: add the static ``text/html`` view next to the live widget view."""

    def static_html(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        bundle = dict(bundle or {})
        bundle["text/html"] = self.static_html()
        return bundle


class VignetteWidget(_StaticHtml, w.VBox):
    """A branching case. The store keeps the path, so reopening the notebook resumes it."""

    def __init__(self, vignette: Vignette, store: AnswerStore) -> None:
        super().__init__(layout=FULL)
        self.add_class("ac-vignette-widget")
        self.v, self.store = vignette, store
        self.record: VignetteRecord = store.vignette(vignette.id)
        self.chosen: str | None = None
        """The response chosen at the current decision point (its feedback is showing)."""
        self._interacted = False
        self._render()

    # The learner's actions --------------------------------------------------------------------

    def begin(self) -> None:
        """Start the case (after its content note, if any)."""
        self.record.status = "in-progress"
        self.record.path = [self.v.start]
        self.record.ending = None
        self._save()

    def skip(self) -> None:
        """Skip the case; the learner can come back to it with restart."""
        self.record.status = "skipped"
        self._save()

    def choose(self, choice_id: str) -> None:
        """Pick a response at the current decision point and show its feedback."""
        scene = self.v.scene(self.current or "")
        if scene is None or not scene.choices:
            raise ValueError(f"{self.current!r} is not a decision point")
        if choice_id not in {c.id for c in scene.choices}:
            raise ValueError(f"no response {choice_id!r} here; choose one of {[c.id for c in scene.choices]}")
        self.chosen = choice_id
        self.record.events.append(_event(scene.id, choice_id))
        self._save()

    def try_again(self) -> None:
        """Hide the feedback and choose another response at the same point."""
        self.chosen = None
        self._interacted = True
        self._render()

    def go_on(self) -> None:
        """Follow the chosen response (or a scene's ``next``) to the next scene or ending."""
        scene = self.v.scene(self.current or "")
        if scene is None:
            raise ValueError("the case has ended; use restart or back")
        if scene.choices:
            if self.chosen is None:
                raise ValueError("choose a response first")
            target = next(c.next for c in scene.choices if c.id == self.chosen)
        else:
            target = scene.next or ""
        self.chosen = None
        self.record.path.append(target)
        if self.v.ending(target):
            self.record.status, self.record.ending = "finished", target
        self._save()

    def back(self) -> None:
        """Return to the previous scene."""
        self.chosen = None
        if len(self.record.path) > 1:
            self.record.path.pop()
            self.record.status, self.record.ending = "in-progress", None
        self._save()

    def restart(self) -> None:
        """Start the case again from its first scene. Earlier choices stay in the record."""
        self.chosen = None
        self.begin()

    # State ------------------------------------------------------------------------------------

    @property
    def current(self) -> str | None:
        """The scene or ending the learner is at; None before the case starts."""
        if self.record.status in ("not-started", "skipped") or not self.record.path:
            return None
        return self.record.path[-1]

    @property
    def feedback_html(self) -> str:
        scene = self.v.scene(self.current or "")
        if scene is None or self.chosen is None:
            return ""
        choice = next(c for c in scene.choices if c.id == self.chosen)
        return render.choice_feedback_html(self.v.id, "", choice)

    def _save(self) -> None:
        self.store.put_vignette(self.v.id, self.record)
        self._interacted = True
        self._render()

    # Drawing ----------------------------------------------------------------------------------

    def _render(self) -> None:
        self._focus_next: w.DOMWidget | None = None
        head = w.HTML(
            _STYLE
            + _warning_html(self.store.warning)
            + f'<p class="ac-kicker">Case</p><h3>{render.md_inline(self.v.title)}</h3>'
            f'<p class="ac-client">{render.client_line(self.v)}</p>{render.md(self.v.summary)}'
        )
        self.children = [head, *self._body()]
        if self._focus_next is not None and self._interacted:
            # Keep keyboard and screen-reader users where the case continues.
            self._focus_next.focus()

    def _body(self) -> list[w.Widget]:
        status, cur = self.record.status, self.current
        if status == "skipped":
            return [
                w.HTML("<p>You skipped this case. You can start it whenever you are ready.</p>"),
                _button("Start the case", "Start this case from the beginning", self.restart),
            ]
        if cur is None:
            note = render.content_note_html(self.v).replace(
                f'<p>You can skip this case: <a href="#{self.v.id}--end">go past it</a>.</p>', ""
            )
            start = _button("Start the case", f"Start the case: {self.v.title}", self.begin, "primary")
            if not note:
                return [start]
            skip = _button("Skip this case", "Skip this case; you can come back to it later", self.skip)
            return [w.HTML(note), w.HBox([start, skip])]
        nav = [
            _button("Back", "Go back to the previous part of the case", self.back),
            _button("Restart", "Start this case again from the beginning", self.restart),
        ]
        ending = self.v.ending(cur)
        if ending:
            return [
                w.HTML(
                    f'<div class="ac-ending"><p><strong>Ending: {render.md_inline(ending.title)}</strong></p>'
                    f"{render.md(ending.text)}</div>"
                ),
                w.HBox(nav),
            ]
        scene = self.v.scene(cur)
        assert scene is not None
        text = w.HTML(render.md(scene.text))
        if not scene.choices:
            self._focus_next = _button("Continue", "Continue the case", self.go_on, "primary")
            return [text, w.HBox([self._focus_next, *nav])]
        if self.chosen is None:
            # One button per response: Tab and Enter work inside a notebook, where JupyterLab
            # takes the arrow keys (so a radio group could not be operated by keyboard).
            responses = []
            for i, c in enumerate(scene.choices):
                b = _button(
                    f"{chr(65 + i)}. {c.text}",
                    "Choose this response and see feedback on it",
                    lambda cid=c.id: self.choose(cid),
                )
                b.layout = FULL
                responses.append(b)
            choices = w.VBox(responses, layout=FULL)
            choices.add_class("ac-choices")
            self._focus_next = responses[0]
            return [text, w.HTML(f"<p><strong>{escape(scene.prompt)}</strong></p>"), choices, w.HBox(nav)]
        chosen = next(c for c in scene.choices if c.id == self.chosen)
        label = chr(65 + scene.choices.index(chosen))
        again = _button("Try another response", "Hide this feedback and choose again", self.try_again)
        go = _button("Continue", f"Continue the case after response {label}", self.go_on, "primary")
        self._focus_next = go
        return [
            text,
            w.HTML(
                f"<p><strong>You chose {label}:</strong> {render.md_inline(chosen.text)}</p>"
                f'<div role="status" aria-live="polite">{self.feedback_html}</div>'
            ),
            w.HBox([again, go, *nav]),
        ]

    def static_html(self) -> str:
        return render.vignette_html(self.v)


def _event(scene: str, choice: str) -> Any:
    from affirming_care.store import ChoiceEvent

    return ChoiceEvent(scene=scene, choice=choice)


class CheckWidget(_StaticHtml, w.VBox):
    """A knowledge check answered by clicking.

    In a learning notebook it explains the chosen options at once. In a graded assignment
    (``graded=True``) it only saves the answer: feedback comes back with the grades.
    """

    def __init__(
        self,
        question: Question,
        store: AnswerStore,
        number: int | None = None,
        graded: bool = False,
    ) -> None:
        super().__init__(layout=FULL)
        self.add_class("ac-check-widget")
        self.q, self.store, self.number, self.graded = question, store, number, graded
        record = store.check(question.id)
        self.selected: set[str] = set(record.selected) if record else set()
        self.answered = record is not None
        self._render()

    def select(self, *option_ids: str) -> None:
        """Set the selection (without saving it yet), as clicking the options does."""
        unknown = set(option_ids) - {o.id for o in self.q.options}
        if unknown:
            raise ValueError(f"no option {sorted(unknown)} in {self.q.id}")
        if self.q.kind == "single" and len(option_ids) > 1:
            raise ValueError("this question takes one answer")
        self.selected = set(option_ids)

    def submit(self) -> None:
        """Save the selection as the answer and show feedback (or, graded, a receipt)."""
        if not self.selected:
            self._show_status("Choose an answer first.")
            return
        self.store.answer_check(self.q.id, sorted(self.selected))
        self.answered = True
        self._show_status()

    @property
    def correct(self) -> bool:
        return self.answered and frozenset(self.selected) == self.q.answer

    @property
    def feedback_html(self) -> str:
        if not self.answered or self.graded:
            return ""
        verdict = "Correct." if self.correct else "Not quite."
        items = "".join(
            f"<li><strong>{render.md_inline(o.text)}</strong>: "
            f"{'a right answer' if o.correct else 'not right'}. {render.md_inline(o.feedback)}</li>"
            for o in self.q.options
            if o.id in self.selected or (self.q.kind == "multiple" and o.correct)
        )
        missed = ""
        if self.q.kind == "multiple" and not self.correct:
            missed = (
                "<p>Some right answers are missing or some wrong ones are chosen; the list shows both.</p>"
            )
        return f"<p><strong>{verdict}</strong></p>{missed}<ul>{items}</ul>"

    def _render(self) -> None:
        title = f"Question {self.number}" if self.number else "Check your understanding"
        how = "Choose one answer." if self.q.kind == "single" else "Choose every answer that applies."
        head = w.HTML(
            _STYLE
            + _warning_html(self.store.warning)
            + f"<p><strong>{title}.</strong> {render.md_inline(self.q.prompt)} <em>{how}</em></p>"
        )
        # Checkboxes for both kinds: each is its own Tab stop, and Space ticks it. (JupyterLab
        # takes the arrow keys inside a notebook, which a radio group needs.) A single-choice
        # question unticks the others, and says so in its instruction.
        self._boxes: dict[str, w.Checkbox] = {}
        for i, o in enumerate(self.q.options):
            box = w.Checkbox(
                value=o.id in self.selected, description=f"{chr(65 + i)}. {o.text}", indent=False, layout=FULL
            )
            box.observe(lambda ch, oid=o.id: self._toggle(oid, ch["new"]), names="value")
            self._boxes[o.id] = box
        options: list[w.Widget] = list(self._boxes.values())
        label = "Save my answer" if self.graded else "Check my answer"
        button = _button(label, f"{label} to {title.lower()}", self.submit, "primary")
        self._status = w.HTML()
        self._show_status()
        self.children = [head, *options, button, self._status]

    def _show_status(self, message: str = "") -> None:
        """Update only the status line, so keyboard focus stays on the button just pressed."""
        if self.graded and self.answered and not message:
            letters = ", ".join(chr(65 + i) for i, o in enumerate(self.q.options) if o.id in self.selected)
            message = f"Saved: {letters}. You can change it until you submit the assignment."
        self._status.value = (
            f'<div role="status" aria-live="polite">{escape(message)}{self.feedback_html}</div>'
        )

    def _toggle(self, option_id: str, on: bool) -> None:
        if on and self.q.kind == "single":
            self.selected = {option_id}
            for oid, box in self._boxes.items():
                if oid != option_id and box.value:
                    box.value = False
        elif on:
            self.selected = self.selected | {option_id}
        else:
            self.selected = self.selected - {option_id}

    def static_html(self) -> str:
        return render.question_html(self.q, self.number, reveal=not self.graded)


class ReflectionWidget(_StaticHtml, w.VBox):
    """A written reflection kept in the learner's store, with an optional self-assessment.

    For self-paced learners with no grader: the rubric is shown, and they can score their own
    answer against it. The text is saved as they type and never leaves their machine.
    """

    def __init__(self, reflection: Reflection, rubric: Rubric, store: AnswerStore) -> None:
        super().__init__(layout=FULL)
        self.add_class("ac-reflection-widget")
        self.r, self.rubric, self.store = reflection, rubric, store
        record = store.reflection(reflection.id)
        self.text = w.Textarea(
            value=record.text,
            description="Your reflection",
            placeholder="Write your reflection here. It is saved as you type, only on this computer.",
            layout=w.Layout(width="100%", height="14em"),
            style={"description_width": "initial"},
        )
        self.count = w.HTML()
        self.text.observe(lambda ch: self.write(ch["new"]), names="value")
        self.scores = {}
        for c in rubric.criteria:
            dd = w.Dropdown(
                options=[("Not scored", None)]
                + [(f"{lv.score}: {lv.description}", lv.score) for lv in c.levels],
                value=record.self_assessment.get(c.id),
                description=c.title,
                layout=FULL,
                style={"description_width": "initial"},
            )
            dd.observe(lambda _ch: self._save_scores(), names="value")
            self.scores[c.id] = dd
        self._count()
        self.children = [
            w.HTML(_warning_html(store.warning) + render.reflection_html(reflection, rubric)),
            self.text,
            self.count,
            w.HTML(
                "<p><strong>Score yourself (optional).</strong> Use the rubric above. "
                "Your scores are kept with your answers on this computer.</p>"
            ),
            *self.scores.values(),
        ]

    def write(self, text: str) -> None:
        self.store.put_reflection(self.r.id, text=text)
        self._count()

    def assess(self, **scores: int) -> None:
        for cid, score in scores.items():
            self.scores[cid].value = score
        self._save_scores()

    def _save_scores(self) -> None:
        values = {cid: dd.value for cid, dd in self.scores.items() if dd.value is not None}
        self.store.put_reflection(self.r.id, self_assessment=values)

    def _count(self) -> None:
        n = len(self.text.value.split())
        lo, hi = self.r.words
        self.count.value = f'<p aria-live="polite">{n} words (aim for {lo} to {hi}). Saved.</p>' if n else ""

    def static_html(self) -> str:
        return render.reflection_html(self.r, self.rubric)


__all__ = ["FIT_LABELS", "CheckWidget", "ReflectionWidget", "VignetteWidget"]
