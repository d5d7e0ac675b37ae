"""Autograde submissions with nbgrader, without running them, and keep a record of each.

By default every hand-in is graded in this process from its answer file against the keys in the
course's ``source/`` (``answers_grader``): nbgrader's ``Autograde`` still restores locked cells,
writes the autograded copy and saves scores and late penalties to the gradebook, but no learner
cell runs and no kernel starts. ``execute_learner_code=True`` is nbgrader's own executing
autograde in worker processes: it runs every cell of each hand-in, including cells learners
added, with the instructor's rights, so it is only for hand-ins the instructor trusts.

The record (``.affirming-care/autograde-MODULE.json``) holds, per learner, the outcome, when, the
notes (tampered cells, answer-file problems, extra files), a fingerprint of what was graded (so
work collected again unchanged is not regraded) and the files' sizes and times (so ``status``
can tell a hand-in changed since without reading it). ``read_autograde_record`` is its one reader.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

from traitlets.config import Config

from affirming_care.grading.answer_keys import Key, module_keys, question_ids, reflection_cells, slot_ids
from affirming_care.grading.collect import submitted_learners
from affirming_care.grading.course import STATE_DIR, GradingError, require_released, state_path
from affirming_care.grading.gradebook import (
    clean_names,
    ensure_tools_on_path,
    gradebook,
    load_config,
    quiet_known_nbgrader_warnings,
    short_error,
)
from affirming_care.grading.inspect import inspect_submission, released_notebooks

AutogradeRecord = dict[str, dict[str, Any]]
"""Per learner: status ("graded", "failed", "skipped"), reason, at (ISO time), notes, digest, files."""

EXECUTE_WARNING = (
    "runs every cell of each hand-in, cells learners added included, as you: only for hand-ins you trust"
)


@dataclass
class AutogradeOutcome:
    learner: str
    status: Literal["graded", "failed", "skipped", "unchanged"]
    reason: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    """Cells added, removed or edited in locked places, answer-file problems, extra files."""


@dataclass
class AutogradeResult:
    module: str
    jobs: int
    outcomes: list[AutogradeOutcome]
    seconds: float
    log: Path
    executed: bool = False
    """True only if learners' notebooks were run (``execute_learner_code``)."""
    renamed: list[str] = field(default_factory=list)
    """Learners whose gradebook name held ``<`` or ``>``, taken out so the formgrader shows text."""


def autograde_record_path(root: Path, module: str) -> Path:
    return root / STATE_DIR / f"autograde-{module}.json"


def read_autograde_record(root: Path, module: str) -> AutogradeRecord:
    """What our autograde last did for each learner of ``module``; empty if it never ran."""
    path = autograde_record_path(root, module)
    if not path.exists():
        return {}
    record: AutogradeRecord = json.loads(path.read_text())
    return record


def _write_autograde_record(root: Path, module: str, record: AutogradeRecord) -> None:
    path = state_path(root, autograde_record_path(root, module).name)
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


def autograde_config(root: Path, *, execute_learner_code: bool = False) -> Config:
    """The course's nbgrader config, with the autograde preprocessors chosen here, not by the course file.

    A course folder made before grading stopped running notebooks names nbgrader's ``Execute`` in
    its own ``nbgrader_config.py``; this command never follows it unless asked to.
    """
    from affirming_care.grading.answers_grader import EXECUTING, NO_EXECUTION

    config = load_config(root)
    config.Autograde.autograde_preprocessors = EXECUTING if execute_learner_code else NO_EXECUTION
    return config


_WORKER: dict[str, Any] = {}


def _worker_start(root: str, log: str) -> None:
    """Runs once in each worker process: nbgrader's noise goes to the log, not the instructor's terminal.

    Kernels talk to this worker over Unix sockets in a folder of its own. Over TCP, two workers
    starting kernels at the same moment can be handed the same free port, and one kernel then
    fails with "Address already in use" (seen here once in 40 submissions).
    """
    import tempfile
    from multiprocessing.util import Finalize

    from nbgrader.apps import NbGraderAPI

    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    ensure_tools_on_path()
    sockets = tempfile.mkdtemp(prefix="ac-kernels-")
    Finalize(None, shutil.rmtree, args=(sockets, True), exitpriority=10)
    config = autograde_config(Path(root), execute_learner_code=True)
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = os.path.join(sockets, "kernel")
    _WORKER["api"] = NbGraderAPI(config=config)


