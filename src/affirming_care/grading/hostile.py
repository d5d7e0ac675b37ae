"""What a hostile learner hands in, for the rehearsal cohort (``grade rehearse --hostile``).

Each function turns an honest, complete hand-in into one hostile kind and says what must happen
to it: the reasons collect reports (:mod:`affirming_care.grading.intake`), whether it is collected,
the checks score it earns (never more than its answer file answers), and what autograde must do.
Nothing here runs anything: the added cells are text in a notebook, and must stay text.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell

from affirming_care.grading import intake
from affirming_care.posttest import Bank, draw, load_banks, score_hand_in
from affirming_care.store import AnswerFile, PostTestRecord, ReflectionRecord, store_filename

MARKUP = (
    "<script>window.__pwned_script=1;document.title='pwned'</script> "
    "<img src=x onerror=\"window.__pwned_img=1;document.title='pwned'\"> "
    "<svg onload=\"window.__pwned_svg=1;document.title='pwned'\"></svg> "
    "<iframe srcdoc=\"<script>parent.__pwned_iframe=1;parent.document.title='pwned'</script>\"></iframe> "
    "[/oops] [bold]x"
)
"""Each payload, if it ever runs in a browser, sets a ``window.__pwned_*`` global and the page title."""
HOSTILE_NAMES = {
    "markup_name": (
        "Ana [she/her]",
        "<script>window.__pwned_name=1;document.title='pwned'</script> [/x] Rich",
    ),
    "formula_name": ("=cmd|' /C calc'!A0", "@SUM(1)"),
}
"""Names a hostile roster entry has in the gradebook (first, last)."""
ROSTER_NAMES = {
    "markup_name": ("Ana [she/her]", "[/x] Rich"),
    "formula_name": HOSTILE_NAMES["formula_name"],
}
"""The same names in the course folder's roster, which refuses ``<`` and ``>``
(:func:`affirming_care.grading.sanitise.markup_problem`): the script reaches only the gradebook, as
a name added with nbgrader's own commands would; Rich markup and formulas pass the roster."""

CANARY_DIR = "rehearsal-canaries"
"""Where an added cell would write, in the course folder, if grading ever ran it."""

ADDED_CELL = """\
# Added by the learner: full marks without answering, if grading runs this cell.
from pathlib import Path
Path({canary!r}).write_text("learner code ran during grading")
for _q in module.content.questions:
    module.store.answer_check(_q.id, sorted(_q.answer))
"""
PATCHED_GRADER = """\
# Added by the learner: every check says Correct, if grading runs this cell.
from pathlib import Path
import affirming_care.grading
Path({canary!r}).write_text("learner code ran during grading")
affirming_care.grading.expect_answer = lambda *args, **kwargs: print("Correct.")
"""


@dataclass
class HostileHandIn:
    """One hostile hand-in: its files and how to deliver them, and what must come of it."""

    files: dict[str, str]
    """The hand-in's ordinary files (name: text), as an honest one has."""
    links: dict[str, str] = field(default_factory=dict)
    """File name: target; a symbolic link in the exchange, a link entry in a zip."""
    extra: dict[str, bytes] = field(default_factory=dict)
    """More files by name (an archive), added to the hand-in folder or the zip."""
    raw_entries: dict[str, bytes] = field(default_factory=dict)
    """Zip entries by their exact name (``{stamp}`` is replaced by the hand-in's time)."""
    earlier: dict[str, str] | None = None
    """An earlier hand-in of the same learner (two hand-ins), handed in a day before."""
    graded_before: bool = False
    """Put an earlier hand-in in submitted/ and grade its reflection by hand (7 points) first."""
    expected_checks: float | None = 0.0
    reflection_written: bool = True
    collected: bool = True
    findings: list[str] = field(default_factory=list)
    autograde: str = ""
    canary: str | None = None


def _cells_after_setup(text: str, sources: list[str]) -> str:
    """The notebook with code cells added after its setup cell (before every graded cell)."""
    nb = nbformat.reads(text, as_version=4)
    at = next(
        (
            i + 1
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("locked")
        ),
        0,
    )
    for k, source in enumerate(sources):
        nb.cells.insert(at + k, new_code_cell(source))
    out: str = nbformat.writes(nb)
    return out


def _with_reflection(answers: str, reflection_id: str, reflection: str) -> str:
    """The same answer file with its reflection replaced (the reflection is typed into the answer file)."""
    data = AnswerFile.model_validate_json(answers)
    data.reflections[reflection_id] = ReflectionRecord(text=reflection)
    return data.model_dump_json(indent=1) + "\n"


def clicked_first_everywhere(module: Any, bank: Bank) -> tuple[str, float]:
    """An answer file with the first option shown chosen in every post-test item, and the score it earns."""
    seed = "c11c4ed0f1a5ae11"
    answers = {d.slot_id: [d.option_order[0]] for d in draw(bank, seed)}
    store = AnswerFile(module=module.meta.id, posttest=PostTestRecord(seed=seed, answers=answers))
    return store.model_dump_json(indent=1) + "\n", float(score_hand_in(bank, seed, answers).earned)


def oversized(answers: str, limit: int) -> str:
    """The same answers, padded past ``limit`` with a long reflection record."""
    data = AnswerFile.model_validate_json(answers)
    data.reflections["padding"] = ReflectionRecord(text="x" * (limit + 200_000))
    return data.model_dump_json()


