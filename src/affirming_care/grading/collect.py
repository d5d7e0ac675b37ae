"""Collect hand-ins: from the nbgrader exchange, or from an LMS bulk download (zip).

Nothing that comes in is trusted (the checks are in :mod:`affirming_care.grading.intake`). Both
ways read each hand-in's files themselves, a regular file at a time and never through a link,
instead of nbgrader's ``collect`` and ``zip_collect``, which copy whatever they find (links
followed, any id, files of two hand-ins mixed). A learner's hand-in lands in
``submitted/<id>/<module>/`` whole, with nbgrader's ``timestamp.txt``, so that nbgrader's own
steps (autograde, formgrader, feedback) work on it as before.

* The newest whole hand-in of a learner wins, notebook and answer file together; an older one, in
  the same download or collected before, is kept in ``superseded/<id>/<module>/<time>/``.
* A hand-in that replaces one already graded by hand is flagged for grading again, and its old
  manual scores are cleared in the gradebook (kept in ``.affirming-care/regrade-<module>.json``)
  so that they are not added to the new total.
* A possible impersonation is copied to ``quarantine/<id>/<module>/<time>/``, never to submitted/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from affirming_care.grading.course import (
    PRIVATE_DIR,
    PRIVATE_FILE,
    CourseSettings,
    GradingError,
    load_settings,
    require_released,
    state_path,
)
from affirming_care.grading.gradebook import gradebook, load_config
from affirming_care.grading.intake import (
    NOT_ON_ROSTER,
    OTHER_MODULE,
    REGRADE,
    REPLACED,
    SUPERSEDED,
    TOO_LARGE,
    UNNAMED,
    Entry,
    Finding,
    Limits,
    Refused,
    entry_refusal,
    impersonation,
    over_budget,
    parse_entry,
    read_entry,
    read_regular,
    scan_folder,
)
from affirming_care.grading.roster import Learner, roster_ids

STAMP_FILE = "timestamp.txt"
STAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
"""nbgrader's own format for timestamp.txt (its exchange writes it so)."""


@dataclass
class CollectResult:
    module: str
    collected: list[str]
    """Learners whose hand-in is new or newer than the one collected before."""
    not_on_roster: list[str]
    """Ids handed in that are not on the roster: reported, never collected."""
    skipped_files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    """Everything not taken as it came, by learner and reason."""
    late: dict[str, float] = field(default_factory=dict)
    """Seconds after the due date, for every learner whose collected hand-in is late."""
    regrade: list[str] = field(default_factory=list)
    """Learners whose hand-in replaced one already graded by hand."""


@dataclass
class HandIn:
    """One learner's whole hand-in, read into memory (every file within the course's limits)."""

    learner: str
    stamp: datetime | None
    files: dict[str, bytes]
    source: str
    stamp_text: str | None = None
    """The time as nbgrader wrote it (an exchange folder's name): nbgrader's feedback is keyed on
    this exact text, so it is kept as it was."""


def submitted_learners(root: Path, module: str) -> list[str]:
    """Everyone with a folder for ``module`` in ``submitted/``."""
    return sorted(p.parent.name for p in (root / "submitted").glob(f"*/{module}") if p.is_dir())


def read_stamp(folder: Path) -> datetime | None:
    """The time a collected hand-in was handed in (its timestamp.txt), if it says."""
    from nbgrader.utils import parse_utc

    try:
        text = read_regular(folder / STAMP_FILE, STAMP_FILE, 1000)[0].decode("utf-8", "replace").strip()
        stamp: datetime | None = parse_utc(text) if text else None
    except (Refused, ValueError, OverflowError):
        return None
    return stamp


def submitted_stamps(root: Path, module: str) -> dict[str, str]:
    """Each submission's time handed in (nbgrader's timestamp.txt, else the folder's mtime)."""
    stamps = {}
    for folder in sorted((root / "submitted").glob(f"*/{module}")):
        stamp = read_stamp(folder)
        stamps[folder.parent.name] = str(stamp) if stamp else str(folder.stat().st_mtime)
    return stamps


