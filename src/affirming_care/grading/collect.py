"""Collect submissions: from the nbgrader exchange, or from an LMS bulk download (zip)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from affirming_care.grading.course import GradingError, load_settings, require_released
from affirming_care.grading.gradebook import api, gradebook, load_config, short_error


@dataclass
class CollectResult:
    module: str
    collected: list[str]
    not_on_roster: list[str]
    skipped_files: list[str] = field(default_factory=list)


def submitted_learners(root: Path, module: str) -> list[str]:
    """Everyone with a folder for ``module`` in ``submitted/``."""
    return sorted(p.parent.name for p in (root / "submitted").glob(f"*/{module}") if p.is_dir())


def submitted_stamps(root: Path, module: str) -> dict[str, str]:
    """Each submission's time handed in (nbgrader's timestamp.txt, else the folder's mtime)."""
    stamps = {}
    for folder in sorted((root / "submitted").glob(f"*/{module}")):
        stamp = folder / "timestamp.txt"
        stamps[folder.parent.name] = (
            stamp.read_text().strip() if stamp.exists() else str(folder.stat().st_mtime)
        )
    return stamps


def after_collect(root: Path, module: str, before: dict[str, str]) -> tuple[list[str], list[str]]:
    """The learners whose submission changed since ``before``, and those new to the gradebook (added)."""
    after = submitted_stamps(root, module)
    changed = sorted(s for s, stamp in after.items() if before.get(s) != stamp)
    with gradebook(root) as gb:
        known = {s.id for s in gb.students}
        strangers = sorted(s for s in changed if s not in known)
        for sid in strangers:
            gb.update_or_create_student(sid)
    return changed, strangers


def collect(root: Path, module: str) -> CollectResult:
    """nbgrader collect: the newest submission of each learner from the exchange."""
    settings = load_settings(root)
    require_released(root, module)
    if not settings.exchange:
        raise GradingError(
            "This course folder has no nbgrader exchange. Set one with "
            "`affirming_care grade init --course DIR --exchange /srv/nbgrader/exchange`, "
            "or collect an LMS download with `affirming_care grade zip-collect`."
        )
    before = submitted_stamps(root, module)
    result = api(root).collect(module, update=True)
    if not result["success"]:
        raise GradingError(f"Could not collect {module} from {settings.exchange}: {short_error(result)}")
    changed, strangers = after_collect(root, module, before)
    return CollectResult(module=module, collected=changed, not_on_roster=strangers)


def _copy_archives(root: Path, module: str, archives: list[Path]) -> None:
    for archive in archives:
        if not archive.is_file():
            raise GradingError(f"{archive}: file not found")
    inbox = root / "downloaded" / module / "archive"
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    for archive in archives:
        shutil.copy(archive, inbox / archive.name)


def zip_collect(root: Path, module: str, archives: list[Path]) -> CollectResult:
    """nbgrader zip_collect: an LMS bulk download, files named ``{id}_{module}_{file}``."""
    from nbgrader.apps.zipcollectapp import ZipCollectApp
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    require_released(root, module)
    _copy_archives(root, module, archives)
    before = submitted_stamps(root, module)
    app = ZipCollectApp(config=load_config(root))
    app.log.propagate = False
    for handler in list(app.log.handlers):
        app.log.removeHandler(handler)
    app.coursedir = CourseDirectory(parent=app)
    app.coursedir.assignment_id = module
    app.force = True
    result = capture_log(app)
    if not result["success"]:
        raise GradingError(
            f"Could not collect {module} from {', '.join(map(str, archives))}: {short_error(result)}"
        )
    skipped = [
        Path(m.group(1)).name for m in re.finditer(r"Skipped \w[\w ]* provided: (\S+)", result.get("log", ""))
    ]
    changed, strangers = after_collect(root, module, before)
    return CollectResult(module=module, collected=changed, not_on_roster=strangers, skipped_files=skipped)
