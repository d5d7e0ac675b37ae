"""The pre-course check, "Before you start" (issue 13): what each learner knows before Module 1.

One item per learning objective of every module (52 in the shipped bank), drawn from the post-test
bank but shown in a **variant other than the one that learner's post-test will draw**, so the
same objective is measured twice with different items: once here, once in the module's post-test.
It is never part of a pass rule, gives no feedback, and only totals for the whole group reach the
dashboard (``grading/learning_gain.py``).

Shared by the learner's kernel and the instructor's side:

* :func:`precheck_slots`: which slot stands for each objective (its first slot in bank order);
* :func:`precheck_variant`: which variant and option order a seed shows for one slot;
* :func:`precheck_public` / :func:`write_precheck_public`: the keyless item file ``pre-posttest.json``;
* :func:`find_precheck_seed`: the seed of a learner's pre-check, which each module's post-test reuses
  so that "another variant" holds for that learner;
* :func:`show`: one item in the learner's notebook;
* :func:`build_precheck_assignment`: the nbgrader source notebook of the assignment ``pre``.

The pre-check's answer file is ``pre-answers.json`` (module ``"pre"``), the usual answer file with a
``posttest`` section: ``{seed, answers: {slot id: [option ids]}}``. Slot ids are global (each starts
with its module's id), so one section holds every module's items.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from affirming_care.posttest import (
    Bank,
    Drawn,
    PublicBank,
    PublicSlot,
    PublicVariant,
    Slot,
    Variant,
    _below,
    _stream,
    draw,
    public_bank,
    public_filename,
    read_public_bank,
)
from affirming_care.store import AnswerStore, DamagedStore, read_answer_file, shared_store, store_filename

PRECHECK = "pre"
"""The pre-check's assignment and answer-file module id."""
PRECHECK_ITEMS = public_filename(PRECHECK)
"""``pre-posttest.json``: the keyless items, released beside the pre-check's notebook."""
PRECHECK_ANSWERS = store_filename(PRECHECK)
"""``pre-answers.json``: the learner's pre-check answers."""
PRECHECK_ENV = "AFFIRMING_CARE_PRECHECK"
"""A path to a learner's ``pre-answers.json`` (or the folder holding it), where it is not beside the module."""


# Which items --------------------------------------------------------------------------------------------


def precheck_slots(banks: Mapping[str, Bank]) -> list[tuple[str, str]]:
    """``(module, slot id)`` for every objective of every module: the first slot testing it.

    Modules in id order; within a module, the chosen slots in the bank's order. An objective
    without a slot cannot occur (``Bank.problems`` refuses it).
    """
    out: list[tuple[str, str]] = []
    for mid in sorted(banks):
        bank = banks[mid]
        taken: set[str] = set()
        for slot in bank.slots:
            if slot.objective not in taken:
                taken.add(slot.objective)
                out.append((mid, slot.id))
    return out


def _public_slot(bank: Bank | PublicBank, slot_id: str) -> PublicSlot:
    if isinstance(bank, PublicBank):
        return bank.slot(slot_id)
    bank.slot(slot_id)  # a KeyError naming the slots, as PublicBank.slot gives
    return public_bank(bank, {slot_id}).slots[0]


def precheck_variant(bank: Bank | PublicBank, slot_id: str, seed: str | int) -> Drawn:
    """The variant of ``slot_id`` the pre-check shows for ``seed``, and its option order.

    Never the variant :func:`affirming_care.posttest.draw` gives the same slot for the same seed:
    with two variants it is the other one; with more, one of the others, chosen (like the option
    order) from SHA-256 of ``"{seed}:pre:{slot id}"``, as ``draw`` does, so the learner's kernel
    (with the keyless file) and the grader (with the full bank) agree.
    """
    public = _public_slot(bank, slot_id)
    if len(public.variants) < 2:
        raise ValueError(
            f"slot {slot_id!r} has {len(public.variants)} variant; the pre-check needs one other than the post-test's"
        )
    posttest = draw(PublicBank(module=PRECHECK, slots=[public]), seed)[0].variant_id
    others = [v for v in public.variants if v.id != posttest]
    stream = _stream(f"{seed}:{PRECHECK}:{slot_id}")
    variant = others[_below(stream, len(others))]
    order = [o.id for o in variant.options]
    for i in range(len(order) - 1, 0, -1):  # Fisher-Yates, as draw does
        j = _below(stream, i + 1)
        order[i], order[j] = order[j], order[i]
    return Drawn(slot_id, variant.id, tuple(order))


