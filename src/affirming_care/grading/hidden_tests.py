"""How one click-answered check is judged, and what nbgrader's (executing) hidden tests call.

``judge_answer`` is the one judgement: the instructor-side grader (``answers_grader``) calls it
without running anything of the learner's, and ``expect_answer`` (kept for the opt-in executing
path and for released notebooks' hidden test cells) prints the same words and raises
``NotAwarded`` (an AssertionError, which nbgrader scores 0) when the answer is missing or wrong.

Everything is said on stdout: nbgrader scores a test cell 0 if anything reaches stderr, and a
missing or damaged answer file should cost only the questions it affects, with a clear reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from affirming_care.posttest import Slot, Variant, drawn_variant_of_slot, score_variant
from affirming_care.store import AnswerFile, DamagedStore, read_answer_file, store_filename


class NotAwarded(AssertionError):
    """The question earns no points; the message says why, in words for the learner."""


@dataclass(frozen=True)
class Verdict:
    """One check judged: whether it earns its points, what the learner is told, and the short reason."""

    awarded: bool
    message: str
    reason: str = ""


def _letters(ids: Iterable[str]) -> str:
    return ", ".join(i.upper() for i in sorted(ids)) or "nothing"


def judge_answer(
    answers: AnswerFile | DamagedStore | None, filename: str, question_id: str, expected: Iterable[str]
) -> Verdict:
    """Judge ``question_id`` from what was read of the answer file (None: there was none)."""
    if isinstance(answers, DamagedStore):
        return Verdict(
            False,
            f"Your answer file {filename} could not be read ({answers.reason}), "
            "so this answer could not be graded.",
            f"damaged answer file: {answers.reason}",
        )
    if answers is None:
        return Verdict(
            False,
            f"No answer file ({filename}) was submitted with this notebook, so no answer was found.",
            f"no answer file {filename}",
        )
    record = answers.checks.get(question_id)
    if record is None or not record.selected:
        return Verdict(False, "You did not answer this question.", "not answered")
    chosen = frozenset(record.selected)
    if chosen == frozenset(expected):
        return Verdict(True, f"Your answer: {_letters(chosen)}. Correct.")
    return Verdict(False, f"Your answer: {_letters(chosen)}. Not correct.", "not correct")


@dataclass(frozen=True)
class Earned:
    """One post-test slot judged: the points earned (partial credit allowed), and what the learner is told."""

    points: float
    message: str
    reason: str = ""


def judge_posttest(
    answers: AnswerFile | DamagedStore | None,
    filename: str,
    slot: Slot,
    variant_of: Callable[[str], Variant] | None = None,
) -> Earned:
    """Score one post-test slot from the answer file: the variant its seed drew, graded by option id.

    The variant is drawn again from the seed (never read from the file; ``variant_of`` draws it for
    the pre-course check, which shows the other variant); an option id the variant
    does not have earns nothing and is named, so a damaged or edited file is reported, not guessed at.
    """
    if not isinstance(answers, AnswerFile):  # no file, or a damaged one: judge_answer says which
        verdict = judge_answer(answers, filename, "", ())
        return Earned(0.0, verdict.message, verdict.reason)
    record = answers.posttest
    chosen = None if record is None else record.answers.get(slot.id)
    if record is None or not chosen:
        return Earned(0.0, "You did not answer this question.", "not answered")
    variant = variant_of(record.seed) if variant_of else drawn_variant_of_slot(slot, record.seed)
    try:
        fraction = score_variant(variant, chosen)
    except ValueError as exc:
        return Earned(0.0, "Your saved answer does not match this question's options.", str(exc))
    earned = float(fraction * slot.points)
    message = f"Scored {earned:g} of {slot.points} point{'s' if slot.points != 1 else ''}."
    return Earned(earned, message, "" if earned else "not correct")


def read_answers(path: Path, module_id: str | None = None) -> AnswerFile | DamagedStore | None:
    """The answer file at ``path`` through the one reader, a damaged one as its ``DamagedStore``."""
    try:
        return read_answer_file(path, module_id)
    except DamagedStore as exc:
        return exc


def expect_answer(
    module_id: str, question_id: str, expected: Iterable[str], folder: Path | str = "."
) -> None:
    """Award the question if the learner's saved answer is exactly ``expected`` (executing path only).

    Hidden tests pass the key inline, so the source notebook is self-contained and nbgrader
    strips the key from the released notebook and from the feedback.
    """
    path = Path(folder) / store_filename(module_id)
    verdict = judge_answer(read_answers(path), path.name, question_id, expected)
    print(verdict.message)
    if not verdict.awarded:
        raise NotAwarded(verdict.reason)


def _course_bank_slot(module_id: str, slot_id: str, folder: Path) -> Slot | None:
    """The slot from the course folder's bank, when this runs in its ``autograded/LEARNER/MODULE/``."""
    from affirming_care.posttest import load_banks

    here = folder.resolve()
    if len(here.parents) < 3 or not (here.parents[2] / "posttest" / f"{module_id}.yml").is_file():
        return None
    return load_banks(here.parents[2] / "posttest")[module_id].slot(slot_id)


def expect_posttest(module_id: str, slot_id: str, folder: Path | str = ".") -> float | None:
    """The hidden test of a post-test cell, for the opt-in executing path only. It holds no key.

    Grading normally never runs this (``answers_grader`` scores the slot from the answer file). Under
    ``--execute-learner-code`` nbgrader runs it in the learner's notebook, in the instructor's
    ``autograded/LEARNER/MODULE/`` folder: it then reads the course folder's bank there and returns
    the points of a partly right answer (nbgrader's partial-credit rule), None for full points, and
    raises ``NotAwarded`` for none. Anywhere else, a learner's own kernel included, there is no
    bank, so it earns nothing and says why.
    """
    path = Path(folder) / store_filename(module_id)
    slot = _course_bank_slot(module_id, slot_id, Path(folder))
    if slot is None:
        print(f"{slot_id}: post-test items are graded on your facilitator's side, from your answer file.")
        raise NotAwarded("no post-test bank here")
    earned = judge_posttest(read_answers(path, module_id), path.name, slot)
    print(earned.message)
    if earned.points <= 0:
        raise NotAwarded(earned.reason or "not correct")
    return None if earned.points >= slot.points else earned.points


def expect_precheck(module_id: str, slot_id: str) -> None:
    """The hidden test of a pre-course check item. It holds no key and is graded only from the answer
    file on the instructor's side (``answers_grader``); run anywhere, it earns nothing and says why."""
    print(f"{slot_id}: the pre-course check is scored on your facilitator's side, from your answer file.")
    raise NotAwarded("pre-course check items are scored only from the answer file")
