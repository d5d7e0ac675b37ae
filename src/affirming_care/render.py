"""Static HTML for cases and checks: the whole case on one page, without JavaScript.

This is the ``text/html`` representation of every widget, and what the book shows. Every
response and its feedback sits in a ``<details>`` element, so the page works with no script at
all, and prints whole. Each view also carries its item as JSON (``item_data``) in a
``<script type="application/json" class="ac-data">``: the one case engine
(``affirming_care/static/engine.js``) draws the live case from that data, in the book and in
JupyterLab alike, and never reads prose back out of the page.

Guide-point codes (``MISTAKE-COERCION``) stay in ``data-guide-points`` attributes; learners read
each point's summary.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from markdown_it import MarkdownIt

from affirming_care.content import (
    FIT_LABELS,
    Choice,
    Condition,
    ContentNote,
    NextIf,
    Question,
    Reflection,
    Rubric,
    Scene,
    Vignette,
)
from affirming_care.posttest import PublicVariant, Variant

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
    return str(_md.render(text)).strip()


def md_inline(text: str) -> str:
    return str(_md.renderInline(text))


Summaries = Mapping[str, str]
"""Guide point id -> its one-line summary (from ``content/curriculum.yml``)."""


def fit_label(fit: str) -> str:
    """The words for a fit; a fit this version does not know is shown as its own words."""
    return FIT_LABELS.get(fit) or fit.replace("-", " ").capitalize()


def _points(points: list[str], summaries: Summaries | None) -> str:
    """What the guide says, in words; the codes stay in a data attribute for tools."""
    said = " ".join(escape(summaries[p]) for p in points if summaries and p in summaries)
    codes = escape(" ".join(points))
    if not said:
        return f'<p class="ac-guide-points" data-guide-points="{codes}" hidden></p>'
    return f'<p class="ac-guide-points" data-guide-points="{codes}">From the guide: {said}</p>'


def data_script(data: dict[str, Any]) -> str:
    """An item's data as JSON that cannot end the script element early."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" class="ac-data">{text}</script>'


def choice_feedback_html(
    vid: str, choice_label: str, choice: Choice, summaries: Summaries | None = None
) -> str:
    """The feedback block for one response (static view)."""
    return (
        f'<div class="ac-feedback ac-fit-{escape(choice.fit)}">'
        f'<p class="ac-fit"><strong>{escape(fit_label(choice.fit))}.</strong></p>'
        f"{md(choice.feedback)}"
        f"{_points(choice.guide_points, summaries)}"
        f'<blockquote class="ac-client-voice"><p><strong>How it may land:</strong></p>'
        f"{md(choice.client_voice)}</blockquote>"
        "</div>"
    )


def _target_label(v: Vignette, target: str) -> str:
    ending = v.ending(target)
    return f"Ending: {ending.title}" if ending else "the next part of the case"


def condition_words(v: Vignette, cond: Condition) -> str:
    """A condition in plain words: "If you wrote her work in her file" / "If you did not: ..."."""
    flag = cond.when or cond.unless or ""
    words = v.flags.get(flag, flag.replace("-", " "))
    return f"If {words}" if cond.when else f"Unless {words}"


def _next_links(v: Vignette, rules: list[NextIf], default: str, first: str) -> str:
    """Where a response or scene leads; a conditional next lists each way with its condition."""
    links = [
        f'<li data-when="{escape(r.when or "")}" data-unless="{escape(r.unless or "")}">'
        f"{escape(condition_words(v, r))}: "
        f'<a href="#{v.id}--{escape(r.next)}">{escape(_target_label(v, r.next))}</a></li>'
        for r in rules
    ]
    plain = f'<a href="#{v.id}--{escape(default)}">{escape(first)}</a>'
    if not links:
        return f'<p class="ac-next" data-next="{escape(default)}">{plain}</p>'
    return (
        f'<ul class="ac-next ac-next-if" data-next="{escape(default)}">{"".join(links)}'
        f"<li>Otherwise: {plain}</li></ul>"
    )


