"""Facilitator-only cases: worked through together in a session, never met alone first (issue 13).

A group case that learners have already finished on their own measures their memory of its feedback,
not their judgement. These cases live in ``assessment/facilitator-cases/``, outside ``content/``, so
no notebook, book page or release carries them. They use the same schema as every case
(:class:`affirming_care.content.Vignette`) and are validated by ``affirming_care check``.
``affirming_care facilitator-cases --out DIR`` writes one page per case to show on a shared screen.
"""

from __future__ import annotations

import os
from pathlib import Path

from affirming_care import paths
from affirming_care.content import Vignette
from affirming_care.loader import ContentError, Course, Problem, _line, load_vignette

CASES_ROOT = paths.course_root() / "assessment" / "facilitator-cases"
CASES_ENV = "AFFIRMING_CARE_FACILITATOR_CASES"


def cases_root() -> Path:
    """``$AFFIRMING_CARE_FACILITATOR_CASES`` if set, else ``assessment/facilitator-cases``."""
    return Path(os.environ.get(CASES_ENV, CASES_ROOT))


def load_facilitator_cases(course: Course, folder: Path | None = None) -> dict[str, Vignette]:
    """Every case in ``folder``, validated like a content case and checked against the course.

    Beyond the schema and the branches: the file is named for the case id, the module exists, the id
    starts with the module id and is not also a learner case's id, and every guide point is known.
    """
    folder = Path(folder) if folder else cases_root()
    problems: list[Problem] = []
    found: dict[str, Vignette] = {}
    learner_ids = {v.id for v in course.all_vignettes()}
    known = set(course.curriculum.ids)
    for path in sorted(folder.glob("*.yml")):
        try:
            v = load_vignette(path)
        except ContentError as exc:
            problems += exc.problems
            continue

        problems += _case_problems(path, v, course, learner_ids, known)
        found[v.id] = v
    if problems:
        raise ContentError(problems)
    return found


def _case_problems(
    path: Path, v: Vignette, course: Course, learner_ids: set[str], known: set[str]
) -> list[Problem]:
    found: list[Problem] = []

    def problem(where: str, message: str) -> None:
        found.append(Problem(path, _line(path, where), where, message))

    if path.stem != v.id:
        problem("id", f"is {v.id!r} but the file is {path.name}; name the file for the case")
    if v.module not in course.modules:
        problem("module", f"no module {v.module!r}; modules are {sorted(course.modules)}")
    if not v.id.startswith(v.module + "-"):
        problem("id", f"must start with {v.module + '-'!r}")
    if v.id in learner_ids:
        problem("id", f"{v.id!r} is also a learner case in content/; a facilitator case is new to learners")
    points = list(v.guide_points) + [gp for s in v.scenes for c in s.choices for gp in c.guide_points]
    for gp in points:
        if gp not in known:
            problem("guide_points", f"unknown guide point {gp!r}; see content/curriculum.yml")
    return found


def write_case_pages(out: Path, cases: dict[str, Vignette]) -> list[Path]:
    """One standalone HTML page per case (the book's static rendering), for a shared screen."""
    from html import escape

    from affirming_care.render import vignette_html

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for cid, v in sorted(cases.items()):
        page = out / f"{cid}.html"
        page.write_text(
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(v.title)}</title>"
            "<style>body{font-family:system-ui,sans-serif;line-height:1.5;max-width:50rem;margin:1rem auto;"
            "padding:0 1rem}summary:focus-visible{outline:3px solid #1a4fa0;outline-offset:2px}</style>"
            f"</head><body><main><p><strong>Facilitator-only case.</strong> Learners have not seen it; "
            f"do not hand it out before the session.</p>{vignette_html(v)}</main></body></html>\n",
            encoding="utf-8",
        )
        written.append(page)
    return written
