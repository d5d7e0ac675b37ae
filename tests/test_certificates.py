"""Completion certificates: one PDF per learner who passed, read back with pypdf."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from affirming_care.cli import main
from affirming_care.grading.certificates import (
    COURSE_TITLE,
    Certificate,
    CertificateError,
    ModuleDone,
    cohort_certificates,
    quarter_hours,
    render_certificate,
)
from affirming_care.loader import load_course
from synthetic_cohort import Grade, make_cohort

ON = date(2026, 12, 1)


def text_of(path: Path) -> str:
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [(50, 0.75), (45, 0.75), (52, 0.75), (53, 1.0), (100, 1.75), (7, 0.0), (8, 0.25), (600, 10.0)],
)
def test_hours_are_the_module_minutes_to_the_nearest_quarter_hour(minutes: int, hours: float) -> None:
    assert quarter_hours(minutes) == hours


def mixed(i: int, module: str) -> Grade | None:
    """Learner 0 and 1 pass; 2 fails (a weak post-test and reflection); 3 waits for a grader; 4 handed in nothing.

    The mini course's gradebook has its two checks as the autograded part and the reflection
    (12 points) as the manually graded part.
    """
    return [Grade(1.0, 12), Grade(0.75, 8), Grade(0.5, 12), Grade(1.0, None), None][i]


def test_a_certificate_for_each_learner_who_passed_holds_name_modules_and_hours(
    mini_course: Path, tmp_path: Path
) -> None:
    root = tmp_path / "course"
    ids = make_cohort(root, load_course(), 5, grades=mixed)

    result = cohort_certificates(root, issuer="Harbour Community Health", on=ON)

    assert [lid for lid, _ in result.written] == ids[:2]
    text = text_of(result.written[0][1])
    assert "Ana Kim" in text
    assert COURSE_TITLE in text
    assert "Module 2: The two most common mistakes" in text
    assert "Estimated hours: 0.75 hours" in text
    assert "1 December 2026" in text
    assert "Issued by: Harbour Community Health" in text
    assert "Unverified" not in text
    assert "post-test reached 75% of its points on its own" in text and "reached 8 of 12 points" in text
    assert "Ben Okafor" in text_of(result.written[1][1])
    reasons = {n.learner_id: n.reason for n in result.not_yet}
    assert reasons == {
        ids[2]: "m02: post-test 1 of 2, below 75%",
        ids[3]: "m02 waits for a grader",
        ids[4]: "m02 not submitted",
    }


def test_the_list_of_certificates_gives_each_one_a_number(mini_course: Path, tmp_path: Path) -> None:
    root = tmp_path / "course"
    make_cohort(root, load_course(), 5, grades=mixed)

    result = cohort_certificates(root, on=ON)
    rows = list(csv.DictReader(result.manifest.open()))

    assert [r["Learner ID"] for r in rows] == [lid for lid, _ in result.written]
    numbers = [r["Certificate number"] for r in rows]
    assert len(set(numbers)) == 2 and all(len(n) == 14 for n in numbers)
    assert f"Certificate number: {numbers[0]}" in text_of(result.written[0][1])


def test_certificates_agree_with_the_completion_export(mini_course: Path, tmp_path: Path) -> None:
    from affirming_care.grading.exports import export_all

    root = tmp_path / "course"
    make_cohort(root, load_course(), 5, grades=mixed)

    exported = export_all(root)
    rows = list(csv.DictReader(exported.files["completion"].open()))
    certified = {lid for lid, _ in cohort_certificates(root, on=ON).written}

    assert certified == {r["Learner ID"] for r in rows if r["Modules passed"] == "1"}


def test_a_higher_pass_mark_certifies_fewer(mini_course: Path, tmp_path: Path) -> None:
    root = tmp_path / "course"
    make_cohort(root, load_course(), 5, grades=mixed)

    result = cohort_certificates(root, on=ON, pass_mark=0.95)

    assert len(result.written) == 1


def test_the_command_writes_the_certificates(
    mini_course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "course"
    make_cohort(root, load_course(), 5, grades=mixed)
    out = tmp_path / "pdfs"

    code = main(
        ["cohort", "certificates", "--course", str(root), "--out", str(out), "--issuer", "Harbour Community Health",
         "--date", "2026-12-01"]
    )  # fmt: skip
    printed = capsys.readouterr().out

    assert code == 0
    assert "2 certificates written" in printed and "No certificate yet" in printed
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        "certificate-ana.kim.pdf",
        "certificate-ben.okafor.pdf",
    ]
    with pytest.raises(SystemExit):
        main(["cohort", "certificates", "--course", str(root), "--date", "1 Dec"])
    assert "expected a date like 2026-12-01, got '1 Dec'" in capsys.readouterr().err


def test_a_name_the_font_cannot_draw_is_explained(tmp_path: Path) -> None:
    cert = Certificate(
        name="李小龍", modules=[ModuleDone(2, "The two most common mistakes", 50)], on=ON, issuer="X"
    )

    with pytest.raises(CertificateError, match="Pass --font"):
        render_certificate(cert, tmp_path / "c.pdf")
    assert not (tmp_path / "c.pdf").exists()


@pytest.mark.slow
def test_the_real_course_certificate_lists_every_module_and_the_total_hours(tmp_path: Path) -> None:
    course = load_course()
    root = tmp_path / "real"
    mids = sorted(course.modules)
    first = mids[0]
    # Learner 0 passes everything; learner 1 passes only the first module.
    make_cohort(
        root, course, 5, grades=lambda i, m: Grade(1.0, 12) if i != 1 or m == first else Grade(0.0, 0)
    )

    full = cohort_certificates(root, on=ON)
    partial = cohort_certificates(root, on=ON, partial=True, out=tmp_path / "partial")

    assert len(full.written) == 4
    text = text_of(full.written[0][1])
    minutes = sum(m.meta.minutes for m in course.modules.values())
    hours = quarter_hours(minutes)
    assert f"Estimated hours: {hours:g} hours" in text.replace(".00 ", " ")
    for mod in course.modules.values():
        assert f"Module {mod.meta.number}: {' '.join(mod.meta.title.split())}" in text
    assert f"Modules completed ({len(mids)} of {len(mids)})" in text
    assert len(partial.written) == 5
    one = text_of(dict(partial.written)["ben.okafor"])
    assert f"Modules completed (1 of {len(mids)})" in one
    assert f"has completed {COURSE_TITLE}" in text and f"has completed {COURSE_TITLE}" not in one


def test_a_certificate_says_the_course_is_completed_only_when_every_module_is(tmp_path: Path) -> None:
    """2 of the course's 13 modules released and both passed: "2 of 13 modules", never the course."""
    course = load_course()
    total = len(course.modules)
    first, second = sorted(course.modules)[:2]
    root = tmp_path / "course"
    # Learner 0 passes both released modules; learner 1 only the first; learner 2 neither.
    rule = [lambda m: Grade(1.0, 12), lambda m: Grade(1.0, 12) if m == first else Grade(0.0, 0)]
    ids = make_cohort(
        root, course, 3, modules=[first, second], grades=lambda i, m: rule[i](m) if i < 2 else Grade(0.0, 0)
    )

    full = cohort_certificates(root, on=ON)
    partial = cohort_certificates(root, on=ON, partial=True, out=tmp_path / "partial")

    assert [lid for lid, _ in full.written] == ids[:1]
    text = text_of(full.written[0][1])
    assert f"has completed 2 of {total} modules of {COURSE_TITLE}" in text
    assert f"has completed {COURSE_TITLE}" not in text
    assert f"Modules completed (2 of {total})" in text
    assert f"Module {course.module(first).meta.number}:" in text
    assert f"Module {course.module(second).meta.number}:" in text
    one = text_of(dict(partial.written)[ids[1]])
    assert f"has completed 1 of {total} modules of {COURSE_TITLE}" in one
    assert f"has completed {COURSE_TITLE}" not in one
    assert ids[2] not in dict(partial.written)


def test_every_module_of_the_course_passed_says_the_course_is_completed(
    mini_course: Path, tmp_path: Path
) -> None:
    root = tmp_path / "course"
    make_cohort(root, load_course(), 1)  # the mini course has one module

    text = text_of(cohort_certificates(root, on=ON).written[0][1])

    assert f"Ana Kim has completed {COURSE_TITLE}" in text
    assert "Modules completed (1 of 1)" in text


def test_a_name_with_markup_or_control_characters_prints_as_text(tmp_path: Path) -> None:
    modules = [ModuleDone(2, "The two most common mistakes", 50)]
    cert = Certificate(name="<b>Eve</b>\x07 [x] \u202e", modules=modules, on=ON, issuer="X", of_modules=13)
    text = text_of(render_certificate(cert, tmp_path / "c.pdf"))
    assert "<b>Eve</b> [x]" in text and "\x07" not in text and "\u202e" not in text
    assert f"has completed 1 of 13 modules of {COURSE_TITLE}" in text

    unverified = Certificate(name="Eve", modules=modules, on=ON, issuer="X", verified=False, of_modules=13)
    assert "reports having completed 1 of 13 modules of" in text_of(
        render_certificate(unverified, tmp_path / "u.pdf")
    )
