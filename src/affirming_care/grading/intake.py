"""What may come in: every check on a hand-in, made before anything reads one of its files.

A hand-in reaches the course folder from nbgrader's exchange (a folder every learner may write
to) or from an LMS bulk download (a zip). Neither is trusted:

* only learners on the roster are collected; any other id is reported and left where it is;
* symbolic links, devices, pipes and folders where a file should be are never followed, opened or
  copied, and are reported;
* a file larger than the course's limit is refused unread (1 MB for an answer file, 20 MB for a
  notebook or any other file, ``max_answer_bytes`` and ``max_notebook_bytes`` in the settings);
* a zip entry whose name would land outside the learner's folder (``..``, an absolute path, a
  backslash, a name starting with a dot) and an archive inside the archive are refused by name;
* on a shared exchange, a hand-in whose files another account owns than the learner's is a
  possible impersonation, and is quarantined.

This module decides; :mod:`affirming_care.grading.collect` moves files.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from affirming_care.store import store_filename

try:  # pwd names the owner of a file; it exists on every POSIX system
    import pwd
except ImportError:  # pragma: no cover - Windows has no shared POSIX exchange
    pwd = None  # type: ignore[assignment]

ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".whl", ".jar")
ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"7z\xbc\xaf\x27\x1c", b"Rar!")
IGNORED_PARTS = {".ipynb_checkpoints", "__pycache__"}
"""Folders nbgrader itself leaves out of a hand-in (its ``CourseDirectory.ignore``)."""

# What happened to a hand-in or one of its files, for the summary and the rehearsal manifest.
NOT_ON_ROSTER = "not on the roster"
LINK = "symbolic link"
NOT_REGULAR = "not a regular file"
TOO_LARGE = "too large"
OUTSIDE = "outside the learner's folder"
NESTED = "nested archive"
IMPERSONATION = "possible impersonation"
SUPERSEDED = "older hand-in kept aside"
REPLACED = "replaced an earlier hand-in"
REGRADE = "graded by hand before: regrade"
OTHER_MODULE = "another module"
UNNAMED = "name not like ID_MODULE_FILE"
REASONS = (
    NOT_ON_ROSTER, LINK, NOT_REGULAR, TOO_LARGE, OUTSIDE, NESTED, IMPERSONATION,
    SUPERSEDED, REPLACED, REGRADE, OTHER_MODULE, UNNAMED,
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One thing collect did not take as it came, by learner (as claimed) and reason."""

    learner: str
    reason: str
    """One of :data:`REASONS`."""
    detail: str
    """What exactly, in words for an instructor (file names are quoted as ``repr``)."""

    def __str__(self) -> str:
        return f"{self.learner!r}: {self.reason}: {self.detail}"


MAX_FILES = 100
"""A hand-in has a notebook, an answer file and perhaps a stray copy or two; past this, the rest is refused."""
MAX_DEPTH = 4
"""How deep folders inside a hand-in are read."""


@dataclass(frozen=True)
class Limits:
    answer_bytes: int
    notebook_bytes: int

    @property
    def handin_bytes(self) -> int:
        """All of one hand-in's files together."""
        return 2 * self.notebook_bytes + self.answer_bytes

    def for_name(self, module: str, name: str) -> int:
        """The answer file's limit for the answer file, the notebook limit for every other file."""
        return (
            self.answer_bytes if PurePosixPath(name).name == store_filename(module) else self.notebook_bytes
        )