def _worker_grade(module: str, learner: str) -> AutogradeOutcome:
    """Autograde one submission. SQLite allows one writer at a time: a locked gradebook is retried."""
    start = time.perf_counter()
    result: dict[str, Any] = {}
    for attempt in range(4):
        result = _WORKER["api"].autograde(module, learner)
        if result["success"] or "database is locked" not in (result.get("error") or ""):
            break
        time.sleep(0.5 * (attempt + 1))
    seconds = time.perf_counter() - start
    if result["success"]:
        return AutogradeOutcome(learner, "graded", seconds=seconds)
    print(
        f"--- autograde {module} {learner} failed:\n{result.get('log', '')}\n{result.get('error', '')}",
        flush=True,
    )
    return AutogradeOutcome(learner, "failed", reason=short_error(result), seconds=seconds)


def default_jobs() -> int:
    """One more worker than cores: part of each submission's time is a kernel starting up, not computing."""
    return (os.cpu_count() or 1) + 1


def submission_digest(root: Path, module: str, learner: str) -> str:
    """A fingerprint of everything the learner handed in (names and contents)."""
    folder = root / "submitted" / learner / module
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def handed_in_since_autograde(
    root: Path, module: str, learner: str, record: AutogradeRecord | None = None
) -> bool:
    """True if the submission was never autograded, or what was handed in changed since.

    Our autograde keeps a fingerprint of each submission it graded, so collecting the same
    work again (a fresh LMS download, say) changes nothing. For work graded some other way,
    a file collected after the graded notebook was written counts as handed in again.
    """
    graded = list((root / "autograded" / learner / module).glob("*.ipynb"))
    if not graded:
        return True
    if record is None:
        record = read_autograde_record(root, module)
    digest = record.get(learner, {}).get("digest")
    if digest:
        return bool(digest != submission_digest(root, module, learner))
    graded_at = min(p.stat().st_mtime for p in graded)
    folder = root / "submitted" / learner / module
    return any(p.stat().st_ctime > graded_at for p in folder.rglob("*") if p.is_file())


def files_signature(root: Path, module: str, learner: str) -> list[list[Any]]:
    """Name, size and modification time of each file handed in: enough to see a change without reading."""
    folder = root / "submitted" / learner / module
    return [
        [str(p.relative_to(folder)), p.lstat().st_size, p.lstat().st_mtime_ns]
        for p in sorted(folder.rglob("*"))
        if p.is_file() or p.is_symlink()
    ]


def changed_since_record(root: Path, module: str, learner: str, entry: dict[str, Any]) -> bool:
    """True if the hand-in's files are not those ``entry`` recorded (by name, size and time).

    For a submission autograded some other way (no recorded files), a file collected after the
    graded notebook was written counts as handed in again.
    """
    if "files" in entry:
        return bool(files_signature(root, module, learner) != entry["files"])
    graded = list((root / "autograded" / learner / module).glob("*.ipynb"))
    if not graded:
        return True
    graded_at = min(p.stat().st_mtime for p in graded)
    folder = root / "submitted" / learner / module
    return any(p.stat().st_ctime > graded_at for p in folder.rglob("*") if p.is_file())


def _chosen_learners(root: Path, module: str, learners: list[str] | None) -> list[str]:
    everyone = submitted_learners(root, module)
    if learners:
        unknown = [x for x in learners if x not in everyone]
        if unknown:
            raise GradingError(
                f"No submission of {module} from {', '.join(unknown)} in {root / 'submitted'}."
            )
        everyone = [x for x in everyone if x in learners]
    return everyone


def _plan(
    root: Path, module: str, everyone: list[str], record: AutogradeRecord, again: bool
) -> tuple[dict[str, list[str]], list[AutogradeOutcome]]:
    """The learners to grade with their inspection notes, and the outcomes of those left alone."""
    released = released_notebooks(root, module)
    outcomes: list[AutogradeOutcome] = []
    todo: dict[str, list[str]] = {}
    for sid in everyone:
        inspection = inspect_submission(root, module, sid, released)
        if inspection.problems:
            reason = "; ".join(inspection.problems)
            outcomes.append(AutogradeOutcome(sid, "skipped", reason=reason, notes=inspection.notes))
        elif (
            again
            or record.get(sid, {}).get("status") != "graded"
            or handed_in_since_autograde(root, module, sid, record)
        ):
            todo[sid] = inspection.notes
        else:
            notes = list(record.get(sid, {}).get("notes", []))
            outcomes.append(AutogradeOutcome(sid, "unchanged", reason="already autograded", notes=notes))
    return todo, outcomes


def _add_students(root: Path, learners: list[str]) -> None:
    """Created here, once, so the workers never race to create a learner."""
    with gradebook(root) as gb:
        known = {s.id for s in gb.students}
        for sid in learners:
            if sid not in known:
                gb.update_or_create_student(sid)


