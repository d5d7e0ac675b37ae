"""A malformed case file is reported with its file, line and field, and what was expected."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from affirming_care.cli import main
from affirming_care.loader import ContentError, load_vignette

MALFORMED = Path(__file__).parent / "fixtures" / "malformed"
CASES = sorted(p for p in MALFORMED.glob("*.yml") if p.name != "valid.yml")


def expectation(path: Path) -> tuple[int, str, str]:
    """Each fixture's first line says what the error must say: ``# expect: line=N field=F message=M``."""
    m = re.match(r"# expect: line=(\d+) field=(\S*) message=(.+)", path.read_text().splitlines()[0])
    assert m, f"{path} has no expect line"
    return int(m[1]), m[2], m[3]


def test_the_valid_case_loads() -> None:
    vignette = load_vignette(MALFORMED / "valid.yml")

    assert vignette.id == "m02-bad"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_each_malformed_file_names_its_line_and_field(path: Path) -> None:
    line, field, message = expectation(path)

    with pytest.raises(ContentError) as raised:
        load_vignette(path)

    problems = raised.value.problems
    assert any(p.line == line + 1 and p.field == field and message in p.message for p in problems), (
        f"expected line {line + 1}, field {field!r}, message containing {message!r}; got:\n{raised.value}"
    )
    assert all(p.path == path for p in problems)


def test_check_command_exits_nonzero_and_prints_file_line_field(
    mini_course: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = mini_course / "content" / "m02-two-mistakes" / "vignettes" / "m02-kai-intake.yml"
    bad.write_text(bad.read_text().replace("fit: strong", "fit: excellent"))

    code = main(["check"])

    err = capsys.readouterr().err
    assert code == 1
    assert re.search(r"m02-kai-intake\.yml:\d+: scenes\[0\]\.choices\[1\]\.fit: .*'excellent'", err), err


def test_unknown_guide_point_is_reported_at_its_line(
    mini_course: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checks = mini_course / "content" / "m02-two-mistakes" / "checks.yml"
    text = checks.read_text().replace(
        "guide_points: [MISTAKE-COERCION]", "guide_points: [MISTAKE-COERCIN]", 1
    )
    checks.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "MISTAKE-COERCIN]" in t)

    code = main(["check"])

    err = capsys.readouterr().err
    assert code == 1
    assert f"checks.yml:{line}: questions[0].guide_points: unknown guide point 'MISTAKE-COERCIN'" in err


def test_the_course_content_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check"])

    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Content is valid" in out.out
