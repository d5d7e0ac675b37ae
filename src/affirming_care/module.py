"""What a notebook calls: ``show("m02-kai-intake")`` in each cell, or ``Module("m02").vignette(...)``.

Every cell works run alone: the module is found from the item's id, and all cells of a module
share one answer store (``store.shared_store``), so they never overwrite each other's answers.

A graded assignment (``Module("m02", graded=True)``) also shows the post-test
(``module.posttest(slot id)``), drawn from the keyless item file ``mNN-posttest.json`` beside the
notebook, and its reflection starts from the one the learner wrote in the module notebook, if any
(:func:`carry_over_reflection`).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from affirming_care import paths
from affirming_care.content import Reflection, Rubric
from affirming_care.loader import ContentError, ModuleContent, Problem, cached_course
from affirming_care.posttest import PublicBank, public_filename, read_public_bank
from affirming_care.precheck import find_precheck_seed
from affirming_care.store import AnswerStore, DamagedStore, read_answer_file, shared_store, store_filename
from affirming_care.widgets import (
    CheckWidget,
    PostTestUnavailable,
    PostTestWidget,
    ReflectionWidget,
    VignetteWidget,
)

Widget = VignetteWidget | CheckWidget | ReflectionWidget

LEARNING_ANSWERS = "AFFIRMING_CARE_LEARNING_ANSWERS"
"""A folder to look in first for the module notebook's answer file (a reflection to carry over)."""


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
        self._public: PublicBank | None = None

    @property
    def answer_folder(self) -> Path:
        """Where the answer file (and, in an assignment, the post-test item file) is."""
        return self.store.path.parent

    def vignette(self, vignette_id: str) -> VignetteWidget:
        return VignetteWidget(self.content.vignette(vignette_id), self.store)

    def check(self, question_id: str) -> CheckWidget:
        number = [q.id for q in self.content.questions].index(self.content.question(question_id).id) + 1
        return CheckWidget(self.content.question(question_id), self.store, number, graded=self.graded)

    def posttest_items(self) -> PublicBank:
        """The keyless post-test items beside the notebook (``mNN-posttest.json``), read once.

        Raises ContentError naming the file when it is missing or not an item file of this module.
        """
        if self._public is None:
            path = self.answer_folder / public_filename(self.content.meta.id)
            public = read_public_bank(path)
            if public.module != self.content.meta.id:
                raise ContentError(
                    [Problem(path, 1, "module", f"is {public.module!r}, expected {self.content.meta.id!r}")]
                )
            self._public = public
        return self._public

    def posttest_seed(self) -> str:
        """The seed this learner's post-test is drawn from: the one in the answer file, else the
        pre-course check's (``pre-answers.json`` in ``../pre/``, so the module shows the variants the
        pre-check did not), else a new one."""
        if self.store.data.posttest is None:
            seed = find_precheck_seed(self.store.path.parent)
            if seed is not None:
                self.store.adopt_seed(seed)
        return self.store.posttest_seed()

    def posttest(self, slot_id: str) -> PostTestWidget | PostTestUnavailable:
        """One post-test item, drawn from this learner's seed; a plain message if the items cannot be read."""
        try:
            public = self.posttest_items()
        except ContentError as exc:
            return PostTestUnavailable(exc)
        self.posttest_seed()
        return PostTestWidget(public, slot_id, self.store)

    def reflection(self) -> ReflectionWidget:
        if self.content.reflection is None:
            raise KeyError(f"{self.content.meta.id} has no reflection.yml")
        notices: list[str] = []
        if self.graded:
            notices = carry_over_reflection(self.store, self.content.reflection, self.course.rubric)
        return ReflectionWidget(
            self.content.reflection, self.course.rubric, self.store, graded=self.graded, notices=notices
        )

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


def learning_answer_folders(answer_folder: Path) -> list[Path]:
    """Where the module notebook's answer file may be, in the order looked at.

    ``$AFFIRMING_CARE_LEARNING_ANSWERS``; the course's ``notebooks/``; ``~/notebooks/``;
    ``../notebooks/`` and ``../../notebooks/`` from the assignment's folder; then ``~/*/notebooks/``.
    """
    home = Path.home()
    found: list[Path] = []
    if os.environ.get(LEARNING_ANSWERS):
        found.append(Path(os.environ[LEARNING_ANSWERS]))
    found += [
        paths.course_root() / "notebooks",
        home / "notebooks",
        answer_folder / ".." / "notebooks",
        answer_folder / ".." / ".." / "notebooks",
    ]
    with contextlib.suppress(OSError):  # an unreadable home folder: look nowhere else
        found += sorted(p for p in home.glob("*/notebooks") if p.is_dir())
    unique: list[Path] = []
    for folder in found:
        folder = folder.resolve()
        if folder not in unique:
            unique.append(folder)
    return unique


def _fitting(scores: dict[str, int], rubric: Rubric) -> dict[str, int]:
    """The self-assessment scores this rubric has (a criterion or score it lacks is left out)."""
    allowed = {c.id: {lv.score for lv in c.levels} for c in rubric.criteria}
    return {k: v for k, v in scores.items() if v in allowed.get(k, set())}


def carry_over_reflection(store: AnswerStore, reflection: Reflection, rubric: Rubric) -> list[str]:
    """Bring the module notebook's reflection into an assignment whose own file has none.

    Looks in :func:`learning_answer_folders` for ``mNN-answers.json`` (read only, with
    ``store.read_answer_file``; never moved or changed), takes the first with text for this
    reflection, and saves its text and self-assessment in the assignment's store at once. Returns
    the sentences to show the learner: that it was brought over, and any file that could not be read.
    """
    if store.reflection(reflection.id).text.strip():
        return []
    own = store.path.resolve()
    notes: list[str] = []
    for folder in learning_answer_folders(store.path.parent):
        path = folder / store_filename(store.module_id)
        if path.resolve() == own:
            continue
        try:
            data = read_answer_file(path, store.module_id)
        except DamagedStore as exc:
            notes.append(
                f"The answer file {path} could not be read ({exc.reason}), so nothing was taken from it."
            )
            continue
        record = data.reflections.get(reflection.id) if data else None
        if record is None or not record.text.strip():
            continue
        store.put_reflection(
            reflection.id, text=record.text, self_assessment=_fitting(record.self_assessment, rubric)
        )
        notes.insert(
            0,
            f"Your reflection from the module notebook (in {path}) was brought over; you can revise it here.",
        )
        return notes
    return notes


def show(item_id: str, *, graded: bool = False, folder: Path | str | None = None) -> Widget:
    """One item of the course, by its id (``m02-kai-intake``); a cell's whole code."""
    module_id = item_id.split("-", 1)[0]
    return Module(module_id, graded=graded, folder=folder).item(item_id)