def _variants_html(v: Vignette, scene: Scene) -> str:
    return "".join(
        f'<div class="ac-variant" data-when="{escape(x.when or "")}" data-unless="{escape(x.unless or "")}">'
        f'<p class="ac-variant-label"><strong>{escape(condition_words(v, x))}, this part reads:</strong></p>'
        f"{md(x.text)}</div>"
        for x in scene.variants
    )


def scene_html(v: Vignette, scene: Scene, summaries: Summaries | None = None) -> str:
    sid = f"{v.id}--{scene.id}"
    parts = [
        f'<section class="ac-scene" id="{sid}" data-scene="{escape(scene.id)}">',
        md(scene.text),
        _variants_html(v, scene),
    ]
    if scene.choices:
        parts.append(f'<p class="ac-prompt"><strong>{escape(scene.prompt)}</strong></p>')
        parts.append('<ol class="ac-choices" type="A">')
        for i, c in enumerate(scene.choices):
            label = chr(ord("A") + i)
            offered = (
                f'<p class="ac-offered"><em>{escape(condition_words(v, c))}, this response is offered.</em></p>'
                if c.reads
                else ""
            )
            parts.append(
                f'<li><details class="ac-choice" data-choice="{escape(c.id)}" data-next="{escape(c.next)}"'
                f' data-fit="{escape(c.fit)}"><summary>{md_inline(c.text)}</summary>{offered}'
                f"{choice_feedback_html(v.id, label, c, summaries)}"
                f"{_next_links(v, c.next_if, c.next, 'Go to ' + _target_label(v, c.next))}</details></li>"
            )
        parts.append("</ol>")
    else:
        parts.append(_next_links(v, scene.next_if, scene.next or "", "Continue"))
    parts.append("</section>")
    return "".join(parts)


def content_note_html(v: Vignette) -> str:
    if not v.content_note:
        return ""
    tags = ", ".join(TAG_WORDS.get(t, t.replace("-", " ")) for t in v.content_note.tags)
    return (
        f'<div class="ac-content-note" role="note" data-tags="{escape(" ".join(v.content_note.tags))}">'
        f"<p><strong>Content note: {escape(tags)}.</strong></p>{md(v.content_note.text)}"
        f'<p>You can skip this case: <a href="#{v.id}--end">go past it</a>.</p></div>'
    )


def client_line(v: Vignette) -> str:
    c = v.client
    return f"{escape(c.name)} ({escape(c.pronouns)}, {c.age}) · seen by a {escape(v.professional)}"


def vignette_html(v: Vignette, summaries: Summaries | None = None) -> str:
    """The whole case: every scene, every response with its feedback, every ending."""
    parts = [
        f'<div class="ac-vignette" id="{v.id}" data-vignette="{v.id}" data-start="{v.start}">',
        f'<p class="ac-kicker">Case</p><h3 class="ac-title">{md_inline(v.title)}</h3>',
        f'<p class="ac-client">{client_line(v)}</p>',
        md(v.summary),
        content_note_html(v),
    ]
    parts += [scene_html(v, s, summaries) for s in v.scenes]
    for e in v.endings:
        parts.append(
            f'<section class="ac-ending" id="{v.id}--{e.id}" data-ending="{e.id}">'
            f"<p><strong>Ending: {md_inline(e.title)}</strong></p>{md(e.text)}</section>"
        )
    parts.append(f'<p class="ac-end" id="{v.id}--end"><em>End of case.</em></p>')
    parts.append(data_script(vignette_data(v, summaries)) + "</div>")
    return "".join(parts)


