"""A synthetic cohort to practise grading on (and to test the grading commands with).

``affirming_care grade rehearse`` makes a course folder with made-up learners, releases modules,
and hands in varied submissions the way real learners do: through nbgrader's exchange (with
nbgrader's own submit) or as an LMS bulk-download zip. Every kind of submission an instructor
meets is there: complete, partial, no answer file, a damaged answer file, a locked cell edited,
a late one, a missing notebook, a stray extra file, and learners who submitted nothing.

With ``hostile=True`` (``grade rehearse --hostile``) it also hands in what a hostile learner
sends (:data:`HOSTILE`): cells added to forge grades, markup and spreadsheet formulas in
reflections, names and ids, links to other people's files, an oversized answer file, zip entries
that try to land outside the learner's folder, an archive inside the hand-in, work handed in from
another account, two hand-ins at once, and a hand-in that replaces one already graded by hand.
Each has its expected outcome in the manifest (``rehearsal.json``): what collect reports, whether
it is collected, the checks score it earns (never more than it answered), and what autograde
must report.

Each answer file also carries the learner's post-test answers (its ``posttest`` section), right
with a chance that grows with the learner's ability, and most learners hand in the pre-course
check (``pre-answers.json``) with fewer right (:mod:`affirming_care.grading.rehearsal_posttest`), so
the cohort's dashboard has an item analysis and a learning gain to show.

Everything is fictional. The reflections talk about practice only, as real ones must.
"""

from __future__ import annotations

import json
import os
import pwd
import random
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nbformat

from affirming_care.grading.course import (
    SOURCE,
    CourseSettings,
    GradingError,
    load_settings,
    require_module,
    save_settings,
    settings_path,
)
from affirming_care.grading.gradebook import gradebook, load_config, short_error
from affirming_care.grading.hostile import CANARY_DIR, HOSTILE_NAMES, ROSTER_NAMES, HostileHandIn
from affirming_care.grading.hostile import Context as HostileContext
from affirming_care.grading.hostile import build as build_hostile
from affirming_care.grading.init import init_course
from affirming_care.grading.intake import NOT_ON_ROSTER, OUTSIDE, UNNAMED
from affirming_care.grading.rehearsal_posttest import (
    posttest_points,
    posttest_record,
    precheck_file,
    takes_precheck,
)
from affirming_care.grading.release import release
from affirming_care.grading.roster import ROSTER_REQUIRED, Learner, save_roster, saved_roster
from affirming_care.loader import ContentError
from affirming_care.posttest import Bank, a_wrong_answer, drawn_keys, load_banks, score_hand_in
from affirming_care.precheck import PRECHECK
from affirming_care.store import (
    MAX_ANSWER_BYTES,
    AnswerFile,
    PostTestRecord,
    ReflectionRecord,
    store_filename,
)

KINDS: dict[str, str] = {
    "complete": "answered every post-test item (right with a chance that grows with ability) and wrote a reflection",
    "partial": "left some post-test items unanswered",
    "no_answer_file": "sent the notebook without its answer file",
    "damaged_answer_file": "the answer file was cut off part way through",
    "locked_cell_edited": "typed into a locked code cell (nbgrader restores it)",
    "late": "complete, but handed in after the due date",
    "missing_notebook": "sent the answer file without the notebook",
    "stray_file": "complete, plus a stray copy of the notebook",
    "not_submitted": "handed in nothing",
}
SPECIAL = [
    "no_answer_file",
    "damaged_answer_file",
    "locked_cell_edited",
    "late",
    "missing_notebook",
    "stray_file",
    "not_submitted",
]
"""Kinds every module of a rehearsal has once (cohort size permitting); the rest are complete or partial."""

