"""The post-test: a bank of scored items per module, kept on the instructor's side (issue 11).

The practice checks in ``content/*/checks.yml`` teach: they answer at once and their keys ship to
learners. The post-test measures: its bank lives in ``assessment/posttest/mNN.yml``, outside
``content/``, so it never reaches a learner's environment, and a provider who needs a secure test can
point every command at a private folder instead (``--bank DIR``).

A bank holds the module's learning objectives (short ids added here; ``module.yml`` is untouched) and
at least five scored **slots**, each tied to one objective. A slot has at least two parallel
**variants**; a learner's hand-in gets one variant per slot and an order of its options, drawn
deterministically from a seed kept in their answer file (:func:`draw`). Grading is by option id,
never by position (:func:`score_variant`, :func:`score_hand_in`).

Scoring rule, the same everywhere it is used:

- single-answer item: 1 if exactly the right option is chosen, else 0;
- multiple-answer item: (right options chosen − wrong options chosen) / number of right options,
  floored at 0. Choosing everything therefore earns 0 when there are as many wrong options as right
  ones, and leaving out one of two right options earns one half.

A slot's score is that fraction times its ``points``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Literal, NamedTuple

from pydantic import Field, ValidationError, model_validator

from affirming_care import paths
from affirming_care._yaml import line_of
from affirming_care.content import ContentNote, GuidePointId, Id, ModuleId, Strict, Text
from affirming_care.loader import _LINES, ContentError, Problem, _field, _line, load_model

BANK_ROOT = paths.course_root() / "assessment" / "posttest"
"""The shipped bank in the source repository. The learner edition does not contain it."""

OF_THE_ABOVE = re.compile(r"\b(all|none|both|neither)\s+of\s+the\s+(above|others|options)\b", re.IGNORECASE)


class BankOption(Strict):
    """One option of a post-test item. Its ``id`` is what a learner's answer records."""

    id: Id
    text: Text
    correct: bool
    feedback: Text = Field(description="Why this option is or is not right, shown after grading")


class Variant(Strict):
    """One parallel form of a slot: a stem, four options and a rationale."""

    id: Id
    kind: Literal["single", "multiple"]
    stem: Text = Field(description="For a skill objective: a short client moment, then 'Which response…'")
    content_note: ContentNote | None = None
    options: list[BankOption] = Field(min_length=4, max_length=4)
    rationale: Text = Field(description="Shown on the feedback page after grading")

    @model_validator(mode="after")
    def _keys_make_sense(self) -> Variant:
        ids = [o.id for o in self.options]
        if len(ids) != len(set(ids)):
            raise ValueError(f"option ids repeat: {ids}")
        right = [o.id for o in self.options if o.correct]
        if self.kind == "single" and len(right) != 1:
            raise ValueError(f"a single-answer item needs exactly one correct option, has {right}")
        if self.kind == "multiple" and not 1 <= len(right) < len(self.options):
            raise ValueError(
                f"a multiple-answer item needs 1 to {len(self.options) - 1} correct options, has {right}"
            )
        for o in self.options:
            if OF_THE_ABOVE.search(o.text):
                raise ValueError(f"option {o.id!r}: no 'all of the above' or 'none of the above' options")
        return self

    @property
    def answer(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options if o.correct)

    def option(self, option_id: str) -> BankOption | None:
        return next((o for o in self.options if o.id == option_id), None)


class Slot(Strict):
    """One scored place in the post-test, tied to one objective; every variant tests that objective."""

    id: Id
    objective: Id = Field(description="The id of one of the bank's objectives")
    points: Annotated[int, Field(ge=1, le=5)] = 1
    guide_points: list[GuidePointId] = Field(min_length=1)
    variants: list[Variant] = Field(min_length=2)


class Objective(Strict):
    """A learning objective of the module, as its notebook states it, with a short id."""

    id: Id
    text: Text


