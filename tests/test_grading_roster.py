"""Setting up a course folder: the roster CSV (every bad row named by file, line and field) and `grade init`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from affirming_care.grading.course import COURSE_ENV, REPO, GradingError, course_root, load_settings
from affirming_care.grading.gradebook import gradebook
from affirming_care.grading.init import init_course
from affirming_care.grading.roster import RosterError, read_roster
from affirming_care.loader import cached_course
from test_grading_support import Material, grade, mini_two_modules


@pytest.fixture
def mini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Material]:
    """The two-module mini course, as the content for this test (in this process and the commands)."""
    mat = mini_two_modules(tmp_path)
    monkeypatch.setenv("AFFIRMING_CARE_CONTENT", str(mat.content))
    cached_course.cache_clear()
    yield mat
    cached_course.cache_clear()


GOOD = "id,first_name,last_name,email\nana.kim,Ana,Kim,ana.kim@example.org\nben.silva,Ben,Silva,\n"


def write(tmp_path: Path, text: str, name: str = "roster.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(RosterError) as exc:
        read_roster(path)
    return [str(p) for p in exc.value.problems]


def test_a_good_roster_reads_with_optional_columns_and_a_spreadsheet_bom(tmp_path: Path) -> None:
    path = write(
        tmp_path, "\ufeff" + GOOD.replace("email\n", "email,section\n").replace(".org\n", ".org,A\n")
    )
    path = write(tmp_path, path.read_text().replace("Silva,\n", "Silva,,B\n"))

    learners = read_roster(path)

    assert [(x.id, x.name, x.email, x.section) for x in learners] == [
        ("ana.kim", "Ana Kim", "ana.kim@example.org", "A"),
        ("ben.silva", "Ben Silva", "", "B"),
    ]


def test_a_semicolon_roster_from_a_european_spreadsheet_reads_too(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace(",", ";"))

    assert [x.id for x in read_roster(path)] == ["ana.kim", "ben.silva"]


def test_every_bad_row_is_named_by_file_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id,first_name,last_name,email\n"
        "ana.kim,Ana,Kim,ana.kim@example.org\n"
        "ana.kim,Ana,Kimura,ana@example.org\n"  # line 3: duplicate id
        "ben silva,Ben,Silva,ben@example.org\n"  # line 4: space in id
        "carmen,Carmen,Ortiz,carmen-at-example.org\n"  # line 5: email
        ",Dev,Patel,dev@example.org\n"  # line 6: empty id
        "elif,,,elif@example.org\n"  # line 7: no name
        "farah,Farah,Haddad\n",  # line 8: a field short
    )

    assert problems(path) == [
        f"{path}:3: id: 'ana.kim' is also on line 2",
        f"{path}:4: id: 'ben silva' may hold only letters, digits and . _ @ - (no spaces or +), "
        "because it names the learner's folder",
        f"{path}:5: email: 'carmen-at-example.org' does not look like an email address",
        f"{path}:6: id: is empty; every learner needs an id",
        f"{path}:7: first_name: first_name and last_name are both empty",
        f"{path}:8: has 3 fields, the header has 4",
    ]


def test_a_missing_or_misspelt_column_is_named_on_line_1(tmp_path: Path) -> None:
    path = write(tmp_path, "id,first_name,last_name,emial\nana,Ana,Kim,ana@example.org\n")

    found = problems(path)

    assert (
        found[0] == f"{path}:1: email: missing column; the header must have id, first_name, last_name, email"
    )
    assert found[1].startswith(f"{path}:1: emial: unknown column (check its spelling)")


def test_a_roster_that_is_not_utf8_says_how_to_save_it(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "ines,Inés,Reyes,ines@example.org\n", encoding="latin-1")

    assert problems(path) == [f"{path}:4: not UTF-8 text; save the roster as 'CSV UTF-8' and try again"]


def test_empty_and_header_only_rosters_are_refused(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "", "empty.csv")) == [
        f"{tmp_path / 'empty.csv'}:1: the file is empty; expected a header row"
    ]
    assert problems(write(tmp_path, "id,first_name,last_name,email\n", "head.csv")) == [
        f"{tmp_path / 'head.csv'}:2: no learners: the roster has a header but no rows"
    ]


def test_the_course_folder_comes_from_the_option_or_the_environment_never_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(COURSE_ENV, raising=False)
    with pytest.raises(GradingError, match="No course folder given"):
        course_root(None)
    with pytest.raises(GradingError, match="inside the course repository"):
        course_root(REPO / "cohort")
    monkeypatch.setenv(COURSE_ENV, str(tmp_path / "cohort"))

    assert course_root(None) == tmp_path / "cohort"
    assert course_root(tmp_path / "other") == tmp_path / "other"


def test_init_copies_config_and_source_and_imports_the_roster(tmp_path: Path, mini: Material) -> None:
    mat = mini
    root = tmp_path / "course"

    result = init_course(
        root, source=mat.source, roster=write(tmp_path, GOOD), exchange=tmp_path / "exchange"
    )

    assert result.modules == ["m02", "m04", "pre"] and result.roster is not None
    assert result.roster.added == ["ana.kim", "ben.silva"]
    assert (root / "source" / "m04" / "m04.ipynb").exists()
    config = (root / "nbgrader_config.py").read_text()
    assert "c.Autograde.exclude_overwriting" in config
    assert f"c.Exchange.root = {str(tmp_path / 'exchange')!r}" in config
    assert (tmp_path / "exchange").stat().st_mode & 0o777 == 0o777
    assert load_settings(root).modules["m04"].title == "The two most common mistakes"
    with gradebook(root) as gb:
        assert sorted((s.id, s.email) for s in gb.students) == [
            ("ana.kim", "ana.kim@example.org"),
            ("ben.silva", None),
        ]


def test_grade_init_with_a_bad_roster_prints_every_problem_and_imports_nothing(
    tmp_path: Path, mini: Material
) -> None:
    mat = mini
    bad = write(tmp_path, "id,first_name,last_name,email\nana kim,Ana,Kim,x\n")

    result = grade(
        "init", "--course", tmp_path / "course", "--roster", bad, "--source", mat.source, mat=mat, check=False
    )

    assert result.returncode == 1
    assert f"{bad}:2: id: 'ana kim' may hold only letters" in result.stderr
    assert f"{bad}:2: email: 'x' does not look like an email address" in result.stderr
    assert "2 problem(s) in the roster; nothing was imported." in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "course" / "gradebook.db").exists()


def test_steps_on_a_folder_that_is_not_set_up_say_what_to_run(tmp_path: Path) -> None:
    mat = Material(source=tmp_path, modules=[], content=None)

    result = grade("status", "--course", tmp_path / "nowhere", mat=mat, check=False)

    assert result.returncode == 1
    assert "is not a course folder yet" in result.stderr and "grade init" in result.stderr


def test_release_and_collect_refuse_a_module_that_is_not_there(tmp_path: Path, mini: Material) -> None:
    mat = mini
    root = tmp_path / "course"
    init_course(root, source=mat.source, modules=["m02"], roster=write(tmp_path, GOOD))

    released = grade("release", "m07", "--course", root, mat=mat, check=False)
    collected = grade("collect", "m02", "--course", root, mat=mat, check=False)
    bad_due = grade("release", "m02", "--due", "next friday", "--course", root, mat=mat, check=False)

    assert released.returncode == 1 and "No module 'm07'" in released.stderr
    assert collected.returncode == 1 and "has not been released yet" in collected.stderr
    assert bad_due.returncode == 1 and "write it like 2026-12-01 17:00" in bad_due.stderr


def test_the_formgrader_opens_jupyterlab_in_the_course_folder_on_this_computer_only(
    tmp_path: Path, mini: Material
) -> None:
    mat = mini
    root = tmp_path / "course"
    init_course(root, source=mat.source, modules=["m02"])

    result = grade("formgrader", "--course", root, "--port", "8765", "--dry-run", mat=mat)

    command = result.stdout.strip().splitlines()[-1].split()
    assert command[1:3] == ["lab", f"--ServerApp.root_dir={root}"]
    assert "--ip=127.0.0.1" in command and "--port=8765" in command
    assert "Nbgrader > Formgrader" in result.stdout