def question_html(
    q: Question, number: int | None = None, reveal: bool = True, summaries: Summaries | None = None
) -> str:
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
        parts.append(data_script(question_data(q, number, graded=True)) + "</form>")
        return "".join(parts)
    parts.append('<details class="ac-explanations"><summary>Answer and explanations</summary><ul>')
    for o in q.options:
        verdict = "Correct" if o.correct else "Not correct"
        parts.append(
            f'<li data-option="{o.id}" data-correct="{str(o.correct).lower()}">'
            f"<strong>{md_inline(o.text)}</strong> — <em>{verdict}.</em> {md_inline(o.feedback)}</li>"
        )
    parts.append(f"</ul>{_points(q.guide_points, summaries)}</details>")
    parts.append(data_script(question_data(q, number, graded=False, summaries=summaries)) + "</form>")
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
        f"<p><strong>A strong answer:</strong></p><ul>{look}</ul>{rubric_html(rubric)}"
        f"{data_script(reflection_data(r, rubric))}</div>"
    )


# The engine's data: what engine.js draws, built from the content objects ----------------------------


def _summaries(points: list[str], summaries: Summaries | None) -> list[dict[str, str]]:
    return [{"id": p, "summary": summaries[p]} for p in points if summaries and p in summaries]


def _cond(cond: Condition) -> dict[str, str | None]:
    return {"when": cond.when, "unless": cond.unless}


def vignette_data(v: Vignette, summaries: Summaries | None = None) -> dict[str, Any]:
    """A case as the engine draws it. Markdown is rendered here (raw HTML in content is escaped)."""
    note = None
    if v.content_note:
        note = {
            "topics": ", ".join(TAG_WORDS.get(t, t) for t in v.content_note.tags),
            "html": md(v.content_note.text),
        }
    return {
        "kind": "case",
        "id": v.id,
        "module": v.module,
        "title_html": md_inline(v.title),
        "client_name": v.client.name,
        "client_html": client_line(v),
        "summary_html": md(v.summary),
        "note": note,
        "start": v.start,
        "scenes": [
            {
                "id": s.id,
                "text_html": md(s.text),
                "variants": [_cond(x) | {"text_html": md(x.text)} for x in s.variants],
                "prompt": s.prompt,
                "next": s.next,
                "next_if": [_cond(r) | {"next": r.next} for r in s.next_if],
                "choices": [
                    {
                        "id": c.id,
                        "text_plain": c.text,
                        "fit": c.fit,
                        "fit_label": fit_label(c.fit),
                        "feedback_html": md(c.feedback),
                        "voice_html": md(c.client_voice),
                        "points": _summaries(c.guide_points, summaries),
                        "next": c.next,
                        **_cond(c),
                        "set": list(c.set),
                        "next_if": [_cond(r) | {"next": r.next} for r in c.next_if],
                    }
                    for c in s.choices
                ],
            }
            for s in v.scenes
        ],
        "endings": [{"id": e.id, "title": e.title, "text_html": md(e.text)} for e in v.endings],
    }


def question_data(
    q: Question, number: int | None = None, *, graded: bool, summaries: Summaries | None = None
) -> dict[str, Any]:
    """A check as the engine draws it. ``graded``: no answer key and no explanations at all."""
    options: list[dict[str, Any]] = []
    for o in q.options:
        option: dict[str, Any] = {"id": o.id, "text_html": md_inline(o.text)}
        if not graded:
            option |= {"correct": o.correct, "feedback_html": md_inline(o.feedback)}
        options.append(option)
    return {
        "kind": "check",
        "id": q.id,
        "module": q.id.split("-", 1)[0],
        "number": number,
        "question_kind": q.kind,
        "prompt_html": md_inline(q.prompt),
        "graded": graded,
        "options": options,
        "points": [] if graded else _summaries(q.guide_points, summaries),
    }


def reflection_data(
    r: Reflection, rubric: Rubric, where_kept: str = "", notices: Sequence[str] = ()
) -> dict[str, Any]:
    """A reflection as the engine draws it; ``notices``: plain sentences shown above it (such as a
    reflection brought over from the module notebook)."""
    return {
        "kind": "reflection",
        "id": r.id,
        "module": r.module,
        "title_plain": r.title,
        "title_html": md_inline(r.title),
        "prompt_html": md(r.prompt),
        "look_for_html": [md_inline(x) for x in r.look_for],
        "rubric_html": rubric_html(rubric),
        "words": list(r.words),
        "where_kept": where_kept or "Kept as you type, only on this computer.",
        "notices": list(notices),
        "rubric": {
            "title": rubric.title,
            "criteria": [
                {
                    "id": c.id,
                    "title": c.title,
                    "levels": [{"score": lv.score, "description": lv.description} for lv in c.levels],
                }
                for c in rubric.criteria
            ],
        },
    }