def _nbgrader_autograde_class() -> type:
    """nbgrader's ``Autograde`` converter, handed what this process read for each learner."""
    from nbgrader.converters import Autograde

    from affirming_care.grading.answers_grader import RESOURCE

    class AnswerFileAutograde(Autograde):
        given: Any  # an answers_grader.Given, set before start()

        def init_single_notebook_resources(self, notebook_filename: str) -> dict[str, Any]:
            resources: dict[str, Any] = super().init_single_notebook_resources(notebook_filename)
            resources[RESOURCE] = self.given
            return resources

    return AnswerFileAutograde


class _Errors(logging.Handler):
    """Keeps the error lines nbgrader logs while grading one submission."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage().strip()
        if text:
            self.lines.append(text.splitlines()[-1])

    def reason(self) -> str:
        """The error itself (a traceback's last line), not nbgrader's "There was an error ..." around it."""
        generic = ("There was an error", "Please see")
        return next((x for x in self.lines if not x.startswith(generic)), "")


@dataclass
class _Here:
    """What grading in this process needs for every hand-in of one module, made once."""

    root: Path
    module: str
    config: Config
    coursedir: Any
    keys: dict[str, dict[str, Key]]
    reflections: dict[str, dict[str, str]]
    logger: logging.Logger
    session: Any = None


def _grade_one(here: _Here, converter: type, sid: str, notes: list[str]) -> AutogradeOutcome:
    """nbgrader's Autograde of one hand-in, its checks graded from the answer file read here, once."""
    from nbgrader.converters.base import NbGraderException

    from affirming_care.grading.answers_grader import Given, read_submission_answers

    start = time.perf_counter()
    folder = here.root / "submitted" / sid / here.module
    given = read_submission_answers(folder, here.module, question_ids(here.keys), slot_ids(here.keys))
    here.coursedir.student_id = sid
    app = converter(coursedir=here.coursedir, config=here.config, log=here.logger)
    app.force, app.create_student = True, True
    app.given = Given(here.keys, given, here.reflections)
    errors = _Errors()
    here.logger.addHandler(errors)
    try:
        here.logger.info("--- autograde %s %s (from the answer file, nothing run)", here.module, sid)
        app.start()
        outcome = AutogradeOutcome(sid, "graded", notes=notes + given.notes)
    except NbGraderException as exc:
        if here.session is not None:
            here.session.db.rollback()
        reason = errors.reason() or str(exc) or "unknown error"
        outcome = AutogradeOutcome(sid, "failed", reason=reason, notes=notes + given.notes)
    finally:
        here.logger.removeHandler(errors)
    outcome.seconds = time.perf_counter() - start
    return outcome


@contextmanager
def _logging_to(name: str, log: Path) -> Iterator[logging.Logger]:
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(log)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    logger.addHandler(handler)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        handler.close()


@contextmanager
def _grading_here(root: Path, module: str, log: Path) -> Iterator[tuple[_Here, type]]:
    """Everything grading from answer files needs in one process: one gradebook session, one validator."""
    from nbgrader.coursedir import CourseDirectory

    from affirming_care.grading.fast_nbgrader import cached_schema_checks, one_gradebook_session

    ensure_tools_on_path()
    quiet_known_nbgrader_warnings()
    config = autograde_config(root)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = module
    converter = _nbgrader_autograde_class()
    with (
        _logging_to(f"affirming_care.autograde.{module}", log) as logger,
        one_gradebook_session(coursedir.db_url, coursedir.course_id) as session,
        cached_schema_checks(),
    ):
        source = root / "source"
        keys, reflections = module_keys(source, module), reflection_cells(source, module)
        yield _Here(root, module, config, coursedir, keys, reflections, logger, session), converter


_FORKED: dict[str, Any] = {}


def _forked_start(root: str, module: str, log: str) -> None:
    """Runs once in each forked worker: its own gradebook session (a database engine must not cross a fork)."""
    from multiprocessing.util import Finalize

    stack = ExitStack()
    _FORKED["here"], _FORKED["converter"] = stack.enter_context(_grading_here(Path(root), module, Path(log)))
    Finalize(None, stack.close, exitpriority=10)


def _forked_grade(sid: str, notes: list[str]) -> AutogradeOutcome:
    """Grade one hand-in in a worker. SQLite allows one writer at a time: a locked gradebook is retried."""
    outcome = _grade_one(_FORKED["here"], _FORKED["converter"], sid, notes)
    for attempt in range(3):
        if outcome.status == "graded" or "database is locked" not in outcome.reason:
            break
        time.sleep(0.3 * (attempt + 1))
        outcome = _grade_one(_FORKED["here"], _FORKED["converter"], sid, notes)
    return outcome


def _grade_here(
    root: Path,
    module: str,
    todo: dict[str, list[str]],
    jobs: int,
    log: Path,
    on_done: Callable[[AutogradeOutcome], None] | None,
) -> list[AutogradeOutcome]:
    """Grade each hand-in from its answer file; run nothing of it.

    With ``jobs`` above 1, hand-ins are shared among that many workers forked from this process
    (so they start with everything imported); each keeps one gradebook session for all its hand-ins.
    """
    outcomes = []
    if jobs < 2 or len(todo) < 2:
        with _grading_here(root, module, log) as (here, converter):
            for sid, notes in todo.items():
                outcomes.append(_grade_one(here, converter, sid, notes))
                if on_done:
                    on_done(outcomes[-1])
        return outcomes
    _nbgrader_autograde_class()  # imported once here, before the fork, not in each worker
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(todo)),
        mp_context=get_context("fork"),
        initializer=_forked_start,
        initargs=(str(root), module, str(log)),
    ) as pool:
        futures = [pool.submit(_forked_grade, sid, notes) for sid, notes in todo.items()]
        for future in as_completed(futures):
            outcomes.append(future.result())
            if on_done:
                on_done(outcomes[-1])
    return outcomes


