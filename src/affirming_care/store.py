"""The answer store: a learner's choices for one module, in one JSON file beside the notebook.

One format for every reader: the widgets write it; the nbgrader hidden tests, the progress
notebook and the cohort dashboard read it. Rules that keep answers safe:

* every change is written at once, atomically (a temporary file in the same folder, then rename);
* a file that cannot be read is moved aside with a timestamp, never deleted, and reported;
* nothing here opens a network connection: answers stay on the learner's machine.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT = "affirming-care/answers"
VERSION = 1


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChoiceEvent(_Record):
    """One response chosen at one decision point (kept in order, never rewritten)."""

    scene: str
    choice: str
    at: str = Field(default_factory=now)


class VignetteRecord(_Record):
    """A case's state. Once an ending is reached, ``status`` stays "finished" for good (going back
    or restarting to explore other paths does not undo it); ``ending`` is the latest ending reached."""

    status: Literal["not-started", "in-progress", "finished", "skipped"] = "not-started"
    path: list[str] = Field(default_factory=list, description="Scenes visited, the current one last")
    events: list[ChoiceEvent] = Field(default_factory=list)
    ending: str | None = None
    chosen: str | None = Field(default=None, description="The response whose feedback is showing")
    updated: str = Field(default_factory=now)


class Attempt(_Record):
    selected: list[str]
    at: str = Field(default_factory=now)


class CheckRecord(_Record):
    selected: list[str] = Field(default_factory=list, description="The answer that counts: the latest")
    attempts: list[Attempt] = Field(default_factory=list)
    updated: str = Field(default_factory=now)

    @property
    def first(self) -> list[str]:
        """The first attempt, kept for good: what cohort statistics read."""
        return self.attempts[0].selected if self.attempts else self.selected


class ReflectionRecord(_Record):
    text: str = ""
    self_assessment: dict[str, int] = Field(default_factory=dict)
    updated: str = Field(default_factory=now)


class EvaluationRecord(_Record):
    """The course evaluation (issue 13): a 1-5 agreement per statement, and free comments.

    Anonymous by design: no demographic or disclosure question is asked, and the aggregate
    (``grading/evaluation.py``) never shows who answered what.
    """

    ratings: dict[str, Annotated[int, Field(ge=1, le=5)]] = Field(default_factory=dict)
    comments: str = ""
    updated: str = Field(default_factory=now)


class PostTestRecord(_Record):
    """A learner's post-test for one module (issue 11): the seed that drew it, and what they chose.

    ``seed`` decides which variant of each slot is shown and in what option order
    (``posttest.draw``); grading draws again from the same seed, so the variants are never named
    here and a learner cannot choose the form they are graded on. ``answers`` maps a slot id to the
    option ids chosen (option identity, never a position). Nothing here says what is right: keys
    stay on the instructor's side.
    """

    seed: Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[0-9a-zA-Z_-]+$")]
    answers: dict[str, list[str]] = Field(default_factory=dict)
    updated: str = Field(default_factory=now)


class AnswerFile(_Record):
    """The whole file. ``format`` and ``version`` let later readers refuse what they don't know.

    ``evaluation`` was added later, as an optional section within version 1: a file written before
    it (without the section) reads unchanged. It travels in Module 12's file, or on its own in
    ``evaluation-answers.json`` (an answer file whose ``module`` is ``"evaluation"``).
    ``posttest`` (issue 11) is optional in the same way: only an assignment's answer file has it.
    """

    format: Literal["affirming-care/answers"] = "affirming-care/answers"
    version: Literal[1] = 1
    module: str
    vignettes: dict[str, VignetteRecord] = Field(default_factory=dict)
    checks: dict[str, CheckRecord] = Field(default_factory=dict)
    reflections: dict[str, ReflectionRecord] = Field(default_factory=dict)
    evaluation: EvaluationRecord | None = None
    posttest: PostTestRecord | None = None


OPTIONAL_SECTIONS = ("evaluation", "posttest")
"""Sections added within version 1; a file without them keeps the shape it had before they existed."""


def new_seed() -> str:
    """A fresh post-test seed: 16 hex digits from the operating system's random source."""
    return secrets.token_hex(8)


def store_filename(module_id: str) -> str:
    return f"{module_id}-answers.json"