class Bank(Strict):
    """The post-test bank of one module (``assessment/posttest/mNN.yml``)."""

    module: ModuleId
    objectives: list[Objective] = Field(min_length=1)
    slots: list[Slot] = Field(min_length=5)

    def problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """What the field types cannot say, as (field path, message) pairs the loader maps to lines."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        objective_ids = [o.id for o in self.objectives]
        for i, oid in enumerate(objective_ids):
            if oid in objective_ids[:i]:
                found.append((("objectives", i, "id"), f"{oid!r} is used twice"))
        used: set[str] = set()
        slot_ids: list[str] = []
        for i, slot in enumerate(self.slots):
            if not slot.id.startswith(self.module + "-"):
                found.append((("slots", i, "id"), f"must start with {self.module + '-'!r}"))
            if slot.id in slot_ids:
                found.append((("slots", i, "id"), f"{slot.id!r} is used twice"))
            slot_ids.append(slot.id)
            if slot.objective not in objective_ids:
                found.append(
                    (
                        ("slots", i, "objective"),
                        f"{slot.objective!r} is not an objective id; expected one of {objective_ids}",
                    )
                )
            used.add(slot.objective)
            variant_ids = [v.id for v in slot.variants]
            for j, vid in enumerate(variant_ids):
                if vid in variant_ids[:j]:
                    found.append((("slots", i, "variants", j, "id"), f"{vid!r} is used twice in this slot"))
        for i, oid in enumerate(objective_ids):
            if oid not in used:
                found.append((("objectives", i, "id"), f"objective {oid!r} has no slot testing it"))
        return found

    def slot(self, slot_id: str) -> Slot:
        for s in self.slots:
            if s.id == slot_id:
                return s
        raise KeyError(
            f"{self.module} has no post-test slot {slot_id!r}; it has {[s.id for s in self.slots]}"
        )

    @property
    def max_points(self) -> int:
        return sum(s.points for s in self.slots)


# --- The learner's copy: the items without their keys ------------------------------------------

PUBLIC_FORMAT = "affirming-care/posttest-items"


class PublicOption(Strict):
    id: Id
    text: Text


class PublicVariant(Strict):
    """A variant as a learner's environment holds it: no ``correct``, no feedback, no rationale."""

    id: Id
    kind: Literal["single", "multiple"]
    stem: Text
    content_note: ContentNote | None = None
    options: list[PublicOption] = Field(min_length=4, max_length=4)


class PublicSlot(Strict):
    id: Id
    points: Annotated[int, Field(ge=1, le=5)] = 1
    variants: list[PublicVariant] = Field(min_length=1)


class PublicBank(Strict):
    """``assignments/source/mNN/mNN-posttest.json``: what the assignment shows, and nothing that grades it.

    Written by ``affirming_care assignments`` from the instructor's bank; released with the notebook.
    The learner's kernel draws from it with the same :func:`draw` the grader uses on the full bank.
    """

    format: Literal["affirming-care/posttest-items"] = "affirming-care/posttest-items"
    module: str
    slots: list[PublicSlot] = Field(min_length=1)

    def slot(self, slot_id: str) -> PublicSlot:
        for s in self.slots:
            if s.id == slot_id:
                return s
        raise KeyError(
            f"{self.module} has no post-test slot {slot_id!r}; it has {[s.id for s in self.slots]}"
        )


def public_bank(bank: Bank, slot_ids: Collection[str] | None = None) -> PublicBank:
    """The bank with every key, feedback and rationale left out (only ``slot_ids``, if given)."""
    slots = [
        PublicSlot(
            id=s.id,
            points=s.points,
            variants=[
                PublicVariant(
                    id=v.id,
                    kind=v.kind,
                    stem=v.stem,
                    content_note=v.content_note,
                    options=[PublicOption(id=o.id, text=o.text) for o in v.options],
                )
                for v in s.variants
            ],
        )
        for s in bank.slots
        if slot_ids is None or s.id in slot_ids
    ]
    return PublicBank(module=bank.module, slots=slots)


def public_filename(module_id: str) -> str:
    return f"{module_id}-posttest.json"