def _grade_in_workers(
    root: Path,
    module: str,
    todo: list[str],
    jobs: int,
    log: Path,
    on_done: Callable[[AutogradeOutcome], None] | None,
) -> list[AutogradeOutcome]:
    outcomes: list[AutogradeOutcome] = []
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(todo)),
        mp_context=get_context("spawn"),
        initializer=_worker_start,
        initargs=(str(root), str(log)),
    ) as pool:
        futures = [pool.submit(_worker_grade, module, sid) for sid in todo]
        for future in as_completed(futures):
            outcome = future.result()
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    return outcomes


def _update_record(
    root: Path, module: str, record: AutogradeRecord, outcomes: list[AutogradeOutcome]
) -> None:
    for o in outcomes:
        if o.status != "unchanged":
            record[o.learner] = {
                "status": o.status,
                "reason": o.reason,
                "notes": o.notes,
                "at": datetime.now(UTC).isoformat(),
                "digest": submission_digest(root, module, o.learner),
                "files": files_signature(root, module, o.learner),
            }
    _write_autograde_record(root, module, record)


def check_jobs(jobs: int | None, *, execute_learner_code: bool = False) -> int:
    """How many hand-ins are graded at once: None means the default; below 1 is refused."""
    default = default_jobs() if execute_learner_code else (os.cpu_count() or 1)
    if jobs is None:
        return default
    if jobs < 1:
        raise GradingError(f"--jobs must be 1 or more (got {jobs}); leave it out for the default, {default}.")
    return jobs


def autograde(
    root: Path,
    module: str,
    *,
    jobs: int | None = None,
    learners: list[str] | None = None,
    again: bool = False,
    execute_learner_code: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[AutogradeOutcome], None] | None = None,
) -> AutogradeResult:
    """Autograde the submissions of ``module``.

    By default each hand-in is graded from its answer file, with nbgrader's bookkeeping and without
    running any of it, ``jobs`` at a time (default: one per core) in workers forked from this
    process. ``execute_learner_code`` runs nbgrader's executing autograde in ``jobs`` worker
    processes instead; it runs learners' code as you.
    Submissions that cannot be graded (no notebook, an unreadable one) are skipped with a reason.
    Submissions already autograded and not handed in again are left alone unless ``again``:
    nbgrader marks a reflection you graded for review again whenever it regrades a submission.
    """
    require_released(root, module)
    jobs = check_jobs(jobs, execute_learner_code=execute_learner_code)
    everyone = _chosen_learners(root, module, learners)
    record = read_autograde_record(root, module)
    todo, outcomes = _plan(root, module, everyone, record, again)
    _add_students(root, list(todo))
    renamed = clean_names(root)  # the formgrader shows these names unescaped
    log = state_path(root, f"autograde-{module}.log")
    how = f"{jobs} at a time, " + (
        EXECUTE_WARNING if execute_learner_code else "from answer files, nothing run"
    )
    log.write_text(f"autograde {module}: {len(todo)} submissions, {how}\n")
    if on_start:
        on_start(len(everyone))
    for outcome in outcomes:
        if on_done:
            on_done(outcome)
    start = time.perf_counter()
    if todo and execute_learner_code:
        graded = _grade_in_workers(root, module, list(todo), jobs, log, on_done)
        for o in graded:
            o.notes = todo[o.learner]
        outcomes.extend(graded)
    elif todo:
        outcomes.extend(_grade_here(root, module, todo, jobs, log, on_done))
    seconds = time.perf_counter() - start
    outcomes.sort(key=lambda o: o.learner)
    _update_record(root, module, record, outcomes)
    return AutogradeResult(
        module=module,
        jobs=jobs,
        outcomes=outcomes,
        seconds=seconds,
        log=log,
        executed=execute_learner_code,
        renamed=renamed,
    )
