"""What nbgrader's hidden tests call to grade a learner's click-answered checks.

A test cell runs in the learner's submitted assignment folder and reads the answer store the
widgets wrote there. It prints a short, plain report for the learner's feedback and raises
``NotAwarded`` (an AssertionError, which nbgrader scores 0) when the answer is missing or wrong.

Everything is said on stdout: nbgrader scores a test cell 0 if anything reaches stderr, and a
missing or damaged answer file should cost only the questions it affects, with a clear reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from affirming_care.store import DamagedStore, read_answer_file, store_filename


class NotAwarded(AssertionError):
    """The question earns no points; the message says why, in words for the learner."""


def _letters(ids: Iterable[str]) -> str:
    return ", ".join(i.upper() for i in sorted(ids)) or "nothing"


def expect_answer(
    module_id: str, question_id: str, expected: Iterable[str], folder: Path | str = "."
) -> None:
    """Award the question if the learner's saved answer is exactly ``expected``.

    Hidden tests pass the key inline, so the source notebook is self-contained and nbgrader
    strips the key from the released notebook and from the feedback.
    """
    path = Path(folder) / store_filename(module_id)
    try:
        data = read_answer_file(path)
    except DamagedStore as exc:
        print(
            f"Your answer file {path.name} could not be read ({exc.reason}), so this answer could not be graded."
        )
        raise NotAwarded(f"damaged answer file: {exc.reason}") from None
    if data is None:
        print(f"No answer file ({path.name}) was submitted with this notebook, so no answer was found.")
        raise NotAwarded(f"no answer file {path.name}")
    record = data.checks.get(question_id)
    if record is None or not record.selected:
        print("You did not answer this question.")
        raise NotAwarded("not answered")
    chosen = frozenset(record.selected)
    if chosen == frozenset(expected):
        print(f"Your answer: {_letters(chosen)}. Correct.")
        return
    print(f"Your answer: {_letters(chosen)}. Not correct.")
    raise NotAwarded("not correct")
