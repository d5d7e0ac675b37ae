"""Grade click-answered checks from the submitted answer file, in the instructor's process.

``GradeFromAnswerFile`` takes the place of nbgrader's ``Execute`` among ``Autograde``'s
preprocessors: nbgrader still sanitises the hand-in (locked cells restored from the gradebook,
ids deduplicated), saves the scores and late penalties, and writes the autograded copy, but no
cell of the learner's notebook runs and no kernel starts. Each autograded cell gets the output
its hidden test would have printed, judged by ``hidden_tests.judge_answer`` from

* the answer file in ``submitted/LEARNER/MODULE/``, read by ``store.read_answer_file`` (which
  refuses links, non-regular and oversized files and another module's file), and
* the key in the instructor's ``source/MODULE/NOTEBOOK.ipynb`` (``answer_keys``, parsed, not run),
  which for a post-test slot is the course folder's bank (``COURSE/posttest/``).

A full mark is a plain stdout line; a post-test item earning part of its points also gets an
``execute_result`` holding the points, nbgrader's partial-credit rule; anything that earns nothing
also gets an error output naming the reason, which ``determine_grade`` scores 0.

The reflection is typed into the answer file, not into the notebook (issue 11). Its manually graded
cell gets the text here, made inert with ``sanitise.clean_markdown``, so the formgrader shows it beside
the rubric; a reflection left empty keeps the cell's placeholder, which nbgrader scores 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_code_cell, new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

from affirming_care.grading.answer_keys import (
    Key,
    PostTestKey,
    module_keys,
    question_ids,
    reflection_cells,
    slot_ids,
)
from affirming_care.grading.hidden_tests import judge_answer, judge_posttest, read_answers
from affirming_care.grading.sanitise import clean_markdown
from affirming_care.store import AnswerFile, DamagedStore, store_filename

RESOURCE = "affirming_care"
"""Key in nbconvert's resources under which ``autograde`` hands the preprocessor what it read."""