def limits(settings: CourseSettings) -> Limits:
    return Limits(answer_bytes=settings.max_answer_bytes, notebook_bytes=settings.max_notebook_bytes)


def _stamp_name(stamp: datetime | None) -> str:
    return stamp.strftime("%Y%m%dT%H%M%S%fZ") if stamp else "no-time"


def write_handin(folder: Path, handin: HandIn) -> None:
    """Write a hand-in's files into a new ``folder`` (made whole in a temporary folder, then renamed)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".incoming-", dir=folder.parent))
    for name, data in handin.files.items():
        if name == STAMP_FILE:
            continue
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        path.write_bytes(data)
        path.chmod(PRIVATE_FILE)
    if handin.stamp is not None:
        text = handin.stamp_text or handin.stamp.strftime(STAMP_FORMAT)
        (tmp / STAMP_FILE).write_text(text, encoding="utf-8")
        (tmp / STAMP_FILE).chmod(PRIVATE_FILE)
    if folder.exists():
        shutil.rmtree(folder)
    tmp.rename(folder)


def set_aside(root: Path, kind: str, handin: HandIn, module: str, lim: Limits) -> Path:
    """Keep a hand-in out of submitted/, in ``<kind>/<id>/<module>/<time>/`` (never overwritten).

    The same hand-in set aside again (the same download collected twice) is not copied again.
    """
    base = root / kind / handin.learner / module / _stamp_name(handin.stamp)
    files = {k: v for k, v in handin.files.items() if k != STAMP_FILE}
    folder, n = base, 1
    while folder.exists():
        if _collected_files(folder, module, lim) == files:
            return folder
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    write_handin(folder, handin)
    return folder


def _collected_files(folder: Path, module: str, lim: Limits) -> dict[str, bytes]:
    return {k: v for k, v in scan_folder(folder, module, lim).files.items() if k != STAMP_FILE}


def flag_regrade(root: Path, module: str, learner: str) -> Finding | None:
    """Clear the manual scores of a learner's earlier hand-in and flag it for grading again."""
    from nbgrader.api import MissingEntry

    with gradebook(root) as gb:
        try:
            sub = gb.find_submission(module, learner)
        except MissingEntry:
            return None
        old = {
            g.name: {"manual_score": g.manual_score, "extra_credit": g.extra_credit}
            for nb in sub.notebooks
            for g in nb.grades
            if g.manual_score is not None or g.extra_credit is not None
        }
        if not old:
            return None
        for nb in sub.notebooks:
            for g in nb.grades:
                if g.name in old:
                    g.manual_score, g.extra_credit, g.needs_manual_grade = None, None, True
        gb.db.commit()
    record = state_path(root, f"regrade-{module}.json")
    kept = json.loads(record.read_text(encoding="utf-8")) if record.exists() else {}
    kept.setdefault(learner, []).append(
        {"cleared": datetime.now().isoformat(timespec="seconds"), "grades": old}
    )
    record.write_text(json.dumps(kept, indent=1) + "\n", encoding="utf-8")
    scores = ", ".join(f"{k}: {v['manual_score']}" for k, v in sorted(old.items()))
    return Finding(
        learner,
        REGRADE,
        f"the earlier hand-in was graded by hand ({scores}); grade the new one again. "
        f"The old scores no longer count (kept in {record.relative_to(root)})",
    )


def place(root: Path, module: str, handin: HandIn, lim: Limits) -> list[Finding]:
    """Put a hand-in in submitted/ unless the one there is newer; what is worth reporting.

    The hand-in it replaces is kept aside (and its hand grading cleared); a hand-in older than
    the one collected is kept aside instead. Call it only when :func:`is_current` is False.
    """
    dest = root / "submitted" / handin.learner / module
    if not dest.exists():
        write_handin(dest, handin)
        return []
    old = HandIn(handin.learner, read_stamp(dest), _collected_files(dest, module, lim), str(dest))
    new_files = {k: v for k, v in handin.files.items() if k != STAMP_FILE}
    if old.files == new_files and old.stamp == handin.stamp:
        return []
    if handin.stamp is not None and old.stamp is not None and handin.stamp <= old.stamp:
        aside = set_aside(root, "superseded", handin, module, lim)
        return [
            Finding(
                handin.learner,
                SUPERSEDED,
                f"{handin.source} is older than the hand-in already collected; kept in {aside.relative_to(root)}",
            )
        ]
    aside = set_aside(root, "superseded", old, module, lim)
    found = [
        Finding(
            handin.learner,
            REPLACED,
            f"{handin.source} replaced the hand-in collected before (kept in {aside.relative_to(root)})",
        )
    ]
    regrade = flag_regrade(root, module, handin.learner)
    write_handin(dest, handin)
    return found + ([regrade] if regrade else [])


