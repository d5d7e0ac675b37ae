"""``affirming_care grade init``: create or refresh a course folder."""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from affirming_care.grading.course import (
    ASSIGNMENTS,
    PRIVATE_DIR,
    SOURCE,
    CourseSettings,
    GradingError,
    load_settings,
    module_info,
    save_settings,
    source_modules,
    write_config,
)
from affirming_care.grading.gradebook import gradebook
from affirming_care.grading.roster import RosterImport, import_roster, read_roster
from affirming_care.loader import ContentError
from affirming_care.posttest import (
    PublicBank,
    bank_root,
    effective_banks,
    public_bank,
    public_filename,
    read_public_bank,
)
from affirming_care.precheck import PRECHECK, PRECHECK_ITEMS, precheck_public

EXCHANGE_ROOT_MODE = 0o1777
"""nbgrader's exchange root must be writable by every learner (nbgrader resets anything but rwx for
all); the sticky bit, as on /tmp, keeps one account from renaming or removing another's folders."""
INBOUND_STICKY = 0o1000
FEEDBACK_PAGE_MODE = 0o644


def secure_exchange(exchange: Path, course_id: str) -> None:
    """The modes nbgrader documents for its exchange, with the sticky bit where everyone may write.

    nbgrader makes ``<course>/outbound`` 0755 and ``<course>/inbound`` 2733 (learners may hand in
    but not list); here the root gets 1777 and the inbound the sticky bit too, so that a learner
    who guesses another's hand-in folder cannot remove or rename it. Nothing is ever 0777.
    Released feedback pages are 0644, as nbgrader leaves them with the usual umask.
    Anything this account does not own is left as it is.
    """
    targets = [(exchange, EXCHANGE_ROOT_MODE)]
    inbound = exchange / course_id / "inbound"
    if inbound.is_dir():
        targets.append((inbound, stat.S_IMODE(inbound.stat().st_mode) | INBOUND_STICKY))
    feedback = exchange / course_id / "feedback"
    if feedback.is_dir() and not feedback.is_symlink():
        # nbgrader copies a feedback page with its mode; the course folder's own copy is 0600, and
        # the learner must read the released one (its name is a secret hash; the folder is 0711).
        targets += [(page, FEEDBACK_PAGE_MODE) for page in feedback.iterdir() if page.is_file()]
    for path, mode in targets:
        if path.is_symlink() or path.stat().st_uid != os.geteuid():
            continue
        if stat.S_IMODE(path.stat().st_mode) != mode:
            path.chmod(mode)


@dataclass
class InitResult:
    root: Path
    modules: list[str]
    new_modules: list[str]
    exchange: str | None
    roster: RosterImport | None


def _wanted_modules(source: Path, modules: list[str] | None) -> list[str]:
    available = source_modules(source)
    if not available:
        raise GradingError(
            f"No source assignments in {source}. Build them with `affirming_care assignments`, "
            "or pass --source DIR."
        )
    wanted = modules or available
    missing = [m for m in wanted if m not in available]
    if missing:
        raise GradingError(
            f"No source assignment for {', '.join(missing)} in {source}; it has {', '.join(available)}."
        )
    return wanted


def _updated_settings(
    root: Path, course_id: str | None, pass_mark: float | None, exchange: Path | None
) -> CourseSettings:
    try:
        settings = load_settings(root)
    except GradingError:
        settings = CourseSettings()
    if course_id:
        settings.course_id = course_id
    if pass_mark is not None:
        settings.pass_mark = pass_mark
    if exchange is not None:
        exchange = exchange.expanduser().resolve()
        if not exchange.exists():
            exchange.mkdir(parents=True)
        secure_exchange(exchange, settings.course_id)
        settings.exchange = str(exchange)
    return settings


def _copy_modules(root: Path, source: Path, wanted: list[str], settings: CourseSettings) -> list[str]:
    """Copy each module's source into the folder; the modules that were not there before."""
    new_modules = []
    for mid in wanted:
        dest = root / "source" / mid
        if not dest.exists():
            new_modules.append(mid)
        shutil.copytree(source / mid, dest, dirs_exist_ok=True)
        info = module_info(mid, source / mid / f"{mid}.ipynb")
        if mid in settings.modules:
            info.due = settings.modules[mid].due
        settings.modules[mid] = info
    return new_modules


