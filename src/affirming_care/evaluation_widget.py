"""The course evaluation in JupyterLab: the engine's ``evaluation`` component as an anywidget.

Kept in the ``evaluation`` section of the module's answer file (Module 12's at the end of the
course), through the same message protocol as the other widgets (``widgets._EngineWidget``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from affirming_care.evaluation import (
    CAPSTONE_MODULE,
    Evaluation,
    evaluation_data,
    evaluation_html,
    load_evaluation,
)
from affirming_care.store import AnswerStore, shared_store
from affirming_care.widgets import _EngineWidget


class EvaluationWidget(_EngineWidget):
    """The evaluation in JupyterLab, kept in the ``evaluation`` section of ``store``'s answer file."""

    def __init__(self, ev: Evaluation, store: AnswerStore) -> None:
        self.ev = ev
        data = evaluation_data(
            ev, store.module_id, "Saved at once, only on this computer (in the answer file)."
        )
        record = store.data.evaluation.model_dump() if store.data.evaluation else None
        super().__init__(store, data, record)

    def keep(self, event: Any) -> None:
        if not isinstance(event, dict):
            raise ValueError("expected {'ratings': {...}} or {'comments': '...'}")
        ratings, comments = event.get("ratings"), event.get("comments")
        if comments is not None and not isinstance(comments, str):
            raise ValueError("comments: expected a string")
        if ratings is not None:
            ratings = self._ratings(ratings)
        self.store.put_evaluation(ratings=ratings, comments=comments)
        assert self.store.data.evaluation is not None
        self.record = self.store.data.evaluation.model_dump()

    def _ratings(self, ratings: Any) -> dict[str, int]:
        if not isinstance(ratings, dict):
            raise ValueError("ratings: expected statement id: 1 to 5")
        for key, value in ratings.items():
            if key not in self.ev.item_ids:
                raise ValueError(f"ratings.{key}: not a statement; expected one of {self.ev.item_ids}")
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
                raise ValueError(f"ratings.{key}: expected a whole number from 1 to 5, got {value!r}")
        return {str(k): int(v) for k, v in ratings.items()}

    def rate(self, **ratings: int) -> None:
        """Choose points, as clicking a radio button does (other statements keep theirs)."""
        merged = dict(self.ratings) | ratings
        reply = self.receive({"type": "save", "id": 0, "event": {"ratings": merged}})
        if not reply["ok"]:
            raise ValueError(reply["error"])

    def comment(self, text: str) -> None:
        """Keep the comments, as typing does."""
        reply = self.receive({"type": "save", "id": 0, "event": {"comments": text}})
        if not reply["ok"]:
            raise ValueError(reply["error"])

    @property
    def ratings(self) -> dict[str, int]:
        ev = self.store.data.evaluation
        return dict(ev.ratings) if ev else {}

    def static_html(self) -> str:
        return evaluation_html(self.ev, self.store.module_id)


def show_evaluation(module: str = CAPSTONE_MODULE, folder: Path | str | None = None) -> EvaluationWidget:
    """The evaluation in a notebook cell, kept in ``module``'s answer file (Module 12's by default)."""
    return EvaluationWidget(load_evaluation(), shared_store(module, folder))