class DamagedStore(Exception):
    """The file exists but cannot be read as an answer store; ``reason`` says why and where."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


MAX_ANSWER_BYTES = 1_000_000
"""An honest answer file for one module is a few kilobytes; anything past this is refused unread."""


def _read_regular_text(path: Path, max_bytes: int) -> str | None:
    """The text of ``path`` if it is a regular file no larger than ``max_bytes``; None if absent.

    A symbolic link, a folder or a device is refused without being followed or opened, so a
    hand-in cannot point the reader at another learner's file or at a private file of the grader.
    """
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DamagedStore(path, f"cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise DamagedStore(path, "is a symbolic link, not a file; it was not followed")
    if not stat.S_ISREG(info.st_mode):
        raise DamagedStore(path, "is not a regular file")
    if info.st_size > max_bytes:
        raise DamagedStore(path, f"is {info.st_size:,} bytes; an answer file may be at most {max_bytes:,}")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise DamagedStore(path, f"cannot be read ({exc.strerror})") from None
    if len(raw) > max_bytes:
        raise DamagedStore(path, f"is larger than {max_bytes:,} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DamagedStore(path, "is not UTF-8 text") from None


def read_answer_file(
    path: Path, module_id: str | None = None, *, max_bytes: int = MAX_ANSWER_BYTES
) -> AnswerFile | None:
    """The one reader of an answer file: every consumer (widgets, grading, progress, dashboard) uses it.

    None if the file does not exist; ``DamagedStore`` naming the reason if it is not a regular
    file, too large, not JSON, not this format, or (when ``module_id`` is given) of another module.
    """
    raw = _read_regular_text(path, max_bytes)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DamagedStore(
            path, f"line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    try:
        answers = AnswerFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise DamagedStore(path, f"field {field}: {err['msg']}") from None
    if module_id is not None and answers.module != module_id:
        raise DamagedStore(path, f"field module: is {answers.module!r}, expected {module_id!r}")
    return answers


def damaged_name(path: Path) -> Path:
    """Where a damaged answer file is kept: a name that does not look like the real one."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    stem = path.name.removesuffix(".json")
    kept = path.with_name(f"{stem}.DAMAGED-{stamp}.json")
    n = 2
    while kept.exists():
        kept = path.with_name(f"{stem}.DAMAGED-{stamp}-{n}.json")
        n += 1
    return kept


def damaged_warning(name: str, kept: str) -> str:
    """The one note a learner reads about a damaged answer file, in plain words."""
    return (
        f"Your earlier answers for this module could not be read: the file {name} was damaged "
        f"(perhaps it was edited or only partly copied). Nothing was deleted: it is kept as {kept}, "
        f"beside this notebook. Your answers from now on are saved in a fresh {name}. "
        f"To get your earlier answers back, give {kept} to the person who runs your course: "
        f"once it is repaired, rename it back to {name} and run the cells again."
    )


_SHARED: dict[tuple[Path, str], AnswerStore] = {}