class Refused(Exception):
    """A file was not taken; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


def too_large(name: str, size: int, limit: int) -> Refused:
    return Refused(TOO_LARGE, f"{name!r} is {size:,} bytes; the limit for it is {limit:,} (course settings)")


def looks_like_archive(name: str, head: bytes) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES) or head.startswith(ARCHIVE_MAGIC)


def read_regular(path: Path, name: str, limit: int) -> tuple[bytes, int]:
    """The bytes and owner uid of ``path`` if it is a regular file within ``limit``; never follows a link.

    The file is opened with O_NOFOLLOW and checked on the open descriptor, so it cannot be swapped
    for a link between the check and the read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if path.is_symlink():
            raise Refused(LINK, f"{name!r} is a symbolic link; it was not followed") from None
        raise Refused(NOT_REGULAR, f"{name!r} cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Refused(NOT_REGULAR, f"{name!r} is not a regular file; it was not read")
        if info.st_size > limit:
            raise too_large(name, info.st_size, limit)
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise too_large(name, len(data), limit)
    return data, info.st_uid


@dataclass
class FolderScan:
    """The regular files of one hand-in folder, read safely, and what was refused."""

    files: dict[str, bytes] = field(default_factory=dict)
    owners: set[int] = field(default_factory=set)
    refused: list[Refused] = field(default_factory=list)
    size: int = 0


def over_budget(files: int, size: int, limits: Limits) -> str | None:
    """Why one more file would make a hand-in too big, if it would."""
    if files >= MAX_FILES:
        return f"the hand-in has more than {MAX_FILES} files"
    if size > limits.handin_bytes:
        return f"the hand-in's files come to more than {limits.handin_bytes:,} bytes"
    return None


def _scan_entry(out: FolderScan, entry: os.DirEntry[str], rel: str, module: str, limits: Limits) -> None:
    budget = over_budget(len(out.files), out.size, limits)
    if entry.is_symlink():
        out.refused.append(Refused(LINK, f"{rel!r} is a symbolic link; it was not followed or copied"))
    elif budget:
        out.refused.append(Refused(TOO_LARGE, f"{rel!r} was not read: {budget}"))
    elif entry.is_dir(follow_symlinks=False):
        if rel.count("/") >= MAX_DEPTH:
            out.refused.append(Refused(NOT_REGULAR, f"{rel!r} is a folder nested too deep; it was not read"))
            return
        out.owners.add(entry.stat(follow_symlinks=False).st_uid)
        _scan(out, Path(entry.path), rel + "/", module, limits)
    elif not entry.is_file(follow_symlinks=False):
        out.refused.append(Refused(NOT_REGULAR, f"{rel!r} is not a regular file; it was not copied"))
    else:
        try:
            data, owner = read_regular(Path(entry.path), rel, limits.for_name(module, rel))
        except Refused as exc:
            out.refused.append(exc)
            return
        if looks_like_archive(rel, data[:8]):
            out.refused.append(Refused(NESTED, f"{rel!r} is an archive; it was not unpacked or copied"))
            return
        out.files[rel] = data
        out.size += len(data)
        out.owners.add(owner)


def _scan(out: FolderScan, folder: Path, prefix: str, module: str, limits: Limits) -> None:
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name in IGNORED_PARTS:
                continue
            _scan_entry(out, entry, prefix + entry.name, module, limits)


def scan_folder(folder: Path, module: str, limits: Limits) -> FolderScan:
    """Read every regular file of a hand-in folder (nothing is followed); a link as the folder is refused."""
    out = FolderScan()
    info = folder.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        out.refused.append(Refused(LINK, f"{folder.name!r} is not a folder; it was not followed"))
        return out
    out.owners.add(info.st_uid)
    _scan(out, folder, "", module, limits)
    return out


def account_name(uid: int) -> str:
    if pwd is None:
        return str(uid)
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def impersonation(learner: str, account: str, owners: set[int]) -> Finding | None:
    """A finding if any file of the hand-in is owned by another account than ``account``."""
    others = sorted({account_name(uid) for uid in owners} - {account})
    if not others:
        return None
    return Finding(
        learner,
        IMPERSONATION,
        f"handed in as {learner!r}, but its files are owned by {', '.join(map(repr, others))}, "
        f"not by the learner's account {account!r}; quarantined, not collected",
    )


def unsafe_entry_name(name: str) -> bool:
    """Whether a zip entry's name could land anywhere but a plain file in the learner's folder."""
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
        return True
    return any(part in ("", ".", "..") or part.startswith(".") for part in name.split("/"))


def zip_entry_is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode) if mode else False


@dataclass(frozen=True)
class Entry:
    """One zip entry that names a learner, a module and a file."""

    info: zipfile.ZipInfo
    learner: str
    module: str
    file: str
    stamp: str | None


def parse_entry(info: zipfile.ZipInfo, pattern: re.Pattern[str]) -> Entry | None:
    """The learner, module, file and time named by an entry (nbgrader's ``named_regexp``); None if none."""
    base = info.filename.rsplit("/", 1)[-1]
    match = pattern.match(base)
    if not match:
        return None
    parts = match.groupdict()
    return Entry(info, parts["student_id"], parts["assignment_id"], parts["file_id"], parts.get("timestamp"))


def entry_refusal(info: zipfile.ZipInfo, entry: Entry | None, limits: Limits, module: str) -> Refused | None:
    """Why a zip entry may not be extracted, judged from its name and header alone."""
    name = info.filename
    if unsafe_entry_name(name) or (entry is not None and unsafe_entry_name(entry.file)):
        return Refused(OUTSIDE, f"zip entry {name!r} would land outside the learner's folder; not extracted")
    if zip_entry_is_link(info):
        return Refused(LINK, f"zip entry {name!r} is a symbolic link; not extracted")
    if looks_like_archive(name, b""):
        return Refused(NESTED, f"zip entry {name!r} is an archive inside the archive; not unpacked")
    limit = limits.for_name(module, entry.file if entry else name)
    if info.file_size > limit:
        return too_large(name, info.file_size, limit)
    return None


def read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, module: str, file: str) -> bytes:
    """An entry's bytes, never more than its limit whatever its header says."""
    limit = limits.for_name(module, file)
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise too_large(info.filename, len(data), limit)
    if looks_like_archive("", data[:8]):
        raise Refused(NESTED, f"zip entry {info.filename!r} is an archive inside the archive; not unpacked")
    return data
