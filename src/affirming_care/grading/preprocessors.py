"""nbgrader preprocessors: learner text stays inert; feedback shows why a check earned nothing,
never the answer key.

``assignments/nbgrader_config.py`` names them; they import only nbconvert, traitlets and
``sanitise`` (nh3).
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from affirming_care.grading.sanitise import clean_html, clean_markdown

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

SCRIPT_MIMETYPES = ("application/javascript", "text/javascript", "image/svg+xml")
"""Output types a browser runs (an SVG may carry script): never kept from a hand-in."""


def _clean_output(output: Any) -> None:
    data = output.get("data")
    if not isinstance(data, dict):
        return
    for mime in SCRIPT_MIMETYPES:
        data.pop(mime, None)
    if isinstance(data.get("text/html"), str | list):
        data["text/html"] = clean_html("".join(data["text/html"]))
    if isinstance(data.get("text/markdown"), str | list):
        data["text/markdown"] = clean_markdown("".join(data["text/markdown"]))


class SanitizeLearnerText(Preprocessor):
    """Make every Markdown and raw cell of a hand-in, and every HTML output, inert.

    Runs in autograde after nbgrader's own sanitising steps (``Autograde.sanitize_preprocessors``),
    so the autograded copy the formgrader shows holds no script, and again in feedback. Every
    Markdown cell is cleaned, not only the reflection answer cells: a learner can add cells or
    fake their metadata. The course's own Markdown is unchanged by the cleaning (a test checks
    every module), so only learner text is touched. Ordinary Markdown stays Markdown.
    """

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        # Saved widget state makes nbconvert's page load the widget manager from a CDN and draw
        # the widgets, HTML widgets as raw HTML; a title goes into the page's head. Neither is
        # needed to grade or to read feedback, and a learner can write both.
        nb.metadata.pop("widgets", None)
        nb.metadata.pop("title", None)
        cleaned, resources = super().preprocess(nb, resources)
        return cleaned, resources

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        if cell.get("cell_type") == "markdown":
            cell["source"] = clean_markdown(source)
            cell.pop("attachments", None)
        elif cell.get("cell_type") == "raw" and "<" in source:
            cell["source"] = clean_html(source)
        for output in cell.get("outputs", []):
            _clean_output(output)
        return cell, resources


class HideTracebacks(Preprocessor):
    """Replace each error output's traceback by its name and message.

    An IPython traceback quotes the failing line of the test cell, which is the hidden answer key.
    ``ClearHiddenTests`` removes the key from the cell's source but not from its error output, so
    the feedback keeps only the error's one-line message ("NotAwarded: not correct").
    """

    # nbconvert registers preprocessors named in config as disabled unless they say otherwise.
    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


class HideWidgetOutputs(Preprocessor):
    """Feedback preprocessor: replace each live widget's output by one plain line.

    A check widget's output carries a static HTML copy of the check for viewers without widgets,
    and that copy marks the correct options. A feedback page is static, so the widget is of no use
    there, and its fallback copy would give away the answer key.
    """

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                output["data"] = {
                    "text/plain": "(Your answer was saved here; its result is in the next cell.)"
                }
        return cell, resources