def shared_store(module_id: str, folder: Path | str | None = None) -> AnswerStore:
    """The one store for a module's answer file in this kernel, shared by every cell.

    Cells run alone or in any order write to the same record; if the file changed on disk since
    (another program, a restore), it is read again.
    """
    path = (
        Path(folder or os.environ.get("AFFIRMING_CARE_ANSWERS", ".")) / store_filename(module_id)
    ).resolve()
    key = (path, module_id)
    store = _SHARED.get(key)
    if store is None or not store.fresh():
        store = AnswerStore(module_id, folder)
        _SHARED[key] = store
    return store


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that a crash leaves either the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class AnswerStore:
    """A learner's answers for one module, saved to ``folder/{module}-answers.json`` on every change.

    Nothing is written until the learner answers something, so opening or executing a notebook
    (as the book build does) leaves no file behind.
    """

    def __init__(self, module_id: str, folder: Path | str | None = None) -> None:
        self.module_id = module_id
        self.path = Path(folder or os.environ.get("AFFIRMING_CARE_ANSWERS", ".")) / store_filename(module_id)
        self.warning: str | None = None
        """Set when a damaged file was moved aside; the widgets show it to the learner."""
        self.moved_to: Path | None = None
        self.reason: str | None = None
        """The technical reason a damaged file could not be read (for a facilitator)."""
        self.data = self._load()
        self._seen = self._stamp()
        self._warned = False

    def _load(self) -> AnswerFile:
        try:
            data = read_answer_file(self.path, self.module_id)
        except DamagedStore as exc:
            self.moved_to = damaged_name(self.path)
            os.replace(self.path, self.moved_to)
            self.reason = exc.reason
            self.warning = damaged_warning(self.path.name, self.moved_to.name)
            return AnswerFile(module=self.module_id)
        return data or AnswerFile(module=self.module_id)

    def _stamp(self) -> tuple[int, int] | None:
        try:
            info = self.path.stat()
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size)

    def take_warning(self) -> str | None:
        """The damage note, once: the first widget shows it, the others do not repeat it."""
        warning, self._warned = (None if self._warned else self.warning), True
        return warning

    def fresh(self) -> bool:
        """True while the file on disk is the one this store last read or wrote."""
        return self._stamp() == self._seen

    def save(self) -> None:
        exclude = {name for name in OPTIONAL_SECTIONS if getattr(self.data, name) is None} or None
        write_atomic(self.path, self.data.model_dump_json(indent=1, exclude=exclude) + "\n")
        self._seen = self._stamp()

    # Vignettes ------------------------------------------------------------------------------

    def vignette(self, vid: str) -> VignetteRecord:
        return self.data.vignettes.get(vid) or VignetteRecord()

    def put_vignette(self, vid: str, record: VignetteRecord) -> None:
        record.updated = now()
        self.data.vignettes[vid] = record
        self.save()

    # Checks ---------------------------------------------------------------------------------

    def check(self, qid: str) -> CheckRecord | None:
        return self.data.checks.get(qid)

    def answer_check(self, qid: str, selected: list[str]) -> CheckRecord:
        record = self.data.checks.get(qid) or CheckRecord()
        record.selected = sorted(selected)
        record.attempts.append(Attempt(selected=sorted(selected)))
        record.updated = now()
        self.data.checks[qid] = record
        self.save()
        return record

    # Reflections ----------------------------------------------------------------------------

    def reflection(self, rid: str) -> ReflectionRecord:
        return self.data.reflections.get(rid) or ReflectionRecord()

    def put_reflection(
        self, rid: str, *, text: str | None = None, self_assessment: dict[str, int] | None = None
    ) -> None:
        record = self.data.reflections.get(rid) or ReflectionRecord()
        if text is not None:
            record.text = text
        if self_assessment is not None:
            record.self_assessment = dict(self_assessment)
        record.updated = now()
        self.data.reflections[rid] = record
        self.save()

    # The course evaluation --------------------------------------------------------------------

    def put_evaluation(self, *, ratings: dict[str, int] | None = None, comments: str | None = None) -> None:
        record = self.data.evaluation or EvaluationRecord()
        if ratings is not None:
            record.ratings = dict(ratings)
        if comments is not None:
            record.comments = comments
        record.updated = now()
        self.data.evaluation = record
        self.save()

    # The post-test -----------------------------------------------------------------------------

    def posttest_seed(self) -> str:
        """This file's post-test seed, made (in memory) the first time it is asked for.

        It is written with the first answer, like everything else here: opening an assignment
        leaves no file behind.
        """
        if self.data.posttest is None:
            self.data.posttest = PostTestRecord(seed=new_seed())
        return self.data.posttest.seed

    def adopt_seed(self, seed: str) -> None:
        """Use ``seed`` (the pre-course check's) for a post-test not yet begun; one already begun keeps its own."""
        if self.data.posttest is None:
            self.data.posttest = PostTestRecord(seed=seed)

    def posttest_answer(self, slot_id: str) -> list[str] | None:
        record = self.data.posttest
        return None if record is None else record.answers.get(slot_id)

    def answer_posttest(self, slot_id: str, selected: list[str]) -> PostTestRecord:
        record = self.data.posttest or PostTestRecord(seed=new_seed())
        record.answers[slot_id] = sorted(selected)
        record.updated = now()
        self.data.posttest = record
        self.save()
        return record


def as_json_dict(data: AnswerFile) -> dict[str, Any]:
    return data.model_dump(mode="json")
