"""The reviewer's packet holds every case and every check, with every variant, in one safe file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from affirming_care.cli import main
from affirming_care.loader import cached_course
from affirming_care.render import md


def test_the_packet_holds_every_case_and_check_and_loads_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "packet.html"
    assert main(["review-packet", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    course = cached_course()
    cases, checks = course.all_vignettes(), course.all_questions()

    ids = set(re.findall(r'\bid="([^"]+)"', html))
    missing = [v.id for v in cases if v.id not in ids] + [q.id for q in checks if q.id not in ids]
    assert missing == []
    for v in cases:
        for s in v.scenes:
            assert f'id="{v.id}--{s.id}"' in html
            for x in s.variants:
                assert md(x.text) in html, f"{v.id}/{s.id}: a variant is missing"
        for e in v.endings:
            assert f'id="{v.id}--{e.id}"' in html
    for q in checks:
        for o in q.options:
            assert f'data-option="{o.id}"' in html
    # Printable and self-contained: every response open, no script, nothing fetched.
    assert "<script" not in html
    assert not re.search(r'\b(src|href)="(https?:)?//', html)
    assert "<details>" not in html and "<details " not in html.replace("<details open", "")
    assert 'href="review-form.html"' in html
    assert f"{len(cases)} cases and {len(checks)} checks" in capsys.readouterr().out
