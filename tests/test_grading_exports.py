"""The gradebook files: Canvas and Moodle imports, and the completion report at the pass mark."""

from __future__ import annotations

import csv
from pathlib import Path

from affirming_care.grading.course import CourseSettings, ModuleInfo
from affirming_care.grading.exports import (
    CANVAS_HEADER,
    MOODLE_HEADER,
    GradeTable,
    LearnerGrades,
    ModuleGrade,
    write_canvas_csv,
    write_completion_csv,
    write_moodle_csv,
)
from affirming_care.grading.roster import Learner


def table() -> GradeTable:
    settings = CourseSettings(
        pass_mark=0.75,
        modules={
            "m00": ModuleInfo(title="Welcome, and how this course works", number=0, minutes=30),
            "m02": ModuleInfo(title="The two most common mistakes", number=2, minutes=50),
        },
    )
    ana = LearnerGrades(
        Learner(id="ana.kim", first_name="Ana", last_name="Kim", email="ana@example.org", section="Tuesday"),
        {
            # The post-test at exactly 75% and the reflection above 8: passes.
            "m00": ModuleGrade("graded", 15.0, 20.0, 6.0, 8.0, 9.0, 12.0),
            # 72.5% overall, but the post-test alone is 68.75%: does not.
            "m02": ModuleGrade("graded", 14.5, 20.0, 5.5, 8.0, 9.0, 12.0),
        },
    )
    ben = LearnerGrades(
        Learner(
            id="ben.silva",
            first_name="Ben",
            last_name="Silva, Jr.",
            lms_user_id="4411",
            sis_login_id="bsilva",
        ),
        {
            "m00": ModuleGrade("waiting", 8.0, 20.0, 8.0, 8.0, None, 12.0),
            "m02": ModuleGrade("not submitted", None, 20.0, None, 8.0, None, 12.0),
        },
    )
    return GradeTable(
        settings=settings, modules=["m00", "m02"], max_scores={"m00": 20.0, "m02": 20.0}, learners=[ana, ben]
    )


def read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_canvas_file_has_the_header_canvas_requires_and_leaves_unfinished_grades_blank(
    tmp_path: Path,
) -> None:
    rows = read(write_canvas_csv(table(), tmp_path / "canvas.csv"))

    assert rows == [
        [
            *CANVAS_HEADER,
            "Module 0: Welcome, and how this course works",
            "Module 2: The two most common mistakes",
        ],
        ["    Points Possible", "", "", "", "", "20", "20"],
        ["Kim, Ana", "", "", "ana.kim", "Tuesday", "15", "14.5"],
        ["Silva, Jr., Ben", "4411", "", "bsilva", "", "", ""],
    ]
    assert CANVAS_HEADER == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def test_moodle_file_maps_learners_by_email_or_id_number(tmp_path: Path) -> None:
    rows = read(write_moodle_csv(table(), tmp_path / "moodle.csv"))

    assert rows[0] == [
        *MOODLE_HEADER,
        "Module 0: Welcome, and how this course works",
        "Module 2: The two most common mistakes",
    ]
    assert rows[1] == ["Ana", "Kim", "ana.kim", "ana@example.org", "15", "14.5"]
    assert rows[2] == ["Ben", "Silva, Jr.", "ben.silva", "", "", ""]


def test_completion_counts_modules_at_the_pass_mark_and_their_hours(tmp_path: Path) -> None:
    rows = read(write_completion_csv(table(), tmp_path / "completion.csv"))
    ana, ben = rows[1], rows[2]

    assert rows[0][8:] == [
        "m00",
        "m00 post-test (75% to pass)",
        "m00 reflection (8 to pass)",
        "m02",
        "m02 post-test (75% to pass)",
        "m02 reflection (8 to pass)",
    ]
    assert ana[:8] == ["ana.kim", "Ana", "Kim", "ana@example.org", "1", "m00", "0.50", ""]
    assert ana[8:] == ["passed", "6/8", "9/12", "not passed", "5.5/8", "9/12"]
    assert ben[4:8] == ["0", "", "0.00", "m00"]
    assert ben[8:] == ["waiting for a grader", "8/8", "not graded yet", "not submitted", "", ""]


def test_a_full_reflection_does_not_make_up_for_a_weak_post_test(tmp_path: Path) -> None:
    weak = ModuleGrade("graded", 13.0, 17.0, 1.0, 5.0, 12.0, 12.0)  # 76% overall, post-test 20%
    low_reflection = ModuleGrade("graded", 11.0, 17.0, 4.0, 5.0, 7.0, 12.0)

    assert weak.verdict(0.75) == "not passed"
    assert low_reflection.verdict(0.75) == "not passed"
    assert low_reflection.verdict(0.75, reflection_threshold=7) == "passed"


def test_a_lower_pass_mark_passes_more_modules(tmp_path: Path) -> None:
    rows = read(write_completion_csv(table(), tmp_path / "completion.csv", pass_mark=0.65))

    assert rows[0][-2] == "m02 post-test (65% to pass)"
    assert rows[1][4:7] == ["2", "m00 m02", f"{80 / 60:.2f}"]