HOSTILE: dict[str, str] = {
    "added_cell": "added a code cell that writes every right answer through the course's API; no answer file",
    "patched_grader": "added a cell that swaps the grader for one that always says Correct; clicked A everywhere",
    "markup_reflection": "complete; the reflection holds <script>, <img onerror>, <svg onload> and <iframe srcdoc>",
    "symlink_classmate": "the answer file is a symbolic link to a classmate's hand-in",
    "symlink_private": "the answer file is a symbolic link to a private file of the instructor (gradebook.db)",
    "oversized_answer_file": "every check right, in an answer file padded past the 1 MB limit",
    "two_handins": "handed in twice: a complete hand-in, then a newer partial one",
    "regraded": "graded by hand before (a score of 7 on the reflection), then handed in again",
    "impersonation": "handed in from another account than the learner's (exchange only)",
    "zip_traversal": "complete, plus zip entries named to land outside the learner's folder (zip only)",
    "nested_archive": "complete, plus an archive inside the hand-in",
    "markup_name": "complete; the roster name holds markup (<script>, [/x], [she/her])",
    "formula_name": "complete; the roster name starts with = and @ (spreadsheet formulas)",
    "stranger": "handed in under an id that is not on the roster",
}
"""Kinds a hostile learner hands in, in the order a small cohort gets them."""
EXCHANGE_ONLY = {"impersonation"}
ZIP_ONLY = {"zip_traversal"}
STRANGER_IDS = {
    "exchange": ["a b", "zoë", "=cmd|'calc'!A0", "-1", "@SUM(1)"],
    "zip": ["a b", "zoë", "=cmd|'calc'!A0", "+1", "-1", "@sum", "..", ".", "../../evil"],
}
"""Ids outside the roster. ``nbgrader submit --student ../../evil`` would write outside the
exchange's inbound (nbgrader joins the id into the path), and nbgrader refuses an id with ``+``,
so those two come only in a zip."""

FIRST = [
    "Ana", "Ben", "Chioma", "Dev", "Elif", "Farah", "Gabriel", "Hana", "Ivan", "Jamal", "Kiri", "Lena",
    "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tamar", "Uma", "Victor", "Wen", "Ximena",
    "Yusuf", "Zoe", "Amara", "Bo", "Carmen", "Dmitri", "Esi", "Finn", "Grace", "Hiro", "Inés", "Jonah",
    "Kemal", "Lucía", "Malik", "Noor",
]  # fmt: skip
LAST = [
    "Kim", "Okafor", "Silva", "Patel", "Nguyen", "Haddad", "Moreau", "Sato", "Novak", "Brown", "Walker",
    "Fischer", "Rossi", "Ahmed", "Garcia", "Singh", "Murphy", "Cohen", "Mensah", "Lopez", "Larsen", "Chen",
    "Ortiz", "Yilmaz", "Dubois", "Tanaka", "Kowalski", "Ali", "Reyes", "Park",
]  # fmt: skip

OPENERS = [
    "When a client tells me they do sex work, my first job is to keep listening rather than to steer.",
    "Reading this case, I noticed that I jump to questions about safety before I ask what the client wants from our time.",
    "This case made me think about how often intake forms decide the agenda before the client speaks.",
    "I work in a busy clinic, and I can see how easily a rushed question could sound like judgement.",
    "My training taught me to look for risk, and this module asked me to look for what the client is asking for.",
]
MIDDLES = [
    "I would ask what they would like to focus on, and I would use the words they use for their work.",
    "I would not assume the work is the problem; if they name a difficulty, I would treat it like any other stress at work.",
    "One assumption I bring is that people want to leave the work, so I would ask instead of guessing.",
    "Before they share details, I would explain what goes in my notes and who can read them.",
    "If I were unsure about a reporting duty where I practise, I would check with my supervisor rather than guess in the session.",
    "I would respect a boundary about what they do not want to discuss, and come back to it only if they invite it.",
    "I would ask whether they have people and groups they already trust, and build on that support.",
    "If they want to keep working, I would help them with their own goals, such as sleep, money stress or a difficult manager.",
]
CLOSERS = [
    "Something I might say: 'What would be most useful for us to work on today?'",
    "I might say: 'You know your work best. Tell me what would help.'",
    "I want to keep learning from organizations led by sex workers and to seek consultation when I am unsure.",
    "Next week I will reread my intake questions and take out the ones that assume harm.",
]


@dataclass
class Planned:
    learner: str
    module: str
    kind: str
    description: str
    expected_checks: float | None
    reflection_written: bool
    files: list[str]
    timestamp: str | None
    hostile: bool = False
    collected: bool = True
    """Whether collect should put this hand-in in submitted/."""
    expected_findings: list[str] = field(default_factory=list)
    """The reasons collect reports for this learner (``affirming_care.grading.intake.REASONS``)."""
    expected_autograde: str = ""
    """What autograde must do with it, in words (for the end-to-end test and the instructor)."""
    canary: str | None = None
    """A file that the hand-in's added cell would write if grading ran learner code: it must not exist."""
    expected_posttest: float | None = None
    """The post-test points its answer file earns (None: not known, or no post-test bank)."""


@dataclass
class RehearsalResult:
    root: Path
    learners: list[str]
    modules: list[str]
    deliver: str
    plan: list[Planned]
    archives: dict[str, Path]
    manifest: Path


