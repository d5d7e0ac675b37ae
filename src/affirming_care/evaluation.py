"""The course evaluation (issue 13, item 4): its content, its static view, and its widget.

A short evaluation, anonymous by design: four statements on a five-point agreement scale, every
point labelled (objectives met, relevance to practice, intent to change practice, the content's
respect for sex workers), and free comments. No demographic or disclosure question, ever.

* Content: ``content/evaluation.yml``, validated by ``affirming_care check`` (:func:`load_evaluation`).
* Front end: the ``evaluation`` component of the one engine (``static/engine.js``), drawn from
  :func:`evaluation_data` (in JupyterLab by ``evaluation_widget.EvaluationWidget``); the static view (:func:`evaluation_html`) is what the book prints and
  what JupyterLab shows before the cell runs.
* Storage: the ``evaluation`` section of an answer file (``store.EvaluationRecord``). At the end of
  Module 12's notebook it is kept in ``m12-answers.json`` and handed in with the capstone; the book's
  page keeps it in the browser under the module ``evaluation``, whose answer file is
  ``evaluation-answers.json`` (handed in on its own).
* Aggregate: ``grading/evaluation.py``.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, model_validator

from affirming_care.content import Id, Strict, Text
from affirming_care.loader import ContentError, Problem, content_root, load_model
from affirming_care.render import data_script, md, md_inline

EVALUATION_FILE = "evaluation.yml"
STANDALONE_MODULE = "evaluation"
"""The answer-file ``module`` of an evaluation handed in on its own (``evaluation-answers.json``)."""
CAPSTONE_MODULE = "m12"
"""The module whose answer file carries the evaluation when it is answered in the notebooks."""


class ScalePoint(Strict):
    value: Annotated[int, Field(ge=1, le=5)]
    label: Text


class Statement(Strict):
    id: Id
    statement: Text


class Comments(Strict):
    prompt: Text
    hint: Text = Field(description="A reminder not to write names or identifying details")


class Evaluation(Strict):
    """``content/evaluation.yml``: the statements, the labelled scale and the comment box."""

    id: Id
    title: Text
    intro: Text
    scale: list[ScalePoint] = Field(min_length=5, max_length=5)
    items: list[Statement] = Field(min_length=1, max_length=8)
    comments: Comments

    @model_validator(mode="after")
    def _one_to_five(self) -> Evaluation:
        values = [p.value for p in self.scale]
        if values != [1, 2, 3, 4, 5]:
            raise ValueError(f"scale: the points must be 1 to 5 in order, each labelled; got {values}")
        ids = [i.id for i in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError(f"items: ids repeat: {ids}")
        return self

    @property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]


def evaluation_path(root: Path | None = None) -> Path:
    return (Path(root) if root else content_root()) / EVALUATION_FILE


def load_evaluation(root: Path | None = None) -> Evaluation:
    """The evaluation of the content folder ``root`` (default: the course's); ContentError with lines."""
    path = evaluation_path(root)
    if not path.is_file():
        raise ContentError([Problem(path, 1, "", "no course evaluation here; expected evaluation.yml")])
    return load_model(Evaluation, path)


def check_evaluation(root: Path | None = None) -> tuple[int, list[str]]:
    """For ``affirming_care check``: (exit status, lines to print). A folder without the file is noted."""
    path = evaluation_path(root)
    if not path.is_file():
        return 0, [f"No course evaluation at {path}; skipped."]
    try:
        ev = load_model(Evaluation, path)
    except ContentError as exc:
        return 1, [str(p) for p in exc.problems] + [
            f"{len(exc.problems)} course evaluation problem(s) found."
        ]
    return 0, [f"Course evaluation is valid: {len(ev.items)} statements and a comment box ({path.name})."]


# What the engine draws, and the static view -----------------------------------------------------------


def evaluation_data(ev: Evaluation, module: str, where_kept: str = "") -> dict[str, Any]:
    """The evaluation as the engine draws it; ``module`` says which answer store keeps it."""
    return {
        "kind": "evaluation",
        "id": ev.id,
        "module": module,
        "title": ev.title,
        "intro_html": md(ev.intro),
        "scale": [{"value": p.value, "label": p.label} for p in ev.scale],
        "items": [{"id": i.id, "statement_html": md_inline(i.statement)} for i in ev.items],
        "comments": {"prompt": ev.comments.prompt, "hint": ev.comments.hint},
        "where_kept": where_kept or "Saved at once, only on this computer.",
    }


def evaluation_html(ev: Evaluation, module: str = STANDALONE_MODULE, where_kept: str = "") -> str:
    """The whole evaluation, readable and printable without script: every statement and labelled point."""
    parts = [
        f'<div class="ac-evaluation" id="{escape(ev.id)}" data-evaluation="{escape(ev.id)}">',
        f'<p class="ac-kicker">Course evaluation</p><h3 class="ac-title">{escape(ev.title)}</h3>{md(ev.intro)}',
    ]
    for item in ev.items:
        points = "".join(f"<li>{p.value}: {escape(p.label)}</li>" for p in ev.scale)
        parts.append(
            f'<div class="ac-evaluation-item" data-item="{escape(item.id)}"><p><strong>{md_inline(item.statement)}'
            f"</strong></p><ul>{points}</ul></div>"
        )
    parts.append(f"<p><strong>{escape(ev.comments.prompt)}</strong> {escape(ev.comments.hint)}</p>")
    parts.append(data_script(evaluation_data(ev, module, where_kept)) + "</div>")
    return "".join(parts)


def show_evaluation_page() -> str:
    """The book's evaluation page: the static view, which the book's script turns live (module ``evaluation``)."""
    from IPython.display import HTML, display

    html = evaluation_html(load_evaluation(), STANDALONE_MODULE, "Saved at once, only in this browser.")
    display(HTML(html))
    return html
