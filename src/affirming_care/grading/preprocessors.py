"""nbgrader feedback preprocessors: show why a check earned nothing, never the answer key.

``assignments/nbgrader_config.py`` names them; they import only nbconvert and traitlets.
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


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
