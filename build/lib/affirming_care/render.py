"""Static HTML for cases and checks: the whole case on one page, without JavaScript.

This is the ``text/html`` representation of every widget, and what the book shows. Every
response and its feedback sits in a ``<details>`` element, so the page works with no script at
all; the book's own small script (``book/_static/affirming-care.js``) reads the ``data-*``
attributes to turn it into a step-by-step case.
"""

from __future__ import annotations

from html import escape

from markdown_it import MarkdownIt

from affirming_care.content import FIT_LABELS, Question, Reflection, Rubric, Scene, Vignette

_md = MarkdownIt("commonmark", {"html": False, "typographer": True})

TAG_WORDS = {
    "violence": "violence",
    "police": "police",
    "substance-use": "substance use",
    "self-harm": "self-harm",
    "sexual-violence": "sexual violence",
}


def md(text: str) -> str:
    """Markdown to HTML. Raw HTML in content is escaped, never passed through."""
    return _md.render(text).strip()


def md_inline(text: str) -> str:
    return _md.renderInline(text)


def _points(points: list[str]) -> str:
    return ", ".join(f"<code>{escape(p)}</code>" for p in points)


def choice_feedback_html(vid: str, choice_label: str, choice) -> str:
    """The feedback block for one response; the widget shows the same block after a click."""
    return (
        f'<div class="ac-feedback ac-fit-{choice.fit}">'
        f'<p class="ac-fit"><strong>{FIT_LABELS[choice.fit]}.</strong></p>'
        f"{md(choice.feedback)}"
        f'<p class="ac-guide-points">Guide points: {_points(choice.guide_points)}</p>'
        f'<blockquote class="ac-client-voice"><p><strong>How it may land:</strong></p>'
        f"{md(choice.client_voice)}</blockquote>"
        "</div>"
    )


def _target_label(v: Vignette, target: str) -> str:
    ending = v.ending(target)
    return f"Ending: {ending.title}" if ending else "the next part of the case"


def scene_html(v: Vignette, scene: Scene) -> str:
    sid = f"{v.id}--{scene.id}"
    parts = [
        f'<section class="ac-scene" id="{sid}" data-scene="{escape(scene.id)}">',
        md(scene.text),
    ]
    if scene.choices:
        parts.append(f'<p class="ac-prompt"><strong>{escape(scene.prompt)}</strong></p>')
        parts.append('<ol class="ac-choices" type="A">')
        for i, c in enumerate(scene.choices):
            label = chr(ord("A") + i)
            parts.append(
                f'<li><details class="ac-choice" data-choice="{escape(c.id)}" data-next="{escape(c.next)}"'
                f' data-fit="{c.fit}"><summary>{md_inline(c.text)}</summary>'
                f"{choice_feedback_html(v.id, label, c)}"
                f'<p class="ac-next"><a href="#{v.id}--{escape(c.next)}">'
                f"Go to {escape(_target_label(v, c.next))}</a></p></details></li>"
            )
        parts.append("</ol>")
    else:
        parts.append(
            f'<p class="ac-next" data-next="{escape(scene.next or "")}">'
            f'<a href="#{v.id}--{escape(scene.next or "")}">Continue</a></p>'
        )
    parts.append("</section>")
    return "".join(parts)


def content_note_html(v: Vignette) -> str:
    if not v.content_note:
        return ""
    tags = ", ".join(TAG_WORDS[t] for t in v.content_note.tags)
    return (
        f'<div class="ac-content-note" role="note" data-tags="{escape(" ".join(v.content_note.tags))}">'
        f"<p><strong>Content note: {escape(tags)}.</strong></p>{md(v.content_note.text)}"
        f'<p>You can skip this case: <a href="#{v.id}--end">go past it</a>.</p></div>'
    )


def client_line(v: Vignette) -> str:
    c = v.client
    return f"{escape(c.name)} ({escape(c.pronouns)}, {c.age}) · seen by a {escape(v.professional)}"