NO_EXECUTION = [
    "affirming_care.grading.answers_grader.GradeFromAnswerFile",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
"""``Autograde.autograde_preprocessors`` with ``Execute`` replaced: nothing of the hand-in runs."""

EXECUTING = [
    x.replace("affirming_care.grading.answers_grader.GradeFromAnswerFile", "nbgrader.preprocessors.Execute")
    for x in NO_EXECUTION
]
"""nbgrader's own list: runs every cell of the hand-in, including cells the learner added."""


@dataclass
class SubmissionAnswers:
    """What one learner's answer file says, read once, and what the instructor should know about it."""

    filename: str
    answers: AnswerFile | DamagedStore | None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Given:
    """What ``autograde`` read for one hand-in, passed to the preprocessor in nbconvert's resources.

    nbconvert deep-copies resources for each notebook; this is read-only, so the copy is itself.
    """

    keys: dict[str, dict[str, Key]]
    answers: SubmissionAnswers
    reflections: dict[str, dict[str, str]] = field(default_factory=dict)
    """Notebook name to grade id to reflection id (``answer_keys.reflection_cells``)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Given:
        return self


def _unknown_ids_note(module: str, unknown: list[str]) -> str:
    others = [q for q in unknown if not q.startswith(f"{module}-")]
    own = [q for q in unknown if q.startswith(f"{module}-")]
    parts = []
    if own:
        parts.append(f"no such question in {module}: {', '.join(own)}")
    if others:
        parts.append(f"questions of another module: {', '.join(others)}")
    return f"answer file holds answers that earn nothing ({'; '.join(parts)})"


def read_submission_answers(
    folder: Path, module: str, known: set[str], known_slots: set[str] | None = None
) -> SubmissionAnswers:
    """Read ``folder``'s answer file once; notes say what is missing, damaged or does not belong."""
    name = store_filename(module)
    answers = read_answers(folder / name, module)
    out = SubmissionAnswers(name, answers)
    if answers is None:
        out.notes.append(f"no answer file {name}: every post-test item scores 0")
    elif isinstance(answers, DamagedStore):
        out.notes.append(f"damaged answer file {name} ({answers.reason}): every post-test item scores 0")
    else:
        unknown = sorted(set(answers.checks) - known)
        if answers.posttest is not None and known_slots is not None:
            unknown += sorted(set(answers.posttest.answers) - known_slots)
        if unknown:
            out.notes.append(_unknown_ids_note(module, unknown))
    return out


def _earned_outputs(key: PostTestKey, given: SubmissionAnswers) -> list[NotebookNode]:
    earned = judge_posttest(given.answers, given.filename, key.slot, key.variant)
    outputs = [new_output("stream", name="stdout", text=earned.message + "\n")]
    if earned.points <= 0:
        reason = earned.reason or "not correct"
        outputs.append(
            new_output("error", ename="NotAwarded", evalue=reason, traceback=[f"NotAwarded: {reason}"])
        )
    elif earned.points < key.points:
        outputs.append(
            new_output("execute_result", data={"text/plain": repr(earned.points)}, execution_count=None)
        )
    return outputs


def grade_outputs(key: Key, given: SubmissionAnswers) -> list[NotebookNode]:
    """The outputs of one autograded cell: what its hidden test prints, and an error if it earns nothing."""
    if isinstance(key, PostTestKey):
        return _earned_outputs(key, given)
    verdict = judge_answer(given.answers, given.filename, key.question_id, key.expected)
    outputs = [new_output("stream", name="stdout", text=verdict.message + "\n")]
    if not verdict.awarded:
        outputs.append(
            new_output(
                "error",
                ename="NotAwarded",
                evalue=verdict.reason,
                traceback=[f"NotAwarded: {verdict.reason}"],
            )
        )
    return outputs


MISSING_NOTE = (
    "# This check's cell was missing from the hand-in. It was put back here\n"
    "# and graded from the answer file, like every other check."
)


def _put_back_missing(nb: NotebookNode, keys: dict[str, Key]) -> None:
    """Append an autograded cell for each key whose cell the learner removed, so it is graded too.

    (nbgrader's own ``OverwriteCells.add_missing_cells`` fails when the cell before the removed
    one is a locked cell that is not graded, as every "show" cell here is.)
    """
    present = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    for grade_id, key in keys.items():
        if grade_id in present:
            continue
        cell = new_code_cell(MISSING_NOTE)
        cell.metadata["nbgrader"] = {
            "grade": True,
            "grade_id": grade_id,
            "locked": True,
            "points": key.points,
            "schema_version": 3,
            "solution": False,
            "task": False,
        }
        nb.cells.append(cell)


def _is_grade_code(cell: NotebookNode) -> bool:
    return bool(cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"))


def place_reflection(cell: NotebookNode, reflection_id: str, given: SubmissionAnswers) -> None:
    """Put the learner's reflection, inert, into its manually graded cell (empty: leave the placeholder)."""
    answers = given.answers
    if not isinstance(answers, AnswerFile):
        return
    record = answers.reflections.get(reflection_id)
    if record is None or not record.text.strip():
        return
    cell.source = clean_markdown(record.text.strip())


class GradeFromAnswerFile(NbGraderPreprocessor):
    """Give each autograded cell the output its check earns, from the answer file; run nothing."""

    enabled = Bool(True).tag(config=True)

    def _given(self, resources: ResourcesDict) -> Given:
        """What ``autograde`` read for this hand-in, or (from ``nbgrader autograde``) read it here."""
        info = resources["nbgrader"]
        ours = resources.get(RESOURCE)
        if isinstance(ours, Given):
            return ours
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=self.config)
        source = Path(coursedir.root) / coursedir.source_directory
        all_keys = module_keys(source, info["assignment"])
        folder = Path(
            coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"])
        )
        given = read_submission_answers(
            folder, info["assignment"], question_ids(all_keys), slot_ids(all_keys)
        )
        return Given(all_keys, given, reflection_cells(source, info["assignment"]))

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        given_all = self._given(resources)
        notebook = resources["nbgrader"]["notebook"]
        keys, given = given_all.keys.get(notebook, {}), given_all.answers
        reflections = given_all.reflections.get(notebook, {})
        _put_back_missing(nb, keys)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta and "grade_id" not in meta:
                # nbgrader drops an id the gradebook does not know: a cell the learner made; it grades nothing.
                cell.metadata["nbgrader"] = {}
            if cell.cell_type == "markdown" and meta.get("grade_id") in reflections:
                place_reflection(cell, reflections[meta["grade_id"]], given)
            if cell.cell_type != "code":
                continue
            cell.outputs, cell.execution_count = [], None
            if _is_grade_code(cell):
                cell.outputs = self._outputs(keys.get(cell.metadata.nbgrader["grade_id"]), given)
        return nb, resources

    @staticmethod
    def _outputs(key: Key | None, given: SubmissionAnswers) -> list[NotebookNode]:
        if key is None:
            reason = "this check has no answer key in the course's source notebook"
            return [new_output("error", ename="NoKey", evalue=reason, traceback=[f"NoKey: {reason}"])]
        return grade_outputs(key, given)

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        return cell, resources