def precheck_draw(public: PublicBank, seed: str | int) -> list[Drawn]:
    """Every item of the pre-check (the keyless file) as ``seed`` shows it."""
    return [precheck_variant(public, s.id, seed) for s in public.slots]


def full_variant(
    banks: Mapping[str, Bank], module: str, slot_id: str, seed: str | int
) -> tuple[Slot, Variant]:
    """The grader's side: the slot and the keyed variant the pre-check showed for ``seed``."""
    bank = banks[module]
    drawn = precheck_variant(bank, slot_id, seed)
    slot = bank.slot(slot_id)
    return slot, next(v for v in slot.variants if v.id == drawn.variant_id)


# The learner's item file -------------------------------------------------------------------------------


def precheck_public(banks: Mapping[str, Bank]) -> PublicBank:
    """``pre-posttest.json``: the pre-check's slots with every variant, and no key, feedback or rationale.

    Every variant is kept (the learner's kernel needs them to know which one is *not* its
    post-test's); it is the same text the modules' own ``mNN-posttest.json`` files carry.
    """
    wanted: dict[str, set[str]] = {}
    for mid, sid in precheck_slots(banks):
        wanted.setdefault(mid, set()).add(sid)
    slots = [s for mid in sorted(wanted) for s in public_bank(banks[mid], wanted[mid]).slots]
    return PublicBank(module=PRECHECK, slots=slots)


def write_precheck_public(banks: Mapping[str, Bank], folder: Path) -> Path:
    """Write ``folder/pre-posttest.json`` (for ``affirming_care assignments``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PRECHECK_ITEMS
    path.write_text(
        precheck_public(banks).model_dump_json(indent=1, exclude_none=True) + "\n", encoding="utf-8"
    )
    return path


# The seed a module's post-test reuses ------------------------------------------------------------------


def precheck_answer_paths(answer_folder: Path | str) -> list[Path]:
    """Where a learner's pre-check answers may be: ``$AFFIRMING_CARE_PRECHECK`` first, then ``../pre/``."""
    found: list[Path] = []
    env = os.environ.get(PRECHECK_ENV)
    if env:
        path = Path(env)
        found.append(path if path.suffix == ".json" else path / PRECHECK_ANSWERS)
    found.append(Path(answer_folder).resolve().parent / PRECHECK / PRECHECK_ANSWERS)
    return found


def find_precheck_seed(answer_folder: Path | str) -> str | None:
    """The seed of the learner's pre-check, if its answer file is found and has one; else None.

    ``answer_folder`` is the module assignment's own folder (``assignments/mNN``); the pre-check is
    its sibling ``assignments/pre``. A damaged or foreign file is passed over (read only through
    :func:`affirming_care.store.read_answer_file`): the module then makes its own seed.
    """
    for path in precheck_answer_paths(answer_folder):
        try:
            data = read_answer_file(path, PRECHECK)
        except DamagedStore:
            continue
        if data is not None and data.posttest is not None:
            return data.posttest.seed
    return None


# One item in the learner's notebook ---------------------------------------------------------------------


@dataclass(frozen=True)
class PrecheckItem:
    """What one pre-check cell shows: the slot, its variant (no key) and order, and the learner's store."""

    store: AnswerStore
    drawn: Drawn
    variant: PublicVariant
    points: int

    @property
    def saved(self) -> list[str] | None:
        return self.store.posttest_answer(self.drawn.slot_id)


def precheck_item(slot_id: str, folder: Path | str | None = None) -> PrecheckItem:
    """The item ``slot_id`` as this learner's seed shows it, from ``pre-posttest.json`` in ``folder``.

    ``folder`` defaults to ``$AFFIRMING_CARE_ANSWERS`` or the working folder, like the answer store.
    The seed is made (in memory) the first time; it is written with the first answer.
    """
    where = Path(folder or os.environ.get("AFFIRMING_CARE_ANSWERS", "."))
    public = read_public_bank(where / PRECHECK_ITEMS)
    if public.module != PRECHECK:
        raise ValueError(
            f"{where / PRECHECK_ITEMS}: field module is {public.module!r}, expected {PRECHECK!r}"
        )
    store = shared_store(PRECHECK, where)
    drawn = precheck_variant(public, slot_id, store.posttest_seed())
    slot = public.slot(slot_id)
    variant = next(v for v in slot.variants if v.id == drawn.variant_id)
    return PrecheckItem(store, drawn, variant, slot.points)


