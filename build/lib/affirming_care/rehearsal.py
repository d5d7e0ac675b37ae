"""A synthetic cohort to practise grading on (and to test the grading commands with).

``affirming_care grade rehearse`` makes a course folder with made-up learners, releases modules,
and hands in varied submissions the way real learners do: through nbgrader's exchange (with
nbgrader's own submit) or as an LMS bulk-download zip. Every kind of submission an instructor
meets is there: complete, partial, no answer file, a damaged answer file, a locked cell edited,
a late one, a missing notebook, a stray extra file, and learners who submitted nothing.

Everything is fictional. The reflections talk about practice only, as real ones must.
"""

from __future__ import annotations

import json
import random
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nbformat

from affirming_care import instructor
from affirming_care.instructor import GradingError, Learner
from affirming_care.store import AnswerFile, Attempt, CheckRecord, store_filename

KINDS: dict[str, str] = {
    "complete": "answered every check correctly and wrote a reflection",
    "partial": "some checks right, some wrong or unanswered",
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
        writer.writerow(instructor.ROSTER_REQUIRED)
        for lr in learners:
            writer.writerow([lr.id, lr.first_name, lr.last_name, lr.email])
    return path


def plan_kinds(learners: list[str], modules: list[str], seed: int = 2026) -> dict[str, dict[str, str]]:
    """Each module gets every special kind once (as the cohort allows), on different learners per module.

    ``modules`` is every module of the course, in order, so a module's plan is the same whichever
    modules one rehearsal hands in.
    """
    order = sorted(learners)
    random.Random(seed).shuffle(order)
    n = len(order)
    plan: dict[str, dict[str, str]] = {}
    for k, mid in enumerate(modules):
        kinds: dict[str, str] = {}
        for j, kind in enumerate(SPECIAL[: max(0, n - 2)]):
            kinds[order[(k * len(SPECIAL) + j) % n]] = kind
        regular = [sid for sid in order if sid not in kinds]
        for i, sid in enumerate(regular):
            kinds[sid] = "complete" if i % 2 == 0 else "partial"
        plan[mid] = dict(sorted(kinds.items()))
    return plan


def _reflection(rng: random.Random) -> str:
    parts = [rng.choice(OPENERS), *rng.sample(MIDDLES, rng.randint(1, 4))]
    if rng.random() < 0.7:
        parts.append(rng.choice(CLOSERS))
    return " ".join(parts)


def _wrong(q: Any, rng: random.Random) -> list[str]:
    right = sorted(q.answer)
    wrong = [o.id for o in q.options if not o.correct]
    if q.kind == "multiple" and len(right) > 1 and rng.random() < 0.5:
        return right[:-1]  # one right option missed
    return sorted([rng.choice(wrong)]) if wrong else []


def _answers(module: Any, kind: str, rng: random.Random, when: datetime) -> tuple[AnswerFile, float]:
    questions = module.questions
    store = AnswerFile(module=module.meta.id)
    if kind == "partial":
        n = len(questions)
        outcome = ["right" if i < (n + 1) // 2 else rng.choice(["wrong", "skip"]) for i in range(n)]
        if n > 1 and all(x == "right" for x in outcome):
            outcome[-1] = "wrong"
        if n == 1:
            outcome = ["wrong"]
        rng.shuffle(outcome)
    else:
        outcome = ["right"] * len(questions)
    score = 0.0
    for q, how in zip(questions, outcome, strict=True):
        if how == "skip":
            continue
        chosen = sorted(q.answer) if how == "right" else _wrong(q, rng)
        if not chosen:
            continue
        at = (when - timedelta(minutes=rng.randint(5, 90))).isoformat(timespec="seconds")
        attempts = [Attempt(selected=chosen, at=at)]
        if rng.random() < 0.3 and len(q.options) > 1:  # changed their mind once
            first = sorted([o.id for o in q.options if o.id not in chosen][:1] or chosen)
            attempts.insert(0, Attempt(selected=first, at=at))
        store.checks[q.id] = CheckRecord(selected=chosen, attempts=attempts, updated=at)
        if frozenset(chosen) == frozenset(q.answer):
            score += q.points
    return store, score


def _notebook(released: Path, reflection: str | None, edit_locked: bool) -> str:
    nb = nbformat.read(released, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if reflection and meta.get("solution") and cell.cell_type == "markdown":
            cell.source = reflection
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
    return nbformat.writes(nb)


def _files(
    root: Path, mid: str, module: Any, kind: str, rng: random.Random, when: datetime
) -> tuple[dict[str, str], float | None, bool]:
    """The files one learner hands in for one module, the checks score they should get, and
    whether they wrote a reflection."""
    released = root / "release" / mid / f"{mid}.ipynb"
    store, score = _answers(module, kind, rng, when)
    blank = kind == "partial" and rng.random() < 0.3
    reflection = None if blank else _reflection(rng)
    answers = store.model_dump_json(indent=1) + "\n"
    files: dict[str, str] = {}
    notebook = _notebook(released, reflection, edit_locked=kind == "locked_cell_edited")
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
    return files, expected, reflection is not None and kind != "missing_notebook"


def _submit_to_exchange(
    root: Path, mid: str, sid: str, files: dict[str, str], when: datetime, work: Path
) -> None:
    """nbgrader's own submit, as the learner ``sid``, at ``when``."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default.submit import ExchangeSubmit
    from nbgrader.utils import capture_log

    from affirming_care import nbcourse

    folder = work / sid / mid
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    cfg = nbcourse.load_config(root)
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
        raise GradingError(f"Rehearsal could not submit {mid} for {sid}: {instructor.short_error(result)}")


def rehearse(
    root: Path,
    *,
    learners: int = 40,
    modules: list[str] | None = None,
    seed: int = 2026,
    deliver: str = "exchange",
    source: Path = instructor.SOURCE,
    use_existing_folder: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[Planned], None] | None = None,
) -> RehearsalResult:
    """Create (or reuse) a course folder and hand in a synthetic cohort's submissions.

    A new folder gets a synthetic roster (``learners`` people), an exchange inside it, and each
    module released with a due date a day ago. A folder made by ``grade init`` is refused unless
    ``use_existing_folder``, so made-up work never lands in a real cohort; then it keeps its roster
    and releases.
    ``deliver`` is ``exchange`` (then run ``grade collect``) or ``zip`` (then ``grade zip-collect``
    with the zip written to ``downloads/``).
    """
    from affirming_care.loader import cached_course

    if deliver not in ("exchange", "zip"):
        raise GradingError(f"deliver must be 'exchange' or 'zip', not {deliver!r}")
    if learners < 1:
        raise GradingError("A rehearsal needs at least one learner.")
    if not instructor.settings_path(root).exists():
        root.mkdir(parents=True, exist_ok=True)
        roster = write_roster(synthetic_roster(learners, seed), root / "rehearsal-roster.csv")
        instructor.init_course(
            root, source=source, modules=modules, roster=roster, exchange=root / "exchange"
        )
        settings = instructor.load_settings(root)
        settings.rehearsal = True
        instructor.save_settings(root, settings)
    settings = instructor.load_settings(root)
    if not settings.rehearsal and not use_existing_folder:
        raise GradingError(
            f"{root} is a course folder made by `grade init`, perhaps for a real cohort. A rehearsal hands "
            "in made-up work, so use a new folder, or pass --use-existing-folder if this one is for practice."
        )
    if deliver == "exchange" and not settings.exchange:
        raise GradingError(
            f"{root} has no nbgrader exchange; use --deliver zip, or init it with --exchange DIR."
        )
    modules = modules or sorted(settings.modules)
    course = cached_course()
    from nbgrader.api import MissingEntry

    due_default = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) - timedelta(days=1)
    dues: dict[str, datetime] = {}
    for mid in modules:
        instructor.require_module(root, mid)
        with instructor.gradebook(root) as gb:
            try:
                assignment = gb.find_assignment(mid)
                due = assignment.duedate
            except MissingEntry:
                assignment, due = None, None
        if assignment is None:
            instructor.release(root, mid, due=due_default)
            due = due_default
        elif due is None:
            with instructor.gradebook(root) as gb:
                gb.update_or_create_assignment(mid, duedate=due_default.replace(tzinfo=None))
            due = due_default
        dues[mid] = due.replace(tzinfo=UTC) if due.tzinfo is None else due
    with instructor.gradebook(root) as gb:
        ids = sorted(s.id for s in gb.students)
    if not ids:
        raise GradingError(f"{root} has no learners; import a roster with `affirming_care grade roster`.")
    kinds = plan_kinds(ids, sorted(set(settings.modules) | set(modules)), seed)
    total = sum(1 for mid in modules for sid in ids if kinds[mid][sid] != "not_submitted")
    if on_start:
        on_start(total)
    plan: list[Planned] = []
    archives: dict[str, Path] = {}
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="rehearsal-") as tmp:
        for mid in modules:
            zf = None
            if deliver == "zip":
                archives[mid] = root / "downloads" / f"{mid}-lms-download.zip"
                archives[mid].parent.mkdir(exist_ok=True)
                zf = zipfile.ZipFile(archives[mid], "w", zipfile.ZIP_DEFLATED)
            for sid in ids:
                kind = kinds[mid][sid]
                if kind == "not_submitted":
                    plan.append(Planned(sid, mid, kind, KINDS[kind], None, False, [], None))
                    continue
                if kind == "late":
                    when = dues[mid] + timedelta(hours=3, minutes=rng.randint(0, 50))
                else:
                    when = dues[mid] - timedelta(hours=rng.randint(1, 96), minutes=rng.randint(0, 59))
                files, expected, wrote = _files(root, mid, course.module(mid), kind, rng, when)
                if zf is not None:
                    stamp = when.strftime("%Y%m%dT%H%M%SZ")
                    for name, text in files.items():
                        zf.writestr(f"{sid}_{mid}_{stamp}_{name}", text)
                else:
                    _submit_to_exchange(root, mid, sid, files, when, Path(tmp) / mid)
                item = Planned(sid, mid, kind, KINDS[kind], expected, wrote, sorted(files), when.isoformat())
                plan.append(item)
                if on_done:
                    on_done(item)
            if zf is not None:
                zf.close()
    manifest = root / "rehearsal.json"
    old = json.loads(manifest.read_text()) if manifest.exists() else {"submissions": []}
    kept = [p for p in old["submissions"] if p["module"] not in modules]
    manifest.write_text(
        json.dumps(
            {
                "about": "What each synthetic learner handed in, and the checks score it should get.",
                "kinds": KINDS,
                "submissions": kept + [asdict(p) for p in plan],
            },
            indent=1,
        )
        + "\n"
    )
    return RehearsalResult(
        root=root,
        learners=ids,
        modules=modules,
        deliver=deliver,
        plan=plan,
        archives=archives,
        manifest=manifest,
    )
