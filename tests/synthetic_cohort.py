"""A synthetic cohort in a course folder, fast: a gradebook through nbgrader's own API, and answer files.

``affirming_care grade rehearse`` makes a realistic cohort by really submitting and autograding
notebooks, which takes minutes. These tests need many cohorts of chosen shapes in seconds, so they
write nbgrader's gradebook rows directly (nbgrader still computes every score) and the answer
files exactly as the widgets would.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from affirming_care.grading.course import CourseSettings, ModuleInfo, save_settings, write_config
from affirming_care.grading.gradebook import gradebook
from affirming_care.loader import Course
from affirming_care.store import (
    AnswerFile,
    Attempt,
    CheckRecord,
    ChoiceEvent,
    ReflectionRecord,
    VignetteRecord,
)

NAMES = [
    ("Ana", "Kim"), ("Ben", "Okafor"), ("Chioma", "Silva"), ("Dev", "Patel"), ("Elif", "Nguyen"),
    ("Farah", "Haddad"), ("Gabriel", "Moreau"), ("Hana", "Sato"), ("Ivan", "Novak"), ("Jamal", "Brown"),
    ("Kiri", "Walker"), ("Lena", "Fischer"), ("Mateo", "Rossi"), ("Nadia", "Ahmed"), ("Omar", "Garcia"),
]  # fmt: skip


@dataclass
class Grade:
    """What one learner scored on one module: a share of the check points, and the reflection."""

    checks: float
    reflection: float | None
    """Rubric points; None while the reflection waits for a grader."""


GradeRule = Callable[[int, str], Grade | None]
AnswerRule = Callable[[int, str], AnswerFile | None]


def learner_ids(n: int) -> list[str]:
    return [f"{first.lower()}.{last.lower()}" for first, last in (NAMES * 3)[:n]]


def first_then_right(course: Course, module: str, i: int) -> AnswerFile:
    """Learner ``i``'s answers: option ``i mod k`` at the first try of each check, then the right one;
    at each decision point, response ``i mod k`` first, then the strong one; the reflection written."""
    mod = course.module(module)
    data = AnswerFile(module=module)
    for q in mod.questions:
        first = [q.options[i % len(q.options)].id]
        right = sorted(q.answer)
        attempts = [Attempt(selected=first)] + ([Attempt(selected=right)] if first != right else [])
        data.checks[q.id] = CheckRecord(selected=attempts[-1].selected, attempts=attempts)
    for vid, v in mod.vignettes.items():
        events = []
        for scene in v.decision_points:
            first = scene.choices[i % len(scene.choices)]
            events.append(ChoiceEvent(scene=scene.id, choice=first.id))
            strong = next((c for c in scene.choices if c.fit == "strong"), scene.choices[0])
            if strong.id != first.id:
                events.append(ChoiceEvent(scene=scene.id, choice=strong.id))
        data.vignettes[vid] = VignetteRecord(
            status="finished", path=[v.start], events=events, ending=v.endings[0].id
        )
    if mod.reflection:
        data.reflections[mod.reflection.id] = ReflectionRecord(
            text="I would ask what the client wants. " * 25  # 175 words, within 150 to 350
        )
    return data


def make_cohort(
    root: Path,
    course: Course,
    n: int,
    *,
    modules: list[str] | None = None,
    grades: GradeRule | None = None,
    answers: AnswerRule | None = None,
) -> list[str]:
    """Create a course folder at ``root`` with ``n`` learners; returns their ids.

    ``grades(i, module)`` gives learner ``i``'s grade (None: not submitted); by default every learner
    passes. ``answers(i, module)`` gives their answer file (None: none sent); by default
    :func:`first_then_right`.
    """
    modules = modules or sorted(course.modules)
    grades = grades or (lambda i, m: Grade(checks=1.0, reflection=course.rubric.max_points))
    answers = answers or (lambda i, m: first_then_right(course, m, i))
    settings = CourseSettings(
        modules={
            m: ModuleInfo(
                title=course.module(m).meta.title,
                number=course.module(m).meta.number,
                minutes=course.module(m).meta.minutes,
            )
            for m in modules
        }
    )
    root.mkdir(parents=True, exist_ok=True)
    save_settings(root, settings)
    write_config(root, settings)
    ids = learner_ids(n)
    with gradebook(root) as gb:
        for (first, last), sid in zip(NAMES * 3, ids, strict=False):
            gb.update_or_create_student(sid, first_name=first, last_name=last, email=f"{sid}@example.org")
        for m in modules:
            mod = course.module(m)
            gb.update_or_create_assignment(m)
            gb.update_or_create_notebook(m, m)
            for q in mod.questions:
                gb.update_or_create_grade_cell(
                    f"{m}_grade_{q.id}", m, m, max_score=q.points, cell_type="code"
                )
            gb.update_or_create_grade_cell(
                f"{m}_reflection", m, m, max_score=course.rubric.max_points, cell_type="markdown"
            )
            for i, sid in enumerate(ids):
                grade = grades(i, m)
                if grade is None:
                    continue
                with warnings.catch_warnings():
                    # nbgrader's add_submission trips a harmless SQLAlchemy autoflush warning.
                    warnings.simplefilter("ignore")
                    gb.add_submission(m, sid)
                for q in mod.questions:
                    g = gb.find_grade(f"{m}_grade_{q.id}", m, m, sid)
                    g.auto_score = q.points * grade.checks
                    g.needs_manual_grade = False
                g = gb.find_grade(f"{m}_reflection", m, m, sid)
                g.auto_score = 0.0
                g.manual_score = grade.reflection
                g.needs_manual_grade = grade.reflection is None
                gb.db.commit()
                data = answers(i, m)
                if data is not None:
                    folder = root / "submitted" / sid / m
                    folder.mkdir(parents=True, exist_ok=True)
                    (folder / f"{m}-answers.json").write_text(data.model_dump_json(indent=1))
    return ids
