"""What a notebook calls: ``module = Module("m02")``, then ``module.vignette(...)`` and so on."""

from __future__ import annotations

from pathlib import Path

from IPython.display import HTML, display

from affirming_care.loader import ModuleContent, cached_course
from affirming_care.store import AnswerStore
from affirming_care.widgets import CheckWidget, ReflectionWidget, VignetteWidget, _warning_html


class Module:
    """One module's content and the learner's answer store for it.

    ``graded=True`` is used in nbgrader assignments: checks save answers without showing
    whether they are right.
    """

    def __init__(self, module_id: str, *, graded: bool = False, folder: Path | str | None = None) -> None:
        self.course = cached_course()
        self.content: ModuleContent = self.course.module(module_id)
        self.graded = graded
        self.store = AnswerStore(module_id, folder)
        if self.store.warning:
            display(HTML(_warning_html(self.store.warning)))

    def vignette(self, vignette_id: str) -> VignetteWidget:
        return VignetteWidget(self.content.vignette(vignette_id), self.store)

    def check(self, question_id: str) -> CheckWidget:
        number = [q.id for q in self.content.questions].index(self.content.question(question_id).id) + 1
        return CheckWidget(self.content.question(question_id), self.store, number, graded=self.graded)

    def reflection(self) -> ReflectionWidget:
        if self.content.reflection is None:
            raise KeyError(f"{self.content.meta.id} has no reflection.yml")
        return ReflectionWidget(self.content.reflection, self.course.rubric, self.store)
