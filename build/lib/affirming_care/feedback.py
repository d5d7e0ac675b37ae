"""A preprocessor for nbgrader's feedback: show why a check earned nothing, never the test's code.

An IPython traceback quotes the failing line of the test cell, which is the hidden answer key.
``ClearHiddenTests`` removes the key from the cell's source but not from its error output, so
the feedback keeps only the error's one-line message ("NotAwarded: not correct").
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


class HideTracebacks(Preprocessor):
    """Replace each error output's traceback by its name and message."""

    # nbconvert registers preprocessors named in config as disabled unless they say otherwise.
    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