# The post-test (issue 11): one drawn item, keyless ------------------------------------------------

ALL_THAT_APPLY = "Choose all that apply."


def _how(kind: str, stem: str) -> str:
    """The line saying how many to choose; left out when the stem says it already."""
    if kind == "single":
        return "Choose one answer."
    return "" if "all that apply" in stem.lower() else ALL_THAT_APPLY


def _note_data(note: ContentNote | None) -> dict[str, str] | None:
    if note is None:
        return None
    return {
        "topics": ", ".join(TAG_WORDS.get(t, t.replace("-", " ")) for t in note.tags),
        "html": md(note.text),
    }


def posttest_data(
    module: str, slot_id: str, variant: PublicVariant | Variant, order: Sequence[str], number: int, total: int
) -> dict[str, Any]:
    """One post-test item as the engine's check component draws it in its post-test mode.

    ``variant`` is the drawn variant of the learner's keyless copy (``posttest.PublicVariant``);
    ``order`` is the drawn order of its option ids. Only what is shown is here: no key, no
    feedback, no rationale (the learner's copy has none to give), and no variant id either.
    """
    texts = {o.id: o.text for o in variant.options}
    return {
        "kind": "check",
        "mode": "posttest",
        "id": slot_id,
        "module": module,
        "number": number,
        "total": total,
        "question_kind": variant.kind,
        "prompt_html": md_inline(variant.stem),
        "how": _how(variant.kind, variant.stem),
        "note": _note_data(variant.content_note),
        "graded": True,
        "options": [{"id": oid, "text_html": md_inline(texts[oid])} for oid in order],
        "points": [],
    }


def posttest_html(
    data: Mapping[str, Any] | None, slot_id: str, number: int, total: int, saved: Sequence[str] = ()
) -> str:
    """The static view of a post-test item: its stem and options in the drawn order, no key; the
    ``saved`` option ids are ticked.

    ``data`` None: the learner's draw is not fixed yet (nothing saved), so the item is not shown,
    only the line asking to run the cell; a reopened notebook must not show a question that a new
    draw would replace.
    """
    title = f"Question {number} of {total}"
    if data is None:
        return (
            f'<div class="ac-check ac-posttest" data-slot="{escape(slot_id)}">'
            f"<p><strong>{title}.</strong> Run this cell to see question {number}.</p></div>"
        )
    kind = "radio" if data["question_kind"] == "single" else "checkbox"
    note = data["note"]
    parts = [f'<form class="ac-check ac-posttest" data-slot="{escape(slot_id)}" data-kind="{kind}">']
    if note:
        parts.append(
            f'<div class="ac-content-note" role="note"><p><strong>Content note: {escape(note["topics"])}.'
            f"</strong></p>{note['html']}<p>You can leave this question unanswered.</p></div>"
        )
    how = f' <span class="ac-how">{escape(data["how"])}</span>' if data["how"] else ""
    parts.append(f"<fieldset><legend><strong>{title}.</strong> {data['prompt_html']}{how}</legend>")
    for i, o in enumerate(data["options"]):
        oid = f"{slot_id}--{o['id']}"
        parts.append(
            f'<div class="ac-option"><input type="{kind}" name="{escape(slot_id)}" id="{escape(oid)}"'
            f' value="{escape(o["id"])}"{" checked" if o["id"] in saved else ""} disabled> <label for="{escape(oid)}">{chr(ord("A") + i)}. '
            f"{o['text_html']}</label></div>"
        )
    parts.append("</fieldset>")
    if saved:
        parts.append('<p class="ac-check-status">Your saved answer is ticked.</p>')
    parts.append("</form>")
    return "".join(parts)
