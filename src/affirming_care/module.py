"""What a notebook calls: ``show("m02-kai-intake")`` in each cell, or ``Module("m02").vignette(...)``.

Every cell works run alone: the module is found from the item's id, and all cells of a module
share one answer store (``store.shared_store``), so they never overwrite each other's answers.
"""

from __future__ import annotations

from pathlib import Path

from affirming_care.loader import ModuleContent, cached_course
from affirming_care.store import shared_store
from affirming_care.widgets import CheckWidget, ReflectionWidget, VignetteWidget

Widget = VignetteWidget | CheckWidget | ReflectionWidget


class Module:
    """One module's content and the learner's answer store for it.

    ``graded=True`` is used in nbgrader assignments: checks save answers without showing
    whether they are right. A damaged answer file is reported once, by the first item shown.
    """

    def __init__(self, module_id: str, *, graded: bool = False, folder: Path | str | None = None) -> None:
        self.course = cached_course()
        self.content: ModuleContent = self.course.module(module_id)
        self.graded = graded
        self.store = shared_store(module_id, folder)

    def vignette(self, vignette_id: str) -> VignetteWidget:
        return VignetteWidget(self.content.vignette(vignette_id), self.store)

    def check(self, question_id: str) -> CheckWidget:
        number = [q.id for q in self.content.questions].index(self.content.question(question_id).id) + 1
        return CheckWidget(self.content.question(question_id), self.store, number, graded=self.graded)

    def reflection(self) -> ReflectionWidget:
        if self.content.reflection is None:
            raise KeyError(f"{self.content.meta.id} has no reflection.yml")
        return ReflectionWidget(self.content.reflection, self.course.rubric, self.store)

    def item(self, item_id: str) -> Widget:
        """The case, check or reflection with this id."""
        if item_id in self.content.vignettes:
            return self.vignette(item_id)
        if any(q.id == item_id for q in self.content.questions):
            return self.check(item_id)
        if self.content.reflection is not None and self.content.reflection.id == item_id:
            return self.reflection()
        known = list(self.content.vignettes) + [q.id for q in self.content.questions]
        raise KeyError(f"{self.content.meta.id} has no case, check or reflection {item_id!r}; known: {known}")


def show(item_id: str, *, graded: bool = False, folder: Path | str | None = None) -> Widget:
    """One item of the course, by its id (``m02-kai-intake``); a cell's whole code."""
    module_id = item_id.split("-", 1)[0]
    return Module(module_id, graded=graded, folder=folder).item(item_id)
