"""Release a module: nbgrader generate_assignment, a due date, and the exchange if the course has one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from affirming_care.grading.course import (
    CourseSettings,
    GradingError,
    load_settings,
    module_info,
    require_module,
    save_settings,
)
from affirming_care.grading.gradebook import api, gradebook, short_error
from affirming_care.grading.init import secure_exchange


@dataclass
class ReleaseResult:
    module: str
    release_dir: Path
    due: datetime | None
    exchange: str | None
    max_score: float
    checks: int
    reflections: int
    warnings: list[str] = field(default_factory=list)


def due_warning(due: datetime | None, now: datetime | None = None) -> str | None:
    """A plain warning when the due date has already passed: every hand-in would count as late."""
    if due is None:
        return None
    now = now or datetime.now(UTC)
    when = due if due.tzinfo else due.replace(tzinfo=UTC)
    if when >= now:
        return None
    ago = now - when
    days, hours = ago.days, ago.seconds // 3600
    span = (
        f"{days} day(s) and {hours} hour(s)"
        if days
        else f"{hours} hour(s) and {ago.seconds // 60 % 60} minute(s)"
    )
    return (
        f"The due date {when:%Y-%m-%d %H:%M} UTC is in the past ({span} ago): every hand-in will "
        "count as late. If that is a mistake, release again with --due and a later date."
    )


def parse_due(text: str) -> datetime:
    """A due date as typed by an instructor; without a UTC offset it is this computer's local time."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise GradingError(
            f"Due date {text!r} is not a date and time; write it like 2026-12-01 17:00 (local time) "
            "or 2026-12-01T17:00+00:00."
        ) from None
    if when.tzinfo is None:
        when = when.astimezone()  # local time
    return when.astimezone(UTC)


def _release_to_exchange(nb_api: Any, module: str, settings: CourseSettings) -> None:
    from nbgrader.utils import capture_log, temp_attrs

    with temp_attrs(nb_api.coursedir, assignment_id=module):
        app = nb_api.exchange.ReleaseAssignment(
            coursedir=nb_api.coursedir, authenticator=nb_api.authenticator, parent=nb_api
        )
        app.force = True  # releasing again replaces the learners' copy in the exchange
        result = capture_log(app)
    if not result["success"]:
        raise GradingError(
            f"Could not release {module} to the exchange {settings.exchange}: {short_error(result)}"
        )


def release(root: Path, module: str, *, due: datetime | None = None) -> ReleaseResult:
    """nbgrader generate_assignment, a due date in the gradebook, and release to the exchange if any."""
    settings = load_settings(root)
    require_module(root, module)
    nb_api = api(root)
    result = nb_api.generate_assignment(module)
    if not result["success"]:
        raise GradingError(f"Could not generate {module} for learners: {short_error(result)}")
    info = settings.modules.get(module) or module_info(module, root / "source" / module / f"{module}.ipynb")
    with gradebook(root) as gb:
        if due is not None:
            gb.update_or_create_assignment(module, duedate=due.replace(tzinfo=None))
            info.due = due.isoformat()
        assignment = gb.find_assignment(module)
        max_score = assignment.max_score
        effective_due = assignment.duedate
        cells = [c for nb in assignment.notebooks for c in nb.grade_cells]
        checks = sum(1 for c in cells if c.cell_type == "code")
        reflections = sum(1 for c in cells if c.cell_type == "markdown")
    settings.modules[module] = info
    save_settings(root, settings)
    if settings.exchange:
        _release_to_exchange(nb_api, module, settings)
        secure_exchange(Path(settings.exchange), settings.course_id)
    warning = due_warning(effective_due)
    return ReleaseResult(
        module=module,
        release_dir=root / "release" / module,
        due=due,
        exchange=settings.exchange,
        max_score=max_score,
        checks=checks,
        reflections=reflections,
        warnings=[warning] if warning else [],
    )