def is_current(root: Path, module: str, handin: HandIn, lim: Limits) -> bool:
    """Whether submitted/ already holds exactly this hand-in."""
    dest = root / "submitted" / handin.learner / module
    if not dest.exists():
        return False
    files = {k: v for k, v in handin.files.items() if k != STAMP_FILE}
    return read_stamp(dest) == handin.stamp and _collected_files(dest, module, lim) == files


def lateness(root: Path, module: str) -> dict[str, float]:
    """Seconds late of every collected hand-in of ``module`` handed in after its due date."""
    with gradebook(root) as gb:
        due = gb.find_assignment(module).duedate
    if due is None:
        return {}
    late = {}
    for learner in submitted_learners(root, module):
        stamp = read_stamp(root / "submitted" / learner / module)
        if stamp is not None and stamp > due:
            late[learner] = (stamp - due).total_seconds()
    return late


def _settle(root: Path, module: str, handins: list[HandIn], out: CollectResult, lim: Limits) -> None:
    """Place each chosen hand-in, note who changed, make sure each is in the gradebook."""
    for handin in handins:
        if not any(name != STAMP_FILE for name in handin.files):
            continue  # nothing usable came (each refusal is reported): an earlier hand-in stays
        if is_current(root, module, handin, lim):
            continue
        found = place(root, module, handin, lim)
        out.findings.extend(found)
        if not any(f.reason == SUPERSEDED for f in found):
            out.collected.append(handin.learner)
        if any(f.reason == REGRADE for f in found):
            out.regrade.append(handin.learner)
    with gradebook(root) as gb:
        known = {s.id for s in gb.students}
        for learner in out.collected:
            if learner not in known:
                gb.update_or_create_student(learner)
    out.collected.sort()
    out.late = lateness(root, module)


# ---- from the exchange ------------------------------------------------------------------------


Record = tuple[datetime, str, Path]
"""An exchange hand-in folder: its time, that time as written in its name, the folder."""


def _inbound_records(inbound: Path, module: str) -> dict[str, list[Record]]:
    """Every hand-in folder of ``module`` in the inbound, by the learner id it claims, newest first."""
    from nbgrader.utils import parse_utc

    found: dict[str, list[Record]] = defaultdict(list)
    for entry in os.scandir(inbound):
        parts = entry.name.rsplit("+", 3) if entry.name.count("+") >= 3 else entry.name.rsplit("+", 2)
        if len(parts) < 3 or parts[1] != module:
            continue
        try:
            when = parse_utc(parts[2])
        except (ValueError, OverflowError):
            continue
        found[parts[0]].append((when, parts[2], Path(entry.path)))
    return {k: sorted(v, key=lambda x: x[0], reverse=True) for k, v in found.items()}


def _exchange_handin(
    root: Path, module: str, learner: Learner, records: list[Record], ctx: dict[str, Any]
) -> HandIn | None:
    """The newest hand-in of one learner that is genuinely theirs; the others quarantined or reported."""
    out: CollectResult = ctx["out"]
    settings: CourseSettings = ctx["settings"]
    chosen, older = None, 0
    for i, (when, text, folder) in enumerate(records):
        scan = scan_folder(folder, module, ctx["limits"])
        out.findings.extend(
            Finding(learner.id, r.reason, f"{folder.name!r}: {r.detail}") for r in scan.refused
        )
        handin = HandIn(learner.id, when, scan.files, f"exchange folder {folder.name!r}", text)
        suspect = impersonation(learner.id, learner.login, scan.owners) if settings.check_owner else None
        if suspect is not None:
            aside = set_aside(root, "quarantine", handin, module, ctx["limits"])
            out.findings.append(
                Finding(learner.id, suspect.reason, f"{suspect.detail} (in {aside.relative_to(root)})")
            )
            continue
        chosen, older = handin, len(records) - i - 1
        break
    if older:
        out.findings.append(
            Finding(
                learner.id,
                SUPERSEDED,
                f"{older} older hand-in(s) left in the exchange; the newest is collected",
            )
        )
    return chosen