def synthetic_roster(n: int, seed: int = 2026) -> list[Learner]:
    rng = random.Random(seed)
    pairs = [(f, la) for f in FIRST for la in LAST]
    rng.shuffle(pairs)
    learners, used = [], set()
    for first, last in pairs:
        base = f"{first}.{last}".lower().replace("í", "i").replace("é", "e")
        lid = base
        k = 2
        while lid in used:
            lid, k = f"{base}{k}", k + 1
        used.add(lid)
        learners.append(Learner(id=lid, first_name=first, last_name=last, email=f"{lid}@example.org"))
        if len(learners) == n:
            break
    return sorted(learners, key=lambda x: x.id)


def write_roster(learners: list[Learner], path: Path) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(ROSTER_REQUIRED)
        for lr in learners:
            writer.writerow([lr.id, lr.first_name, lr.last_name, lr.email])
    return path


def hostile_kinds(deliver: str) -> list[str]:
    """The hostile kinds one delivery can hand in (strangers are extra, outside the roster)."""
    skip = ZIP_ONLY if deliver == "exchange" else EXCHANGE_ONLY
    return [k for k in HOSTILE if k not in skip and k != "stranger"]


PER_LEARNER = ("impersonation", "markup_name", "formula_name")
"""Hostile kinds that belong to a learner, not a hand-in (an account, a name): one learner each,
the same in every module and every delivery."""


def fixed_kinds(learners: list[str], hostile: list[str], seed: int = 2026) -> dict[str, str]:
    """The learner of each per-learner hostile kind (a hostile cohort of 9 or more has them).

    Each kind keeps its learner whichever delivery is rehearsed, so a folder rehearsed through the
    exchange for one module and as a zip for another has one impersonated learner and one set of
    hostile names; a delivery that cannot hand in a kind (a zip has no accounts) hands that
    learner's work in complete (see :func:`plan_kinds`).
    """
    order = sorted(learners)
    random.Random(seed).shuffle(order)
    if len(order) < 9 or not hostile:
        return {}
    return {order[-(i + 1)]: kind for i, kind in enumerate(PER_LEARNER)}


def _delivered_fixed(learners: list[str], hostile: list[str], seed: int) -> dict[str, str]:
    """:func:`fixed_kinds`, with a kind this delivery cannot hand in made a complete hand-in."""
    return {sid: k if k in hostile else "complete" for sid, k in fixed_kinds(learners, hostile, seed).items()}


def plan_kinds(
    learners: list[str], modules: list[str], seed: int = 2026, hostile: list[str] | None = None
) -> dict[str, dict[str, str]]:
    """Each module gets every special kind once (as the cohort allows), on different learners per module.

    ``modules`` is every module of the course, in order, so a module's plan is the same whichever
    modules one rehearsal hands in. ``hostile`` kinds come after the special ones; the kinds of
    :data:`PER_LEARNER` stay on one learner each (:func:`fixed_kinds`).
    """
    order = sorted(learners)
    random.Random(seed).shuffle(order)
    wanted = list(SPECIAL) + [k for k in hostile or [] if k not in PER_LEARNER]
    fixed = _delivered_fixed(learners, hostile or [], seed)
    pool = [sid for sid in order if sid not in fixed]
    n = len(pool)
    plan: dict[str, dict[str, str]] = {}
    for k, mid in enumerate(modules):
        kinds: dict[str, str] = dict(fixed)
        for j, kind in enumerate(wanted[: max(0, n - 2)]):
            kinds[pool[(k * len(wanted) + j) % n]] = kind
        regular = [sid for sid in pool if sid not in kinds]
        for i, sid in enumerate(regular):
            kinds[sid] = "complete" if i % 2 == 0 else "partial"
        plan[mid] = dict(sorted(kinds.items()))
    return plan


def _reflection(rng: random.Random) -> str:
    parts = [rng.choice(OPENERS), *rng.sample(MIDDLES, rng.randint(1, 4))]
    if rng.random() < 0.7:
        parts.append(rng.choice(CLOSERS))
    return " ".join(parts)


def course_bank(root: Path, mid: str) -> Bank:
    """The course folder's own post-test bank for ``mid`` (what grading reads)."""
    return load_banks(root / "posttest")[mid]