def show(slot_id: str, folder: Path | str | None = None) -> Any:
    """Show one pre-check item: clicked answers saved to ``pre-answers.json`` at once, no feedback.

    The post-test's own widget (``widgets.PostTestWidget``), drawing with :func:`precheck_draw`;
    a missing or broken item file gives one plain message naming the file.
    """
    from affirming_care.loader import ContentError
    from affirming_care.module import PostTestUnavailable
    from affirming_care.widgets import PostTestWidget

    where = Path(folder or os.environ.get("AFFIRMING_CARE_ANSWERS", "."))
    try:
        item = precheck_item(slot_id, where)
    except ContentError as exc:
        return PostTestUnavailable(exc)
    public = read_public_bank(where / PRECHECK_ITEMS)
    return PostTestWidget(public, slot_id, item.store, drawer=precheck_draw)


# The nbgrader assignment ----------------------------------------------------------------------------------

INTRO = """\
# Before you start

This short check comes before Module 1. It has {n} questions, one for each thing the course sets out \
to teach, and takes about 25 minutes.

- **It is not graded for passing.** Nothing you answer here counts towards a module, a pass mark or a \
certificate. You are not expected to know the answers yet.
- **No one sees your answers by name.** The course leader sees only totals for the whole group, and only \
when enough people have taken part. They are compared with the same group's answers at the end of each \
module, to see what the course taught well and what it should teach better.
- **Skip any question you like.** If you do not know, leave it out rather than guess.
- **There is no feedback here.** Each module teaches these topics, and its own test comes at its end, with \
different questions.

Run each cell with Shift+Enter (or *Run > Run All Cells*) and click your answers. They are saved at once in \
`{answers}`, beside this notebook, on your computer only. When you submit, that file is submitted with \
the notebook. You never need to change any code.
"""

SETUP = """\
# Run this cell first (Shift+Enter). It loads the questions and any answers you have saved.
from affirming_care import precheck
"""


def _grade_id(slot_id: str, what: str) -> str:
    return f"{PRECHECK}_{what}_{slot_id.replace('-', '_')}"


def _item_cells(module: str, slot: Slot, number: int) -> list[Any]:
    from nbformat.v4 import new_code_cell

    from affirming_care.assignments import _nbgrader

    show_cell = new_code_cell(
        f"# Question {number}. Run this cell and click your answer, or leave it out.\n"
        f"precheck.show({slot.id!r})"
    )
    grade_cell = new_code_cell(
        f"# Question {number}: this cell reads the answer you saved. Just run it.\n"
        "from affirming_care.grading import expect_precheck\n"
        "### BEGIN HIDDEN TESTS\n"
        f"expect_precheck({PRECHECK!r}, {slot.id!r})\n"
        "### END HIDDEN TESTS"
    )
    return [
        _nbgrader(show_cell, _grade_id(slot.id, "show")),
        _nbgrader(grade_cell, _grade_id(slot.id, "grade"), grade=True, points=slot.points),
    ]


def build_precheck_assignment(banks: Mapping[str, Bank], titles: Mapping[str, str] | None = None) -> Any:
    """The source notebook of the assignment ``pre`` (an ``nbformat.NotebookNode``).

    Cells: the introduction, a locked setup cell, then per module a heading and per item a locked
    display cell ``precheck.show("mNN-p-...")`` and an autograded cell whose hidden test is
    ``expect_precheck("pre", "mNN-p-...")`` (no key in it: the grader reads the bank from the
    course folder; points are the slot's). ``titles`` (module id: title) names each module's
    heading; without it the heading is "Module N". No outputs.

    ``affirming_care assignments`` writes it with ``pre-posttest.json``; the grader scores its
    ``expect_precheck`` cells from the answer file (:func:`full_variant` gives the keyed variant).
    """
    from nbformat.v4 import new_code_cell, new_markdown_cell

    from affirming_care.assignments import _nbgrader, assemble

    slots = precheck_slots(banks)
    cells = [
        _nbgrader(
            new_markdown_cell(INTRO.format(n=len(slots), answers=PRECHECK_ANSWERS)),
            f"{PRECHECK}_instructions",
        ),
        _nbgrader(new_code_cell(SETUP), f"{PRECHECK}_setup"),
    ]
    number = 0
    for mid in sorted({m for m, _ in slots}):
        title = (titles or {}).get(mid)
        heading = f"## Module {int(mid[1:])}" + (f": {title}" if title else "")
        cells.append(_nbgrader(new_markdown_cell(heading), f"{PRECHECK}_heading_{mid}"))
        for _, sid in (s for s in slots if s[0] == mid):
            number += 1
            cells += _item_cells(mid, banks[mid].slot(sid), number)
    return assemble(PRECHECK, cells, id_digits=3)