def collect(root: Path, module: str) -> CollectResult:
    """The newest genuine hand-in of each learner on the roster, from the exchange's inbound."""
    settings = load_settings(root)
    require_released(root, module)
    if not settings.exchange:
        raise GradingError(
            "This course folder has no nbgrader exchange. Set one with "
            "`affirming_care grade init --course DIR --exchange /srv/nbgrader/exchange`, "
            "or collect an LMS download with `affirming_care grade zip-collect`."
        )
    inbound = Path(settings.exchange) / settings.course_id / "inbound"
    if not inbound.is_dir():
        raise GradingError(
            f"Could not collect {module}: no inbound folder {inbound} (release {module} first)."
        )
    roster = roster_ids(root)
    out = CollectResult(module=module, collected=[], not_on_roster=[])
    lim = limits(settings)
    ctx: dict[str, Any] = {"out": out, "settings": settings, "limits": lim}
    chosen = []
    for claimed, records in sorted(_inbound_records(inbound, module).items()):
        if claimed not in roster:
            out.not_on_roster.append(claimed)
            out.findings.append(
                Finding(
                    claimed, NOT_ON_ROSTER, f"{len(records)} hand-in(s) left in the exchange, not collected"
                )
            )
            continue
        handin = _exchange_handin(root, module, roster[claimed], records, ctx)
        if handin is not None:
            chosen.append(handin)
    _settle(root, module, chosen, out, lim)
    return out


# ---- from an LMS download ---------------------------------------------------------------------


def _pattern(root: Path) -> tuple[re.Pattern[str], list[str]]:
    cfg = load_config(root)
    plugin = cfg.get("FileNameCollectorPlugin", {})
    regexp = plugin.get("named_regexp") or r"^(?P<student_id>[^_]+)_(?P<assignment_id>[^_]+)_(?P<file_id>.+)$"
    return re.compile(regexp), list(plugin.get("valid_ext") or [".ipynb"])


@dataclass
class _ZipRead:
    groups: dict[str, dict[str | None, dict[str, bytes]]] = field(default_factory=lambda: defaultdict(dict))
    sources: dict[str, str] = field(default_factory=dict)


def _read_zip(
    archive: Path, module: str, roster: dict[str, Learner], read: _ZipRead, ctx: dict[str, Any]
) -> None:
    out: CollectResult = ctx["out"]
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise GradingError(f"{archive}: not a readable zip file ({exc})") from None
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            entry = _usable_entry(archive, info, module, roster, ctx)
            if entry is None:
                continue
            group = read.groups[entry.learner].setdefault(entry.stamp, {})
            budget = over_budget(len(group), sum(map(len, group.values())), ctx["limits"])
            try:
                if budget:
                    raise Refused(TOO_LARGE, f"zip entry {info.filename!r} was not read: {budget}")
                data = read_entry(zf, info, ctx["limits"], module, entry.file)
            except Refused as exc:
                out.findings.append(Finding(entry.learner, exc.reason, f"{archive.name}: {exc.detail}"))
                continue
            group[entry.file] = data
            read.sources[entry.learner] = archive.name


