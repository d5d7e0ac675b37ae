"""Autograde submissions with nbgrader, in parallel worker processes, and keep a record of each.

The record (``.affirming-care/autograde-MODULE.json``) holds, per learner, the outcome, when, and a
fingerprint of what was graded, so work collected again unchanged is not regraded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

from affirming_care.grading.collect import submitted_learners
from affirming_care.grading.course import STATE_DIR, GradingError, require_released, state_path
from affirming_care.grading.gradebook import ensure_tools_on_path, gradebook, load_config, short_error
from affirming_care.grading.inspect import inspect_submission, released_notebooks

AutogradeRecord = dict[str, dict[str, Any]]
"""Per learner: status ("graded", "failed", "skipped"), reason, at (ISO time), digest."""


@dataclass
class AutogradeOutcome:
    learner: str
    status: Literal["graded", "failed", "skipped", "unchanged"]
    reason: str = ""
    seconds: float = 0.0


@dataclass
class AutogradeResult:
    module: str
    jobs: int
    outcomes: list[AutogradeOutcome]
    seconds: float
    log: Path


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
    config = load_config(Path(root))
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
) -> tuple[list[str], list[AutogradeOutcome]]:
    """The learners to grade, and the outcomes of those left alone (skipped or unchanged)."""
    released = released_notebooks(root, module)
    outcomes: list[AutogradeOutcome] = []
    todo = []
    for sid in everyone:
        problems = inspect_submission(root, module, sid, released).problems
        if problems:
            outcomes.append(AutogradeOutcome(sid, "skipped", reason="; ".join(problems)))
        elif (
            again
            or record.get(sid, {}).get("status") != "graded"
            or handed_in_since_autograde(root, module, sid, record)
        ):
            todo.append(sid)
        else:
            outcomes.append(AutogradeOutcome(sid, "unchanged", reason="already autograded"))
    return todo, outcomes


def _add_students(root: Path, learners: list[str]) -> None:
    """Created here, once, so the workers never race to create a learner."""
    with gradebook(root) as gb:
        known = {s.id for s in gb.students}
        for sid in learners:
            if sid not in known:
                gb.update_or_create_student(sid)


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
                "at": datetime.now(UTC).isoformat(),
                "digest": submission_digest(root, module, o.learner),
            }
    _write_autograde_record(root, module, record)


def autograde(
    root: Path,
    module: str,
    *,
    jobs: int | None = None,
    learners: list[str] | None = None,
    again: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[AutogradeOutcome], None] | None = None,
) -> AutogradeResult:
    """Autograde the submissions of ``module`` with ``jobs`` worker processes.

    nbgrader grades one submission at a time; separate processes on disjoint learners use every
    core. Each worker keeps one NbGraderAPI; the gradebook is SQLite, which serialises writes.
    Submissions that cannot be graded (no notebook, an unreadable one) are skipped with a reason.
    Submissions already autograded and not handed in again are left alone unless ``again``:
    nbgrader marks a reflection you graded for review again whenever it regrades a submission.
    """
    require_released(root, module)
    jobs = jobs or default_jobs()
    everyone = _chosen_learners(root, module, learners)
    record = read_autograde_record(root, module)
    todo, outcomes = _plan(root, module, everyone, record, again)
    _add_students(root, todo)
    log = state_path(root, f"autograde-{module}.log")
    log.write_text(f"autograde {module}: {len(todo)} submissions, {jobs} worker(s)\n")
    if on_start:
        on_start(len(everyone))
    for outcome in outcomes:
        if on_done:
            on_done(outcome)
    start = time.perf_counter()
    if todo:
        outcomes.extend(_grade_in_workers(root, module, todo, jobs, log, on_done))
    seconds = time.perf_counter() - start
    outcomes.sort(key=lambda o: o.learner)
    _update_record(root, module, record, outcomes)
    return AutogradeResult(module=module, jobs=jobs, outcomes=outcomes, seconds=seconds, log=log)