def nested_zip(mid: str, notebook: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{mid}.ipynb", notebook)
    return buf.getvalue()


@dataclass
class Context:
    """What every hostile hand-in of one learner and module is made from."""

    root: Path
    mid: str
    sid: str
    module: Any
    complete: dict[str, str]
    full: float
    partial: tuple[dict[str, str], float, bool]
    classmate: str
    answer_limit: int


def _forged(ctx: Context, kind: str) -> HostileHandIn:
    canary = str(ctx.root / CANARY_DIR / f"{ctx.sid}-{ctx.mid}-{kind}.txt")
    nb = ctx.complete[f"{ctx.mid}.ipynb"]
    if kind == "added_cell":
        files = {f"{ctx.mid}.ipynb": _cells_after_setup(nb, [ADDED_CELL.format(canary=canary)])}
        return HostileHandIn(
            files,
            expected_checks=0.0,
            reflection_written=False,
            canary=canary,
            autograde="no answer file: every post-test item scores 0; the added cell is reported and never run",
        )
    answers, score = clicked_first_everywhere(ctx.module, load_banks(ctx.root / "posttest")[ctx.mid])
    files = {
        f"{ctx.mid}.ipynb": _cells_after_setup(nb, [PATCHED_GRADER.format(canary=canary)]),
        store_filename(ctx.mid): answers,
    }
    return HostileHandIn(
        files,
        expected_checks=score,
        reflection_written=False,
        canary=canary,
        autograde="only the items whose first shown option is right score; the added cell is reported and never run",
    )


def _linked(ctx: Context, kind: str) -> HostileHandIn:
    files = {k: v for k, v in ctx.complete.items() if k != store_filename(ctx.mid)}
    if kind == "symlink_classmate":
        target = ctx.root / "submitted" / ctx.classmate / ctx.mid / store_filename(ctx.mid)
    else:
        target = ctx.root / "gradebook.db"
    return HostileHandIn(
        files,
        links={store_filename(ctx.mid): str(target)},
        reflection_written=False,
        findings=[intake.LINK],
        autograde="the link is not followed: no answer file, every post-test item scores 0",
    )


def build(ctx: Context, kind: str) -> HostileHandIn:
    """The hand-in of one hostile kind (see :data:`affirming_care.grading.rehearsal.HOSTILE`)."""
    if kind in ("added_cell", "patched_grader"):
        return _forged(ctx, kind)
    if kind in ("symlink_classmate", "symlink_private"):
        return _linked(ctx, kind)
    answers = store_filename(ctx.mid)
    nb_name = f"{ctx.mid}.ipynb"
    complete = dict(ctx.complete)
    full = HostileHandIn(complete, expected_checks=ctx.full, autograde="graded as complete")
    if kind == "markup_reflection":
        rid = ctx.module.reflection.id
        full.files[answers] = _with_reflection(complete[answers], rid, "I would listen first. " + MARKUP)
        full.autograde = "graded as complete; the reflection's markup is inert wherever it is shown"
    elif kind == "oversized_answer_file":
        full.files[answers] = oversized(complete[answers], ctx.answer_limit)
        full.expected_checks, full.findings, full.reflection_written = 0.0, [intake.TOO_LARGE], False
        full.autograde = "the answer file is refused at collect: every post-test item scores 0"
    elif kind == "nested_archive":
        full.extra = {"more-work.zip": nested_zip(ctx.mid, complete[nb_name])}
        full.findings = [intake.NESTED]
    elif kind == "zip_traversal":
        wrong = json.dumps({"format": "affirming-care/answers", "version": 1, "module": ctx.mid})
        full.raw_entries = {
            f"../{ctx.sid}_{ctx.mid}_{{stamp}}_{answers}": wrong.encode(),
            f"/tmp/{ctx.sid}_{ctx.mid}_{{stamp}}_{nb_name}": complete[nb_name].encode(),
            f".._{ctx.mid}_{{stamp}}_{nb_name}": complete[nb_name].encode(),
            f"._{ctx.mid}_{{stamp}}_{nb_name}": complete[nb_name].encode(),
            f"{ctx.sid}_{ctx.mid}_{{stamp}}_..\\..\\evil.json": wrong.encode(),
        }
        full.findings = [intake.OUTSIDE]
        full.autograde = "graded as complete; the entries outside the folder are refused, never extracted"
    elif kind == "two_handins":
        files, score, wrote = ctx.partial
        return HostileHandIn(
            dict(files),
            earlier=complete,
            expected_checks=score,
            reflection_written=wrote,
            findings=[intake.SUPERSEDED],
            autograde="the newer, partial hand-in is graded whole; the older is kept aside",
        )
    elif kind == "regraded":
        full.graded_before, full.findings = True, [intake.REPLACED, intake.REGRADE]
        full.autograde = (
            "graded as complete; the reflection waits for grading again, the old 7 does not count"
        )
    elif kind == "impersonation":
        full.collected, full.expected_checks, full.findings = False, None, [intake.IMPERSONATION]
        full.autograde = "never collected (quarantined), so never graded"
    return full


def earlier_time(when: datetime) -> datetime:
    return when - timedelta(days=1)