def _usable_entry(
    archive: Path, info: zipfile.ZipInfo, module: str, roster: dict[str, Learner], ctx: dict[str, Any]
) -> Entry | None:
    """The entry if it may be read: a safe name, a file of this module, a learner on the roster."""
    out: CollectResult = ctx["out"]
    pattern, valid_ext = ctx["pattern"]
    entry = parse_entry(info, pattern)
    claimed = entry.learner if entry else "(no id)"
    refusal = entry_refusal(info, entry, ctx["limits"], module)
    if refusal is not None:
        out.findings.append(Finding(claimed, refusal.reason, f"{archive.name}: {refusal.detail}"))
        return None
    if entry is None or not any(entry.file.endswith(e) for e in valid_ext):
        out.skipped_files.append(info.filename)
        out.findings.append(Finding(claimed, UNNAMED, f"{archive.name}: {info.filename!r} skipped"))
        return None
    if entry.module != module:
        out.findings.append(
            Finding(claimed, OTHER_MODULE, f"{archive.name}: {info.filename!r} is for {entry.module}")
        )
        return None
    if entry.learner not in roster:
        if entry.learner not in out.not_on_roster:
            out.not_on_roster.append(entry.learner)
            out.findings.append(Finding(entry.learner, NOT_ON_ROSTER, f"{archive.name}: not collected"))
        return None
    return entry


def _zip_handins(root: Path, module: str, read: _ZipRead, out: CollectResult, lim: Limits) -> list[HandIn]:
    """Each learner's newest whole hand-in; older ones in the same download are kept aside."""
    from nbgrader.utils import parse_utc

    chosen = []
    for learner, groups in sorted(read.groups.items()):
        usable = {stamp: files for stamp, files in groups.items() if files}  # refused entries left none
        if not usable:
            continue
        ordered = sorted(usable.items(), key=lambda kv: parse_utc(kv[0]) if kv[0] else datetime.min)
        source = read.sources.get(learner, "the download")
        for stamp, files in ordered[:-1]:
            old = HandIn(learner, parse_utc(stamp) if stamp else None, files, source)
            aside = set_aside(root, "superseded", old, module, lim)
            out.findings.append(
                Finding(
                    learner,
                    SUPERSEDED,
                    f"{source}: an older hand-in ({stamp or 'no time'}, {', '.join(sorted(files))}) "
                    f"was kept in {aside.relative_to(root)}; the newest is collected whole",
                )
            )
        stamp, files = ordered[-1]
        chosen.append(HandIn(learner, parse_utc(stamp) if stamp else None, files, source))
    return chosen


def zip_collect(root: Path, module: str, archives: list[Path]) -> CollectResult:
    """An LMS bulk download, files named ``{id}_{module}_[{time}_]{file}`` (the course's named_regexp).

    Every entry is checked by name and header before a byte of it is read; nothing is extracted
    to disk but the chosen hand-ins' own files, and no archive inside the archive is opened.
    """
    settings = load_settings(root)
    require_released(root, module)
    for archive in archives:
        if not archive.is_file():
            raise GradingError(f"{archive}: file not found")
    out = CollectResult(module=module, collected=[], not_on_roster=[])
    lim = limits(settings)
    ctx: dict[str, Any] = {"out": out, "limits": lim, "pattern": _pattern(root)}
    roster = roster_ids(root)
    read = _ZipRead()
    for archive in archives:
        _read_zip(archive, module, roster, read, ctx)
    _settle(root, module, _zip_handins(root, module, read, out, lim), out, lim)
    return out


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    return f"{days} d {hours} h" if days else f"{hours} h {mins} min"


def summary_lines(result: CollectResult) -> list[str]:
    """The collect summary as plain lines: learner text in them is data (print them without markup)."""
    lines = [
        f"Collected {len(result.collected)} new or updated submission(s) of {result.module}"
        + (f": {', '.join(result.collected)}" if result.collected else ".")
    ]
    if result.late:
        late = ", ".join(f"{sid} ({_duration(s)})" for sid, s in sorted(result.late.items()))
        lines.append(f"Late: {len(result.late)} hand-in(s) after the due date: {late}")
    if result.not_on_roster:
        lines.append(
            f"Not on the roster, not collected: {', '.join(map(repr, result.not_on_roster))} "
            "(add them with `grade roster` if they are your learners, then collect again)"
        )
    for f in result.findings:
        if f.reason != NOT_ON_ROSTER:
            lines.append(f"{f.learner!r}: {f.reason}: {f.detail}")
    return lines
