"""The rehearsal cohort's post-test and pre-check answers (issue 13): made up, but like a real group's.

Each synthetic learner has an **ability** (a seeded normal draw, the same in every module). Every
item they meet they get right with the chance of a logistic model, ``logistic(1.6 θ + shift − b)``,
where ``b`` is the item variant's own difficulty (a seeded draw per variant, so items differ) and
``shift`` is :data:`BEFORE` for the pre-course check and :data:`AFTER` for a module's post-test:
the same learner knows more after the module. A wrong answer is a wrong option at random, or, for
a multiple-answer item, one of its right options only (half credit). The answers go where a
learner's kernel puts them: the ``posttest`` section ``{seed, answers}`` of ``mNN-answers.json``
and of ``pre-answers.json``, with the variant each slot shows drawn from the seed, as the
learner's kernel draws it (:func:`affirming_care.posttest.draw`,
:func:`affirming_care.precheck.precheck_variant`).

A learner who takes the pre-check uses its seed in every module (so the pre-check's items are
the other variants); the others get a seed per module, as a module makes its own.
Every draw here is seeded from the rehearsal's seed and the learner's id, never from a shared
random state, so adding post-test answers changes nothing else a rehearsal hands in.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterable, Mapping
from datetime import datetime

from affirming_care.posttest import Bank, Drawn, Variant, draw, score_hand_in
from affirming_care.precheck import PRECHECK, precheck_slots, precheck_variant
from affirming_care.store import AnswerFile, PostTestRecord

BEFORE = -0.6
"""The logit shift of the pre-course check: a learner of average ability gets about 35 % right."""
AFTER = 1.6
"""The logit shift after a module: a learner of average ability gets about 80 % right."""
SLOPE = 1.6
PRECHECK_SHARE = 0.85
"""About this share of the learners take the pre-check (the rest skip it, as some real ones do)."""
SKIP_PARTIAL = 0.3
"""A partial hand-in leaves out about this share of its post-test items."""
SKIP_BEFORE = 0.1
"""The pre-check asks learners to leave out what they do not know; about this share of items are."""


def _digest(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


def ability(learner: str, seed: int) -> float:
    """The learner's ability θ, from a standard normal, the same in every module and delivery."""
    return random.Random(_digest("ability", seed, learner)).gauss(0, 1)


def takes_precheck(learner: str, seed: int) -> bool:
    return random.Random(_digest("precheck", seed, learner)).random() < PRECHECK_SHARE


def learner_seed(learner: str, seed: int, module: str | None = None) -> str:
    """The post-test seed a learner's kernel would have made (16 hex digits): the pre-check's, or
    for a learner without one, one per ``module``."""
    if module is None or takes_precheck(learner, seed):
        return _digest("seed", seed, learner)[:16]
    return _digest("seed", seed, learner, module)[:16]


def difficulty(slot_id: str, variant_id: str, seed: int) -> float:
    """A variant's difficulty ``b``, uniform from −0.8 to 0.8."""
    return random.Random(_digest("difficulty", seed, slot_id, variant_id)).uniform(-0.8, 0.8)


def chance_right(theta: float, shift: float, b: float) -> float:
    return 1 / (1 + math.exp(-(SLOPE * theta + shift - b)))


def answer_item(variant: Variant, p_right: float, rng: random.Random) -> list[str]:
    """The option ids one learner chooses: the key with chance ``p_right``, else a wrong answer."""
    right = sorted(variant.answer)
    if rng.random() < p_right:
        return right
    if variant.kind == "multiple" and len(right) > 1 and rng.random() < 0.5:
        return right[:1]
    return [rng.choice(sorted(o.id for o in variant.options if not o.correct))]


def _answers(
    items: Iterable[tuple[Bank, Drawn]],
    theta: float,
    shift: float,
    skip: float,
    rng: random.Random,
    seed: int,
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for bank, drawn in items:
        if rng.random() < skip:
            continue
        variant = next(v for v in bank.slot(drawn.slot_id).variants if v.id == drawn.variant_id)
        p = chance_right(theta, shift, difficulty(drawn.slot_id, drawn.variant_id, seed))
        out[drawn.slot_id] = answer_item(variant, p, rng)
    return out


def posttest_record(bank: Bank, learner: str, kind: str, seed: int, when: datetime) -> PostTestRecord:
    """One learner's post-test of ``bank``'s module, as a hand-in of ``kind`` answers it."""
    post_seed = learner_seed(learner, seed, bank.module)
    rng = random.Random(_digest("posttest", seed, learner, bank.module, kind))
    skip = SKIP_PARTIAL if kind == "partial" else 0.0
    items = [(bank, d) for d in draw(bank, post_seed)]
    answers = _answers(items, ability(learner, seed), AFTER, skip, rng, seed)
    if kind == "partial" and len(answers) == len(items):
        answers.pop(items[-1][1].slot_id)  # a partial hand-in always leaves something out
    return PostTestRecord(seed=post_seed, answers=answers, updated=when.isoformat(timespec="seconds"))


def posttest_points(bank: Bank, record: PostTestRecord) -> float:
    """The post-test points the record earns (what grading from the answer file must give)."""
    return float(score_hand_in(bank, record.seed, record.answers).earned)


def precheck_file(banks: Mapping[str, Bank], learner: str, seed: int, when: datetime) -> AnswerFile:
    """One learner's ``pre-answers.json``: every pre-check item, in the variants its seed shows."""
    pre_seed = learner_seed(learner, seed)
    rng = random.Random(_digest("pre", seed, learner))
    items = [(banks[m], precheck_variant(banks[m], s, pre_seed)) for m, s in precheck_slots(banks)]
    answers = _answers(items, ability(learner, seed), BEFORE, SKIP_BEFORE, rng, seed)
    record = PostTestRecord(seed=pre_seed, answers=answers, updated=when.isoformat(timespec="seconds"))
    return AnswerFile(module=PRECHECK, posttest=record)