def vignette_html(v: Vignette) -> str:
    """The whole case: every scene, every response with its feedback, every ending."""
    parts = [
        f'<div class="ac-vignette" id="{v.id}" data-vignette="{v.id}" data-start="{v.start}">',
        f'<p class="ac-kicker">Case</p><h3 class="ac-title">{md_inline(v.title)}</h3>',
        f'<p class="ac-client">{client_line(v)}</p>',
        md(v.summary),
        content_note_html(v),
    ]
    parts += [scene_html(v, s) for s in v.scenes]
    for e in v.endings:
        parts.append(
            f'<section class="ac-ending" id="{v.id}--{e.id}" data-ending="{e.id}">'
            f"<p><strong>Ending: {md_inline(e.title)}</strong></p>{md(e.text)}</section>"
        )
    parts.append(f'<p class="ac-end" id="{v.id}--end"><em>End of case.</em></p></div>')
    return "".join(parts)


def question_html(q: Question, number: int | None = None, reveal: bool = True) -> str:
    """A check as a real form (the book's script makes it answerable) with every explanation.

    ``reveal=False`` (graded assignments) leaves out the answers and explanations: this HTML is
    saved in the learner's notebook, so it must not carry the key.
    """
    kind = "radio" if q.kind == "single" else "checkbox"
    how = "Choose one answer." if q.kind == "single" else "Choose every answer that applies."
    title = f"Question {number}" if number else "Check your understanding"
    parts = [
        f'<form class="ac-check" id="{q.id}" data-check="{q.id}" data-kind="{q.kind}">',
        f"<fieldset><legend><strong>{title}.</strong> {md_inline(q.prompt)}"
        f' <span class="ac-how">{how}</span></legend>',
    ]
    for o in q.options:
        oid = f"{q.id}--{o.id}"
        parts.append(
            f'<div class="ac-option"><input type="{kind}" name="{q.id}" id="{oid}" value="{o.id}">'
            f' <label for="{oid}">{md_inline(o.text)}</label></div>'
        )
    parts.append("</fieldset>")
    if not reveal:
        parts.append("</form>")
        return "".join(parts)
    parts.append('<details class="ac-explanations"><summary>Answer and explanations</summary><ul>')
    for o in q.options:
        verdict = "Correct" if o.correct else "Not correct"
        parts.append(
            f'<li data-option="{o.id}" data-correct="{str(o.correct).lower()}">'
            f"<strong>{md_inline(o.text)}</strong> — <em>{verdict}.</em> {md_inline(o.feedback)}</li>"
        )
    parts.append(
        f'</ul><p class="ac-guide-points">Guide points: {_points(q.guide_points)}</p></details></form>'
    )
    return "".join(parts)


def rubric_html(rubric: Rubric) -> str:
    head = "".join(f'<th scope="col">{level.score}</th>' for level in rubric.criteria[0].levels)
    rows = []
    for c in rubric.criteria:
        cells = "".join(
            f'<td data-score="{level.score}">{escape(level.description)}</td>' for level in c.levels
        )
        # data-criterion: the book's script offers a self-assessment per criterion from these rows.
        rows.append(f'<tr data-criterion="{escape(c.id)}"><th scope="row">{escape(c.title)}</th>{cells}</tr>')
    return (
        f'<table class="ac-rubric"><caption>{escape(rubric.title)}: four criteria, 0 to 3 points each, '
        f'{rubric.max_points} in all</caption><thead><tr><th scope="col">Criterion</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def reflection_html(r: Reflection, rubric: Rubric) -> str:
    look = "".join(f"<li>{md_inline(x)}</li>" for x in r.look_for)
    return (
        f'<div class="ac-reflection" id="{r.id}" data-reflection="{r.id}">'
        f'<p class="ac-kicker">Reflection</p><h3 class="ac-title">{md_inline(r.title)}</h3>'
        f"{md(r.prompt)}"
        f"<p>Aim for {r.words[0]} to {r.words[1]} words. Write about your practice; "
        "you are never asked about your own history.</p>"
        f"<p><strong>A strong answer:</strong></p><ul>{look}</ul>{rubric_html(rubric)}</div>"
    )
