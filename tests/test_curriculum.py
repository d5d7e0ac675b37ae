"""The whole course: every guide point taught and assessed, enough varied cases, the counts held."""

from __future__ import annotations

from collections import Counter

import pytest

from affirming_care.content import GOOD_FITS
from affirming_care.curriculum import assessed, render_curriculum
from affirming_care.loader import Course, load_course

# From the curriculum map: identities the cases must include, across the course.
REQUIRED_IDENTITIES = {
    "trans", "non-binary", "black", "brown", "disabled", "immigrant",
    "man", "older-adult", "young-adult", "parent", "student",
}  # fmt: skip
MODULES = [f"m{n:02d}" for n in range(13)]


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course()


def test_thirteen_modules_in_order(course: Course) -> None:
    assert sorted(course.modules) == MODULES
    assert [course.modules[m].meta.number for m in MODULES] == list(range(13))


def test_the_curriculum_file_lists_all_29_guide_points(course: Course) -> None:
    ids = course.curriculum.ids

    assert len(ids) == 29 and len(set(ids)) == 29


def test_every_guide_point_is_taught_and_assessed(course: Course) -> None:
    graded = assessed(course)
    taught = {
        gp: [m for m in MODULES if gp in course.modules[m].meta.guide_points] for gp in course.curriculum.ids
    }

    assert [gp for gp, mods in taught.items() if not mods] == []
    assert [gp for gp, items in graded.items() if not items] == []
    for point in course.curriculum.points:
        for mid in point.taught_in:
            assert point.id in course.modules[mid].meta.guide_points, f"{mid} should list {point.id}"


def test_touched_by_in_the_curriculum_file_is_current(course: Course) -> None:
    on_disk = (course.root / "curriculum.yml").read_text(encoding="utf-8")

    assert render_curriculum(course) == on_disk, "run `affirming_care curriculum --write`"


def test_case_counts(course: Course) -> None:
    per_module = Counter(v.module for v in course.all_vignettes())

    assert len(course.all_vignettes()) >= 26
    assert all(per_module[m] >= 2 for m in MODULES[:12]), per_module
    assert per_module["m12"] == 1
    capstone = next(iter(course.modules["m12"].vignettes.values()))
    assert len(capstone.decision_points) >= 4
    assert len(capstone.endings) >= 3
    assert set(course.curriculum.ids) <= set(capstone.guide_points) | {
        gp for s in capstone.scenes for c in s.choices for gp in c.guide_points
    }


def test_question_and_reflection_counts(course: Course) -> None:
    assert len(course.all_questions()) >= 52
    assert all(len(course.modules[m].questions) >= 4 for m in MODULES)
    assert len(course.all_reflections()) == 13
    assert all(len(q.options) >= 2 and all(o.feedback for o in q.options) for q in course.all_questions())


def test_assessed_questions_per_hour_fit_home_study_norms(course: Course) -> None:
    """About 6-8 assessed questions per credit hour is the norm for home study (domain-facts.md)."""
    hours = sum(m.meta.minutes for m in course.modules.values()) / 60
    per_hour = len(course.all_questions()) / hours

    assert 5.5 <= per_hour <= 9, f"{per_hour:.1f} questions per hour over {hours:.2f} hours"
    assert 0 < course.curriculum.pass_mark <= 1


def test_the_cases_are_varied(course: Course) -> None:
    cases = course.all_vignettes()
    work = {k for v in cases for k in v.client.work}
    settings = {v.setting for v in cases}
    identities = {i for v in cases for i in v.client.identities}
    about_sex_work = sum(v.client.reason_is_sex_work for v in cases)

    assert len(work) >= 8, work
    assert len(settings) >= 8, settings
    assert identities >= REQUIRED_IDENTITIES, REQUIRED_IDENTITIES - identities
    assert about_sex_work <= len(cases) / 3, f"{about_sex_work} of {len(cases)} come because of sex work"


def test_every_decision_point_offers_a_real_choice(course: Course) -> None:
    """A sound answer (strong, or defensible with a trade-off) and something to weigh it against."""
    for v in course.all_vignettes():
        for scene in v.decision_points:
            fits = [c.fit for c in scene.choices]
            assert GOOD_FITS & set(fits), f"{v.id}/{scene.id} has no strong or defensible response"
            assert set(fits) - {"strong"}, f"{v.id}/{scene.id}: every response is strong"
            assert 2 <= len(scene.choices) <= 5, f"{v.id}/{scene.id} has {len(scene.choices)} responses"
        assert len(v.endings) >= 2 or v.module == "m00", f"{v.id} has one ending"