def _check_items(items: Path, expected: PublicBank, bank: Path | None) -> None:
    """The released item file must be the keyless copy of the bank grading will use."""
    try:
        shipped = read_public_bank(items) if items.exists() else None
    except ContentError as exc:
        raise GradingError(str(exc)) from None
    if shipped != expected:
        raise GradingError(
            f"{items} was not built from this post-test bank. Rebuild the assignments with "
            f"`affirming_care assignments{' --bank ' + str(bank) if bank else ''}`, then run this again."
        )


def copy_bank(root: Path, source: Path, wanted: list[str], bank: Path | None) -> None:
    """Keep the course's own copy of the post-test bank in ``COURSE/posttest/``, where grading reads it.

    ``bank`` (``--bank DIR``) replaces the shipped bank module by module. Each module's released item
    file (``source/mNN/mNN-posttest.json``) must be the keyless copy of exactly this bank, or a
    learner would be graded on items they were not shown: a mismatch stops here and says what to run.
    """
    try:
        banks = effective_banks(bank)
    except ContentError as exc:
        raise GradingError(f"The post-test bank cannot be read:\n{exc}") from None
    folder = root / "posttest"
    folder.mkdir(exist_ok=True, mode=PRIVATE_DIR)
    if PRECHECK in wanted:
        _check_items(source / PRECHECK / PRECHECK_ITEMS, precheck_public(banks), bank)
    # The pre-check's items are other variants of every module's slots: grading it needs every bank.
    for mid in sorted(banks) if PRECHECK in wanted else wanted:
        if mid == PRECHECK:
            continue
        if mid not in banks:
            raise GradingError(f"No post-test bank for {mid} (looked in {bank or bank_root()}).")
        if mid in wanted:
            _check_items(source / mid / public_filename(mid), public_bank(banks[mid]), bank)
        target = folder / f"{mid}.yml"
        origin = Path(bank) if bank is not None and (Path(bank) / f"{mid}.yml").exists() else bank_root()
        shutil.copyfile(origin / f"{mid}.yml", target)


def init_course(
    root: Path,
    *,
    source: Path = SOURCE,
    bank: Path | None = None,
    modules: list[str] | None = None,
    roster: Path | None = None,
    exchange: Path | None = None,
    course_id: str | None = None,
    pass_mark: float | None = None,
) -> InitResult:
    """Create or refresh a course folder: config, source assignments, gradebook, roster."""
    wanted = _wanted_modules(source, modules)
    if roster is not None:
        read_roster(roster)  # report every bad row before anything is written
    root.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    root.chmod(PRIVATE_DIR)
    settings = _updated_settings(root, course_id, pass_mark, exchange)
    copy_bank(root, source, wanted, bank)
    new_modules = _copy_modules(root, source, wanted, settings)
    save_settings(root, settings)
    write_config(root, settings)
    with gradebook(root):
        pass  # creates the gradebook
    imported = import_roster(root, roster) if roster is not None else None
    return InitResult(
        root=root,
        modules=sorted(settings.modules),
        new_modules=new_modules,
        exchange=settings.exchange,
        roster=imported,
    )


def bare_course(root: Path, modules: list[str] | None = None) -> Path:
    """A folder for nbgrader's own commands: only the course's config and each module's source.

    No settings, gradebook or roster (``init_course`` makes a full course folder).
    """
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ASSIGNMENTS / "nbgrader_config.py", root / "nbgrader_config.py")
    wanted = []
    for src in sorted((ASSIGNMENTS / "source").iterdir()):
        if src.is_dir() and (modules is None or src.name in modules):
            shutil.copytree(src, root / "source" / src.name, dirs_exist_ok=True)
            wanted.append(src.name)
    copy_bank(root, ASSIGNMENTS / "source", wanted, None)
    return root