def read_public_bank(path: Path) -> PublicBank:
    """Read a learner's item file; ContentError names the file and field when it is not one."""
    try:
        return PublicBank.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ContentError(
            [Problem(path, 1, "", "the post-test items are missing; they are released beside the assignment")]
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ContentError([Problem(path, 1, "", f"not readable JSON ({exc})")]) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ContentError([Problem(path, 1, field, err["msg"])]) from None


def bank_root() -> Path:
    """``$AFFIRMING_CARE_BANK`` if set, else ``assessment/posttest`` of this checkout."""
    return Path(os.environ.get("AFFIRMING_CARE_BANK", BANK_ROOT))


def effective_banks(private: Path | None = None) -> dict[str, Bank]:
    """The banks a command uses: the shipped bank, with each module a private folder holds replaced by its file.

    A provider's folder may hold only some modules (``--bank DIR``). Without the shipped bank (the
    learner edition has none) only the private folder's modules are there.
    """
    shipped = bank_root()
    banks = load_banks(shipped) if shipped.is_dir() and Path(shipped) != Path(private or "") else {}
    if private is not None:
        banks.update(load_banks(private))
    return banks


# --- Drawing a learner's test -------------------------------------------------------------------


class Drawn(NamedTuple):
    """One slot of a learner's post-test: which variant, and the order its options are shown in."""

    slot_id: str
    variant_id: str
    option_order: tuple[str, ...]


def _stream(key: str) -> Iterator[int]:
    """An endless stream of 64-bit integers from SHA-256 of ``key``: the same in every Python."""
    counter = 0
    while True:
        digest = hashlib.sha256(f"{key}:{counter}".encode()).digest()
        for k in range(0, 32, 8):
            yield int.from_bytes(digest[k : k + 8], "big")
        counter += 1


def _below(stream: Iterator[int], n: int) -> int:
    """A uniform integer in ``range(n)``, by rejection so there is no modulo bias."""
    limit = (1 << 64) - ((1 << 64) % n)
    while True:
        x = next(stream)
        if x < limit:
            return x % n


def _draw_slot(slot: Slot | PublicSlot, seed: str | int) -> Drawn:
    stream = _stream(f"{seed}:{slot.id}")
    variant = slot.variants[_below(stream, len(slot.variants))]
    order = [o.id for o in variant.options]
    for i in range(len(order) - 1, 0, -1):  # Fisher-Yates
        j = _below(stream, i + 1)
        order[i], order[j] = order[j], order[i]
    return Drawn(slot.id, variant.id, tuple(order))


def drawn_variant_of_slot(slot: Slot, seed: str | int) -> Variant:
    """The variant of ``slot`` that ``seed`` draws (what that learner was shown)."""
    drawn = _draw_slot(slot, seed)
    return next(v for v in slot.variants if v.id == drawn.variant_id)


def draw(bank: Bank | PublicBank, seed: str | int) -> list[Drawn]:
    """One variant per slot and an order of its options, deterministically from ``seed``.

    Each slot draws from its own stream, keyed by ``"{seed}:{slot id}"`` and hashed with SHA-256
    (not :mod:`random`, whose algorithms may change between Python versions). Adding a slot or a
    variant elsewhere in the bank does not change what other slots draw.
    """
    return [_draw_slot(slot, seed) for slot in bank.slots]


def drawn_variant(bank: Bank | PublicBank, drawn: Drawn) -> Variant | PublicVariant:
    slot = bank.slot(drawn.slot_id)
    return next(v for v in slot.variants if v.id == drawn.variant_id)


def drawn_keys(bank: Bank, seed: str | int) -> dict[str, list[str]]:
    """Slot id → the right option ids of the variant ``seed`` draws (instructor side: rehearsals, tests)."""
    return {slot.id: sorted(drawn_variant_of_slot(slot, seed).answer) for slot in bank.slots}


def a_wrong_answer(bank: Bank, seed: str | int, slot_id: str, *, part_right: bool = False) -> list[str]:
    """An answer to the drawn variant that earns nothing (or, with ``part_right`` on a multiple-answer
    item with two or more right options, one right option left out: partial credit)."""
    variant = drawn_variant_of_slot(bank.slot(slot_id), seed)
    right = sorted(variant.answer)
    if part_right and variant.kind == "multiple" and len(right) > 1:
        return right[:-1]
    return [next(o.id for o in variant.options if not o.correct)]


# --- Scoring ------------------------------------------------------------------------------------


def score_variant(variant: Variant, chosen: Collection[str]) -> Fraction:
    """The fraction of the item earned by choosing ``chosen`` (option ids), by the module's rule.

    Raises ValueError for an option id the variant does not have, so a broken answer file is
    reported rather than silently scored as wrong.
    """
    picked = set(chosen)
    unknown = picked - {o.id for o in variant.options}
    if unknown:
        raise ValueError(f"variant {variant.id!r} has no option {sorted(unknown)}")
    right = variant.answer
    if variant.kind == "single":
        return Fraction(1) if picked == right else Fraction(0)
    hits, misses = len(picked & right), len(picked - right)
    return max(Fraction(0), Fraction(hits - misses, len(right)))


@dataclass(frozen=True)
class SlotScore:
    slot_id: str
    variant_id: str
    chosen: tuple[str, ...]
    earned: Fraction
    points: int


@dataclass(frozen=True)
class PostTestScore:
    module: str
    slots: tuple[SlotScore, ...]

    @property
    def earned(self) -> Fraction:
        return sum((s.earned for s in self.slots), Fraction(0))

    @property
    def possible(self) -> int:
        return sum(s.points for s in self.slots)

    @property
    def fraction(self) -> float:
        return float(self.earned / self.possible) if self.possible else 0.0


def score_hand_in(bank: Bank, seed: str | int, answers: Mapping[str, Collection[str]]) -> PostTestScore:
    """Score a learner's answers (slot id → chosen option ids) against the variants their seed drew.

    The variant comes from the seed, never from the answer file, so a learner cannot pick which form
    they are graded on. A slot left unanswered earns 0.

    TODO(issue 11): the grading side reads ``seed`` and ``answers`` from the hand-in's answer file
    and passes the pass mark; feedback shows each variant's ``rationale`` and option feedback.
    """
    unknown = set(answers) - {s.id for s in bank.slots}
    if unknown:
        raise ValueError(f"{bank.module} has no post-test slot {sorted(unknown)}")
    scored = []
    for drawn in draw(bank, seed):
        slot = bank.slot(drawn.slot_id)
        variant = next(v for v in slot.variants if v.id == drawn.variant_id)
        chosen = tuple(sorted(answers.get(slot.id, ())))
        earned = score_variant(variant, chosen) * slot.points
        scored.append(SlotScore(slot.id, variant.id, chosen, earned, slot.points))
    return PostTestScore(bank.module, tuple(scored))


# --- Loading a bank folder ----------------------------------------------------------------------

BANK_FILE = re.compile(r"^m(0\d|1[0-2])\.yml$")


def load_bank(path: Path) -> Bank:
    """Validate one bank file: its fields, then its cross-references; raise ContentError with lines."""
    bank = load_model(Bank, path)
    found = bank.problems()
    if path.stem != bank.module:
        found.append((("module",), f"is {bank.module!r} but the file is {path.name}"))
    if found:
        raise ContentError(
            [Problem(path, line_of(_LINES[path], loc), _field(loc), msg) for loc, msg in found]
        )
    return bank


def load_banks(folder: Path | None = None, known_points: Collection[str] | None = None) -> dict[str, Bank]:
    """Every ``mNN.yml`` in ``folder`` (default :func:`bank_root`), keyed by module id.

    ``known_points`` (the curriculum's guide point ids), when given, is checked against each slot's
    guide points. Raises ContentError listing every problem in every file. A provider's private
    folder may hold only some modules; whether it replaces or adds to the shipped bank is decided by
    the command that uses it (TODO(issue 11): hand-in and grading wiring).
    """
    folder = Path(folder) if folder else bank_root()
    if not folder.is_dir():
        raise ContentError([Problem(folder, 1, "", "no post-test bank folder here; expected mNN.yml files")])
    problems: list[Problem] = []
    banks: dict[str, Bank] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".yml", ".yaml"):
            continue
        if not BANK_FILE.match(path.name):
            problems.append(Problem(path, 1, "", "a bank file is named for its module, m00.yml to m12.yml"))
            continue
        try:
            bank = load_bank(path)
        except ContentError as exc:
            problems += exc.problems
            continue
        for i, slot in enumerate(bank.slots):
            for gp in slot.guide_points if known_points is not None else []:
                if known_points is not None and gp not in known_points:
                    where = f"slots[{i}].guide_points"
                    problems.append(
                        Problem(
                            path,
                            _line(path, where),
                            where,
                            f"unknown guide point {gp!r}; see content/curriculum.yml",
                        )
                    )
        banks[bank.module] = bank
    if not banks and not problems:
        problems.append(Problem(folder, 1, "", "no bank files found; expected m00.yml to m12.yml"))
    if problems:
        raise ContentError(problems)
    return banks