def _outcomes(n: int, kind: str, rng: random.Random) -> list[str]:
    """How each of ``n`` questions is answered: "right", "part", "wrong" or "skip"."""
    if kind != "partial":
        return ["right"] * n
    outcome = ["right" if i < (n + 1) // 2 else rng.choice(["wrong", "skip", "part"]) for i in range(n)]
    if n > 1 and all(x == "right" for x in outcome):
        outcome[-1] = "wrong"
    if n == 1:
        outcome = ["wrong"]
    rng.shuffle(outcome)
    return outcome


def posttest_answers(
    bank: Bank, kind: str, rng: random.Random, when: datetime
) -> tuple[PostTestRecord, float]:
    """A synthetic learner's post-test: a seed, answers by option id, and the points they earn."""
    seed = f"{rng.getrandbits(64):016x}"
    keys = drawn_keys(bank, seed)
    record = PostTestRecord(seed=seed, updated=(when - timedelta(minutes=rng.randint(5, 90))).isoformat())
    for slot, how in zip(bank.slots, _outcomes(len(bank.slots), kind, rng), strict=True):
        if how == "skip":
            continue
        chosen = (
            keys[slot.id] if how == "right" else a_wrong_answer(bank, seed, slot.id, part_right=how == "part")
        )
        record.answers[slot.id] = chosen
    earned = score_hand_in(bank, seed, record.answers).earned
    return record, float(earned)


def _answers(
    module: Any,
    bank: Bank,
    kind: str,
    rng: random.Random,
    when: datetime,
    reflection: str | None,
    posttest: PostTestRecord | None = None,
) -> tuple[AnswerFile, float]:
    """The answer file: ``posttest`` (the ability model of ``rehearsal_posttest``) if given, else
    answers by ``kind`` alone (every item right for a complete hand-in), and the reflection."""
    store = AnswerFile(module=module.meta.id)
    if posttest is not None:
        store.posttest, score = posttest, posttest_points(bank, posttest)
    else:
        store.posttest, score = posttest_answers(bank, kind, rng, when)
    if reflection and module.reflection is not None:
        store.reflections[module.reflection.id] = ReflectionRecord(
            text=reflection, updated=store.posttest.updated
        )
    return store, score


def _notebook(released: Path, edit_locked: bool) -> str:
    nb = nbformat.read(released, as_version=4)
    if edit_locked:
        setup = next(
            c
            for c in nb.cells
            if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("locked")
            and not c.metadata["nbgrader"].get("grade")
        )
        # Notes typed into a code cell: Python cannot run this, so grading works only because
        # nbgrader puts the locked cell back as it was released.
        setup.source += "\nmy notes: ask my supervisor about the reporting rules here"
    text: str = nbformat.writes(nb)
    return text


def _files(
    root: Path,
    mid: str,
    module: Any,
    kind: str,
    rng: random.Random,
    when: datetime,
    posttest: PostTestRecord | None = None,
) -> tuple[dict[str, str], float | None, bool]:
    """The files one learner hands in for one module, the checks score they should get, and
    whether they wrote a reflection. ``posttest`` is the answer file's post-test section."""
    released = root / "release" / mid / f"{mid}.ipynb"
    blank = kind == "partial" and rng.random() < 0.3
    reflection = None if blank else _reflection(rng)
    store, score = _answers(module, course_bank(root, mid), kind, rng, when, reflection, posttest)
    answers = store.model_dump_json(indent=1) + "\n"
    files: dict[str, str] = {}
    notebook = _notebook(released, edit_locked=kind == "locked_cell_edited")
    if kind != "missing_notebook":
        files[f"{mid}.ipynb"] = notebook
    if kind not in ("no_answer_file",):
        files[store_filename(mid)] = answers
    if kind == "damaged_answer_file":
        files[store_filename(mid)] = answers[: max(10, len(answers) // 2)]
    if kind == "stray_file":
        files[f"{mid}-Copy1.ipynb"] = notebook
    expected: float | None = score
    if kind in ("no_answer_file", "damaged_answer_file"):
        expected = 0.0
    if kind == "missing_notebook":
        expected = None
    # The reflection travels in the answer file: without a readable one there is none to grade.
    unreadable = ("missing_notebook", "no_answer_file", "damaged_answer_file")
    return files, expected, reflection is not None and kind not in unreadable


def _submit_to_exchange(
    root: Path, mid: str, sid: str, files: dict[str, str], when: datetime, work: Path
) -> Path:
    """nbgrader's own submit, as the learner ``sid``, at ``when``; the hand-in's folder in the inbound."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default.submit import ExchangeSubmit
    from nbgrader.utils import capture_log

    work = work / f"{len(list(work.iterdir())) if work.exists() else 0}"
    folder = work / sid / mid
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    cfg = load_config(root)
    cfg.Exchange.cache = str(work / ".cache")
    cfg.Exchange.assignment_dir = str(work / sid)
    coursedir = CourseDirectory(config=cfg)
    coursedir.student_id = sid
    coursedir.assignment_id = mid

    class AtTime(ExchangeSubmit):
        def set_timestamp(self) -> None:
            self.timestamp = when.strftime(self.timestamp_format)

    app = AtTime(coursedir=coursedir, authenticator=Authenticator(config=cfg), config=cfg)
    app.log.propagate = False
    for handler in list(app.log.handlers):
        app.log.removeHandler(handler)
    result = capture_log(app)
    if not result["success"]:
        raise GradingError(f"Rehearsal could not submit {mid} for {sid}: {short_error(result)}")
    return Path(str(app.inbound_path)) / str(app.assignment_filename)


def _rehearsal_settings(
    root: Path,
    *,
    learners: int,
    modules: list[str] | None,
    seed: int,
    deliver: str,
    source: Path,
    use_existing_folder: bool,
) -> CourseSettings:
    """The rehearsal folder's settings: a new folder is made, a real cohort's folder is refused."""
    if deliver not in ("exchange", "zip"):
        raise GradingError(f"deliver must be 'exchange' or 'zip', not {deliver!r}")
    if learners < 1:
        raise GradingError("A rehearsal needs at least one learner.")
    if not settings_path(root).exists():
        root.mkdir(parents=True, exist_ok=True)
        roster = write_roster(synthetic_roster(learners, seed), root / "rehearsal-roster.csv")
        init_course(root, source=source, modules=modules, roster=roster, exchange=root / "exchange")
        settings = load_settings(root)
        settings.rehearsal = True
        save_settings(root, settings)
    settings = load_settings(root)
    if not settings.rehearsal and not use_existing_folder:
        raise GradingError(
            f"{root} is a course folder made by `grade init`, perhaps for a real cohort. A rehearsal hands "
            "in made-up work, so use a new folder, or pass --use-existing-folder if this one is for practice."
        )
    if deliver == "exchange" and not settings.exchange:
        raise GradingError(
            f"{root} has no nbgrader exchange; use --deliver zip, or init it with --exchange DIR."
        )
    return settings


def _due_date(root: Path, mid: str, due_default: datetime) -> datetime:
    """The module's due date (in UTC); an unreleased module is released, due a day ago."""
    from nbgrader.api import MissingEntry

    require_module(root, mid)
    with gradebook(root) as gb:
        try:
            assignment = gb.find_assignment(mid)
            due = assignment.duedate
        except MissingEntry:
            assignment, due = None, None
    if assignment is None:
        release(root, mid, due=due_default)
        due = due_default
    elif due is None:
        with gradebook(root) as gb:
            gb.update_or_create_assignment(mid, duedate=due_default.replace(tzinfo=None))
        due = due_default
    when: datetime = due.replace(tzinfo=UTC) if due.tzinfo is None else due
    return when


@dataclass
class _Handing:
    """What every hand-in of one module needs."""

    root: Path
    mid: str
    module: Any
    due: datetime
    rng: random.Random
    work: Path
    zf: zipfile.ZipFile | None
    classmate: str = ""
    """A learner of this module whose hand-in is complete (what a link points at)."""
    answer_limit: int = MAX_ANSWER_BYTES
    banks: dict[str, Bank] | None = None
    """The post-test bank (None: no post-test answers are handed in)."""
    seed: int = 2026

    def posttest(self, sid: str, kind: str, when: datetime) -> PostTestRecord | None:
        """The post-test section of ``sid``'s answer file for a hand-in of ``kind``."""
        if not self.banks or self.mid not in self.banks:
            return None
        return posttest_record(self.banks[self.mid], sid, kind, self.seed, when)


def _deliver(h: _Handing, sid: str, item: HostileHandIn, when: datetime) -> None:
    """Hand in ``item`` into the zip, or through nbgrader's submit and then by hand in the inbound."""
    if h.zf is not None:
        stamp = when.strftime("%Y%m%dT%H%M%SZ")
        prefix = f"{sid}_{h.mid}_{stamp}_"
        for name, text in item.files.items():
            h.zf.writestr(prefix + name, text)
        for name, data in item.extra.items():
            h.zf.writestr(prefix + name, data)
        for name, target in item.links.items():
            info = zipfile.ZipInfo(prefix + name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            h.zf.writestr(info, target)
        for name, data in item.raw_entries.items():
            h.zf.writestr(name.replace("{stamp}", stamp), data)
        return
    folder = _submit_to_exchange(h.root, h.mid, sid, item.files, when, h.work)
    for name, target in item.links.items():  # the inbound is writable by every learner
        (folder / name).unlink(missing_ok=True)
        (folder / name).symlink_to(target)
    for name, data in item.extra.items():
        (folder / name).write_bytes(data)


def _graded_before(h: _Handing, sid: str, files: dict[str, str], when: datetime) -> None:
    """An earlier hand-in in submitted/, its reflection graded by hand (7 points), as if collected before."""
    from nbgrader.api import MissingEntry

    from affirming_care.grading.collect import STAMP_FILE, STAMP_FORMAT

    folder = h.root / "submitted" / sid / h.mid
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / STAMP_FILE).write_text(when.strftime(STAMP_FORMAT) + "\n", encoding="utf-8")
    with gradebook(h.root) as gb:
        try:
            sub = gb.find_submission(h.mid, sid)
        except MissingEntry:
            sub = gb.add_submission(h.mid, sid)
        for nb in sub.notebooks:
            for g in nb.grades:
                if g.cell.cell_type == "markdown":
                    g.manual_score, g.needs_manual_grade = 7.0, False
        gb.db.commit()


def _hand_in_hostile(h: _Handing, sid: str, kind: str, when: datetime) -> Planned:
    complete, full, _ = _files(
        h.root, h.mid, h.module, "complete", h.rng, when, h.posttest(sid, "complete", when)
    )
    p_files, p_score, p_wrote = _files(
        h.root, h.mid, h.module, "partial", h.rng, when, h.posttest(sid, "partial", when)
    )
    partial = (p_files, p_score or 0.0, p_wrote)
    ctx = HostileContext(
        h.root, h.mid, sid, h.module, complete, full or 0.0, partial, h.classmate, h.answer_limit
    )
    item = build_hostile(ctx, kind)
    if item.graded_before:
        _graded_before(h, sid, complete, when - timedelta(days=1))
    if item.earlier is not None:
        _deliver(h, sid, HostileHandIn(item.earlier), when - timedelta(days=1))
    _deliver(h, sid, item, when)
    return Planned(
        sid,
        h.mid,
        kind,
        HOSTILE[kind],
        item.expected_checks,
        item.reflection_written,
        sorted({*item.files, *item.links, *item.extra}),
        when.isoformat(),
        hostile=True,
        collected=item.collected,
        expected_findings=item.findings,
        expected_autograde=item.autograde,
        canary=item.canary,
    )


STRANGER_FINDINGS = {
    "a b": UNNAMED, "zoë": UNNAMED, "=cmd|'calc'!A0": UNNAMED, "+1": UNNAMED, "..": OUTSIDE, ".": OUTSIDE,
}  # fmt: skip
"""In a zip, what collect reports of each stranger id that the course's file-name pattern cannot
hold (an id on the roster never looks like these); the others are simply not on the roster."""


def _hand_in_strangers(h: _Handing, deliver: str) -> list[Planned]:
    """Hand-ins under ids outside the roster: never collected, reported by id."""
    out = []
    for sid in STRANGER_IDS[deliver]:
        when = h.due - timedelta(hours=2)
        files, _, _ = _files(h.root, h.mid, h.module, "complete", h.rng, when)
        if deliver == "zip" and sid.startswith("../"):
            reason = OUTSIDE
        else:
            reason = STRANGER_FINDINGS.get(sid, NOT_ON_ROSTER) if deliver == "zip" else NOT_ON_ROSTER
        _deliver(h, sid, HostileHandIn(files), when)
        out.append(
            Planned(
                sid,
                h.mid,
                "stranger",
                HOSTILE["stranger"],
                None,
                False,
                sorted(files),
                when.isoformat(),
                hostile=True,
                collected=False,
                expected_findings=[reason],
                expected_autograde="never collected, so never graded or exported",
            )
        )
    return out


def _hand_in(h: _Handing, sid: str, kind: str) -> Planned:
    """One synthetic learner's submission of one module, into the zip or through the exchange."""
    if kind == "not_submitted":
        return Planned(sid, h.mid, kind, KINDS[kind], None, False, [], None)
    if kind == "late":
        when = h.due + timedelta(hours=3, minutes=h.rng.randint(0, 50))
    else:
        when = h.due - timedelta(hours=h.rng.randint(1, 96), minutes=h.rng.randint(0, 59))
    if kind in HOSTILE:
        return _hand_in_hostile(h, sid, kind, when)
    posttest = h.posttest(sid, kind, when)
    files, expected, wrote = _files(h.root, h.mid, h.module, kind, h.rng, when, posttest)
    if h.zf is not None:
        stamp = when.strftime("%Y%m%dT%H%M%SZ")
        for name, text in files.items():
            h.zf.writestr(f"{sid}_{h.mid}_{stamp}_{name}", text)
    else:
        _submit_to_exchange(h.root, h.mid, sid, files, when, h.work)
    planned = Planned(sid, h.mid, kind, KINDS[kind], expected, wrote, sorted(files), when.isoformat())
    if posttest is not None and h.banks:
        planned.expected_posttest = _expected_posttest(h.banks[h.mid], posttest, kind)
    return planned


def _expected_posttest(bank: Bank, posttest: PostTestRecord, kind: str) -> float | None:
    """The post-test points a hand-in of ``kind`` earns from its answer file."""
    if kind in ("no_answer_file", "damaged_answer_file"):
        return 0.0
    if kind == "missing_notebook":
        return None
    return posttest_points(bank, posttest)


def rehearsal_banks(root: Path) -> dict[str, Bank] | None:
    """The post-test bank the course folder grades with (None: there is none, so no post-test answers)."""
    from affirming_care.grading.learning_gain import course_banks

    try:
        return course_banks(root)
    except ContentError as exc:
        raise GradingError(
            f"The post-test bank has {len(exc.problems)} problem(s), so the rehearsal cannot answer it; "
            f"the first: {exc.problems[0]}. Run `affirming_care check` to see them all."
        ) from None


def hand_in_prechecks(
    root: Path, ids: list[str], banks: dict[str, Bank] | None, seed: int, when: datetime
) -> list[str]:
    """Most learners' pre-course checks, placed where collecting the assignment ``pre`` puts them.

    ``submitted/<learner>/pre/pre-answers.json`` with its time stamp; one already there is kept.
    Returns the learners who took it.

    TODO(issue 13, lead): hand these in through the exchange or the zip like a module, once
    ``grade init`` releases the assignment ``pre``.
    """
    from affirming_care.grading.collect import STAMP_FILE, STAMP_FORMAT

    if not banks:
        return []
    took = [sid for sid in ids if takes_precheck(sid, seed)]
    for sid in took:
        folder = root / "submitted" / sid / PRECHECK
        path = folder / store_filename(PRECHECK)
        if path.exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        data = precheck_file(banks, sid, seed, when)
        path.write_text(data.model_dump_json(indent=1) + "\n", encoding="utf-8")
        (folder / STAMP_FILE).write_text(when.strftime(STAMP_FORMAT) + "\n", encoding="utf-8")
    return took


def _cohort_plan(
    root: Path, settings: CourseSettings, modules: list[str], seed: int, deliver: str, hostile: bool
) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The folder's learners and each module's kinds; the roster's accounts and names set to match."""
    with gradebook(root) as gb:
        ids = sorted(s.id for s in gb.students)
    if not ids:
        raise GradingError(f"{root} has no learners; import a roster with `affirming_care grade roster`.")
    wanted = hostile_kinds(deliver) if hostile else None
    kinds = plan_kinds(ids, sorted(set(settings.modules) | set(modules)), seed, wanted)
    _rehearsal_roster(root, ids, fixed_kinds(ids, wanted, seed) if wanted else {})
    if hostile:
        (root / CANARY_DIR).mkdir(exist_ok=True)
    return ids, kinds


def _new_zip(path: Path) -> zipfile.ZipFile:
    path.parent.mkdir(exist_ok=True)
    return zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)


def _hand_in_module(
    h: _Handing, kinds: dict[str, str], hostile_deliver: str | None, on_done: Callable[[Planned], None] | None
) -> list[Planned]:
    """Every learner's hand-in of one module (links last, so that what they point at is there)."""
    plan = []
    for sid in sorted(kinds, key=lambda sid: kinds[sid].startswith("symlink_")):
        item = _hand_in(h, sid, kinds[sid])
        plan.append(item)
        if on_done and item.kind != "not_submitted":
            on_done(item)
    if hostile_deliver:
        plan.extend(_hand_in_strangers(h, hostile_deliver))
    return plan


def _rehearsal_roster(root: Path, ids: list[str], fixed: dict[str, str]) -> None:
    """Map every learner to this account (the rehearsal hands in from it) and give the hostile names.

    The learner an impersonation is of keeps their own id as account, so a hand-in from this
    account is not theirs. The hostile names go into the gradebook, where formgrader and exports
    read them, and into the roster as far as it takes them (:data:`ROSTER_NAMES`).
    """
    me = pwd.getpwuid(os.geteuid()).pw_name
    roster = saved_roster(root)
    for sid in ids:
        learner = roster.get(sid) or Learner(id=sid, first_name=sid)
        learner.account = "" if fixed.get(sid) == "impersonation" else me
        if fixed.get(sid) in ROSTER_NAMES:
            learner.first_name, learner.last_name = ROSTER_NAMES[fixed[sid]]
        roster[sid] = learner
    save_roster(root, roster)
    with gradebook(root) as gb:
        for sid, kind in fixed.items():
            if kind in HOSTILE_NAMES:
                first, last = HOSTILE_NAMES[kind]
                gb.update_or_create_student(sid, first_name=first, last_name=last)


def _write_manifest(root: Path, modules: list[str], plan: list[Planned], precheck: list[str]) -> Path:
    manifest = root / "rehearsal.json"
    old = json.loads(manifest.read_text()) if manifest.exists() else {"submissions": []}
    kept = [p for p in old["submissions"] if p["module"] not in modules]
    manifest.write_text(
        json.dumps(
            {
                "about": "What each synthetic learner handed in, and the checks score it should get "
                "(and the post-test points its answer file earns). Hostile hand-ins also say what "
                "collect reports (expected_findings), whether they are collected, what autograde must "
                "do, and a canary file that must never exist. precheck: the learners whose pre-course "
                "check is in submitted/<learner>/pre/.",
                "kinds": KINDS,
                "hostile_kinds": HOSTILE,
                "precheck": sorted(set(old.get("precheck", [])) | set(precheck)),
                "submissions": kept + [asdict(p) for p in plan],
            },
            indent=1,
        )
        + "\n"
    )
    return manifest


def _module_ids(known: Iterable[str]) -> list[str]:
    """The modules to rehearse: every one but the pre-course check (``hand_in_prechecks`` does that)."""
    return sorted(m for m in known if m != PRECHECK)


def rehearse(
    root: Path,
    *,
    learners: int = 40,
    modules: list[str] | None = None,
    seed: int = 2026,
    deliver: str = "exchange",
    source: Path = SOURCE,
    use_existing_folder: bool = False,
    hostile: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[Planned], None] | None = None,
) -> RehearsalResult:
    """Create (or reuse) a course folder and hand in a synthetic cohort's submissions.

    A new folder gets a synthetic roster (``learners`` people), an exchange inside it, and each
    module released with a due date a day ago. A folder made by ``grade init`` is refused unless
    ``use_existing_folder``, so made-up work never lands in a real cohort; then it keeps its roster
    and releases.
    ``deliver`` is ``exchange`` (then run ``grade collect``) or ``zip`` (then ``grade zip-collect``
    with the zip written to ``downloads/``). ``hostile`` adds the kinds of :data:`HOSTILE`.
    Every learner's hand-in comes from this computer's own account, so the folder's roster maps
    each learner to it (the ``account`` column), except the learner an impersonation is of.
    """
    from affirming_care.loader import cached_course

    settings = _rehearsal_settings(
        root,
        learners=learners,
        modules=modules,
        seed=seed,
        deliver=deliver,
        source=source,
        use_existing_folder=use_existing_folder,
    )
    modules = modules or _module_ids(settings.modules)
    course = cached_course()
    due_default = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) - timedelta(days=1)
    dues = {mid: _due_date(root, mid, due_default) for mid in modules}
    ids, kinds = _cohort_plan(root, settings, modules, seed, deliver, hostile)
    total = sum(1 for mid in modules for sid in ids if kinds[mid][sid] != "not_submitted")
    if on_start:
        on_start(total)
    plan: list[Planned] = []
    archives: dict[str, Path] = {}
    rng = random.Random(seed)
    banks = rehearsal_banks(root)
    with tempfile.TemporaryDirectory(prefix="rehearsal-") as tmp:
        for mid in modules:
            zf = None
            if deliver == "zip":
                archives[mid] = root / "downloads" / f"{mid}-lms-download.zip"
                zf = _new_zip(archives[mid])
            complete = sorted(sid for sid, k in kinds[mid].items() if k == "complete")
            h = _Handing(
                root, mid, course.module(mid), dues[mid], rng, Path(tmp) / mid, zf,
                classmate=complete[0] if complete else ids[0], answer_limit=settings.max_answer_bytes,
                banks=banks, seed=seed,
            )  # fmt: skip
            plan.extend(_hand_in_module(h, kinds[mid], deliver if hostile else None, on_done))
            if zf is not None:
                zf.close()
    took = hand_in_prechecks(
        root, ids, banks, seed, min(dues.values(), default=due_default) - timedelta(days=30)
    )
    return RehearsalResult(
        root=root,
        learners=ids,
        modules=modules,
        deliver=deliver,
        plan=plan,
        archives=archives,
        manifest=_write_manifest(root, modules, plan, took),
    )
