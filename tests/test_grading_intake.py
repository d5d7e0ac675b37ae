"""Collecting trusts nothing: roster ids only, no links followed, size limits, safe zip entries,
the newest whole hand-in, impersonation quarantined, regrading flagged, lateness shown, and a
course folder readable by the instructor alone.

Hand-ins are written straight into the exchange's inbound or into a zip, the way a hostile learner
(who can write there) would, not through nbgrader's submit. One course folder is made and
released once (the mini course's m02); each test works on its own copy.
"""

from __future__ import annotations

import io
import json
import os
import pwd
import shutil
import stat
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pytest

from affirming_care.assignments import write_assignments
from affirming_care.grading import intake
from affirming_care.grading.collect import STAMP_FORMAT, collect, summary_lines, zip_collect
from affirming_care.grading.course import (
    load_settings,
    make_private,
    private_course,
    save_settings,
    write_config,
)
from affirming_care.grading.gradebook import gradebook
from affirming_care.grading.init import init_course, secure_exchange
from affirming_care.grading.release import due_warning, release
from affirming_care.grading.roster import RosterError, read_roster
from affirming_care.loader import cached_course, load_course
from affirming_care.store import AnswerFile, CheckRecord

TESTS = Path(__file__).parent
MINI = TESTS / "fixtures" / "mini-course"
ME = pwd.getpwuid(os.geteuid()).pw_name
LEARNERS = ["ana.kim", "ben.okafor", "chioma.silva", "dev.patel", "ivan.novak"]
DUE = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


def roster_text(accounts: dict[str, str]) -> str:
    lines = ["id,first_name,last_name,email,account"]
    for sid in LEARNERS:
        first, last = sid.split(".")
        lines.append(f"{sid},{first.title()},{last.title()},{sid}@example.org,{accounts.get(sid, ME)}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A course folder with m02 released (due in the past) and an exchange beside it."""
    tmp = tmp_path_factory.mktemp("intake")
    content = tmp / "mini" / "content"
    shutil.copytree(MINI, tmp / "mini")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AFFIRMING_CARE_CONTENT", str(content))
        cached_course.cache_clear()
        write_assignments(load_course(content), tmp / "mini" / "notebooks", tmp / "source")
        roster = tmp / "roster.csv"
        roster.write_text(roster_text({"ivan.novak": "ivan.novak"}))  # ivan has an account of his own
        with private_course(tmp / "course"):
            init_course(tmp / "course", source=tmp / "source", roster=roster, exchange=tmp / "exchange")
            release(tmp / "course", "m02", due=DUE)
        yield tmp
    cached_course.cache_clear()


@pytest.fixture
def course(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(template / "course", tmp_path / "course", symlinks=True)
    shutil.copytree(template / "exchange", tmp_path / "exchange", symlinks=True)
    root = tmp_path / "course"
    settings = load_settings(root)
    settings.exchange = str(tmp_path / "exchange")
    save_settings(root, settings)
    write_config(root, settings)
    monkeypatch.setenv("AFFIRMING_CARE_CONTENT", str(template / "mini" / "content"))
    cached_course.cache_clear()
    return root


def notebook(root: Path, marker: str = "") -> bytes:
    nb = nbformat.read(root / "release" / "m02" / "m02.ipynb", as_version=4)
    nb.metadata["marker"] = marker
    return nbformat.writes(nb).encode()


def answers(marker: str = "a") -> bytes:
    store = AnswerFile(module="m02", checks={"m02-q-one": CheckRecord(selected=[marker])})
    return store.model_dump_json().encode()


def inbound(root: Path) -> Path:
    return Path(load_settings(root).exchange or "") / "affirming-care" / "inbound"


def hand_in(root: Path, sid: str, when: datetime, files: dict[str, bytes], tag: str = "r") -> Path:
    """A hand-in folder in the inbound, as nbgrader submit (or a learner by hand) makes one."""
    folder = inbound(root) / f"{sid}+m02+{when.strftime(STAMP_FORMAT)}+{tag}"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "timestamp.txt").write_text(when.strftime(STAMP_FORMAT))
    return folder


def honest(root: Path, marker: str = "") -> dict[str, bytes]:
    return {"m02.ipynb": notebook(root, marker), "m02-answers.json": answers()}


def by_reason(findings: list[intake.Finding]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in findings:
        out.setdefault(f.reason, set()).add(f.learner)
    return out


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def early(hours: int = 5) -> datetime:
    return DUE - timedelta(hours=hours)


def test_only_roster_ids_are_collected_and_the_others_are_left_in_place(course: Path) -> None:
    strangers = ["a b", "zoë", "=cmd|'calc'!A0", "+1", "-1", "@SUM(1)", "ana.kim2"]
    for sid in strangers:
        hand_in(course, sid, early(), honest(course))
    hand_in(course, "ana.kim", early(), honest(course))
    before = tree(course)

    result = collect(course, "m02")

    assert result.collected == ["ana.kim"]
    assert sorted(result.not_on_roster) == sorted(strangers)
    assert by_reason(result.findings)[intake.NOT_ON_ROSTER] == set(strangers)
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["ana.kim"]
    new = tree(course) - before - {".affirming-care", "submitted"}
    assert all(x.startswith("submitted/ana.kim") for x in new), new
    assert len(list(inbound(course).iterdir())) == len(strangers) + 1  # left where they were
    with gradebook(course) as gb:
        assert {s.id for s in gb.students} == set(LEARNERS)
    printed = "\n".join(summary_lines(result))
    assert repr("=cmd|'calc'!A0") in printed


def test_links_and_anything_not_a_regular_file_are_never_followed(course: Path) -> None:
    hand_in(course, "ana.kim", early(), honest(course))
    collect(course, "m02")
    private = course / "roster.csv"
    classmate = course / "submitted" / "ana.kim" / "m02" / "m02-answers.json"
    ben = hand_in(course, "ben.okafor", early(4), {"m02.ipynb": notebook(course)})
    (ben / "m02-answers.json").symlink_to(classmate)
    chioma = hand_in(course, "chioma.silva", early(4), {"m02.ipynb": notebook(course)})
    (chioma / "m02-answers.json").symlink_to(private)
    (chioma / "notes").symlink_to(course)  # a link to a folder
    dev = hand_in(course, "dev.patel", early(4), {"m02.ipynb": notebook(course)})
    os.mkfifo(dev / "m02-answers.json")

    result = collect(course, "m02")

    found = by_reason(result.findings)
    assert found[intake.LINK] == {"ben.okafor", "chioma.silva"}
    assert found[intake.NOT_REGULAR] == {"dev.patel"}
    assert sorted(result.collected) == ["ben.okafor", "chioma.silva", "dev.patel"]
    for sid in ("ben.okafor", "chioma.silva", "dev.patel"):
        folder = course / "submitted" / sid / "m02"
        assert sorted(p.name for p in folder.iterdir()) == ["m02.ipynb", "timestamp.txt"]
        assert not any(p.is_symlink() for p in folder.rglob("*"))
    private_text = private.read_bytes()
    assert not any(private_text in p.read_bytes() for p in (course / "submitted").rglob("*") if p.is_file())


def test_oversized_files_are_refused_unread_with_the_limit_named(course: Path) -> None:
    big = answers()[:-1] + b', "padding": "' + b"x" * 1_100_000 + b'"}'
    hand_in(course, "ana.kim", early(), {"m02.ipynb": notebook(course), "m02-answers.json": big})

    result = collect(course, "m02")

    [finding] = [f for f in result.findings if f.reason == intake.TOO_LARGE]
    assert finding.learner == "ana.kim"
    assert "1,000,000" in finding.detail and "m02-answers.json" in finding.detail
    assert not (course / "submitted" / "ana.kim" / "m02" / "m02-answers.json").exists()

    settings = load_settings(course)
    settings.max_notebook_bytes = 100  # configurable: now the notebook is too large as well
    save_settings(course, settings)
    hand_in(course, "ben.okafor", early(), honest(course))
    again = collect(course, "m02")
    [ben] = [f for f in again.findings if f.learner == "ben.okafor"]
    assert ben.reason == intake.TOO_LARGE and "'m02.ipynb' is " in ben.detail


def test_a_hand_in_owned_by_another_account_is_quarantined(course: Path) -> None:
    # ivan.novak's roster account is "ivan.novak"; these files are owned by this test's account.
    hand_in(course, "ivan.novak", early(), honest(course, "forged"))
    hand_in(course, "ana.kim", early(), honest(course))

    result = collect(course, "m02")

    assert result.collected == ["ana.kim"]
    [suspect] = [f for f in result.findings if f.reason == intake.IMPERSONATION]
    assert suspect.learner == "ivan.novak" and repr(ME) in suspect.detail
    assert not (course / "submitted" / "ivan.novak").exists()
    [kept] = list((course / "quarantine" / "ivan.novak" / "m02").iterdir())
    assert b"forged" in (kept / "m02.ipynb").read_bytes()

    settings = load_settings(course)
    settings.check_owner = False  # a hub where every learner's server runs as one account
    save_settings(course, settings)
    assert collect(course, "m02").collected == ["ivan.novak"]


def test_the_newest_whole_hand_in_wins_across_collects_and_the_other_is_kept_aside(course: Path) -> None:
    hand_in(
        course,
        "ana.kim",
        early(10),
        {"m02.ipynb": notebook(course, "first"), "m02-answers.json": answers("a")},
    )
    assert collect(course, "m02").collected == ["ana.kim"]
    assert collect(course, "m02").collected == []  # nothing new

    hand_in(course, "ana.kim", early(2), {"m02.ipynb": notebook(course, "second")}, tag="s")
    result = collect(course, "m02")

    folder = course / "submitted" / "ana.kim" / "m02"
    assert result.collected == ["ana.kim"]
    assert b"second" in (folder / "m02.ipynb").read_bytes()
    assert not (folder / "m02-answers.json").exists()  # never the older answer file mixed in
    found = by_reason(result.findings)
    assert found[intake.REPLACED] == {"ana.kim"} and found[intake.SUPERSEDED] == {"ana.kim"}
    [aside] = list((course / "superseded" / "ana.kim" / "m02").iterdir())
    assert sorted(p.name for p in aside.iterdir()) == ["m02-answers.json", "m02.ipynb", "timestamp.txt"]


def test_a_replaced_hand_in_graded_by_hand_is_flagged_and_its_old_score_cleared(course: Path) -> None:
    hand_in(course, "ana.kim", early(10), honest(course, "first"))
    collect(course, "m02")
    with gradebook(course) as gb:
        gb.add_submission("m02", "ana.kim")
        sub = gb.find_submission("m02", "ana.kim")
        [reflection] = [g for nb in sub.notebooks for g in nb.grades if g.cell.cell_type == "markdown"]
        reflection.manual_score, reflection.needs_manual_grade = 9.0, False
        gb.db.commit()

    hand_in(course, "ana.kim", early(1), honest(course, "second"), tag="t")
    result = collect(course, "m02")

    assert result.regrade == ["ana.kim"]
    [flag] = [f for f in result.findings if f.reason == intake.REGRADE]
    assert "9.0" in flag.detail
    with gradebook(course) as gb:
        grades = [g for nb in gb.find_submission("m02", "ana.kim").notebooks for g in nb.grades]
        assert all(g.manual_score is None for g in grades)
        assert any(g.needs_manual_grade for g in grades)
    kept = json.loads((course / ".affirming-care" / "regrade-m02.json").read_text())
    assert next(iter(kept["ana.kim"][0]["grades"].values()))["manual_score"] == 9.0


def test_lateness_is_shown_at_collect(course: Path) -> None:
    hand_in(course, "ana.kim", DUE + timedelta(hours=3, minutes=5), honest(course))
    hand_in(course, "ben.okafor", early(), honest(course))

    result = collect(course, "m02")

    assert result.late == {"ana.kim": 3 * 3600 + 300}
    assert any(
        line.startswith("Late: 1 hand-in(s)") and "ana.kim (3 h 5 min)" in line
        for line in summary_lines(result)
    )


def zip_of(entries: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buf.getvalue()


def test_zip_entries_that_would_land_outside_and_nested_archives_are_refused_by_name(
    course: Path, tmp_path: Path
) -> None:
    nb, ans = notebook(course), answers()
    hostile = {
        "../ana.kim_m02_20261120T100000Z_m02-answers.json": ans,
        "/tmp/ana.kim_m02_20261120T100000Z_m02.ipynb": nb,
        ".._m02_20261120T100000Z_m02.ipynb": nb,
        "._m02_20261120T100000Z_m02.ipynb": nb,
        "ana.kim_m02_20261120T100000Z_..\\..\\evil.json": ans,
        "ana.kim_m02_20261120T100000Z_more.zip": zip_of({"ana.kim_m02_m02.ipynb": nb}),
        "ana.kim_m02_20261120T100000Z_inner.json": zip_of({"x": b"y"}),  # an archive by its content
    }
    honest_entries = {
        "ben.okafor_m02_20261120T100000Z_m02.ipynb": nb,
        "ben.okafor_m02_20261120T100000Z_m02-answers.json": ans,
    }
    archive = tmp_path / "download.zip"
    archive.write_bytes(
        zip_of(
            hostile | honest_entries,
            links={"ana.kim_m02_20261120T100000Z_m02-answers.json": str(course / "roster.csv")},
        )
    )
    before = tree(course)

    result = zip_collect(course, "m02", [archive])

    assert result.collected == ["ben.okafor"]
    refused = {
        f.detail.split("zip entry ")[1].split(" ")[0] for f in result.findings if "zip entry" in f.detail
    }
    assert refused == {repr(n) for n in [*hostile, "ana.kim_m02_20261120T100000Z_m02-answers.json"]}
    found = by_reason(result.findings)
    assert set(found) == {intake.OUTSIDE, intake.NESTED, intake.LINK}
    new = tree(course) - before - {".affirming-care", "submitted"}
    assert new and all(x.startswith("submitted/ben.okafor") for x in new), new
    assert not (course.parent / "evil.json").exists() and not (course / "m02").exists()


def test_two_hand_ins_in_one_zip_the_newest_wins_whole(course: Path, tmp_path: Path) -> None:
    older, newer = "20261119T100000Z", "20261120T090000Z"
    archive = tmp_path / "download.zip"
    archive.write_bytes(
        zip_of(
            {
                f"ana.kim_m02_{older}_m02.ipynb": notebook(course, "older"),
                f"ana.kim_m02_{older}_m02-answers.json": answers("a"),
                f"ana.kim_m02_{newer}_m02.ipynb": notebook(course, "newer"),
            }
        )
    )

    result = zip_collect(course, "m02", [archive])

    folder = course / "submitted" / "ana.kim" / "m02"
    assert result.collected == ["ana.kim"]
    assert b"newer" in (folder / "m02.ipynb").read_bytes()
    assert not (folder / "m02-answers.json").exists()
    assert (folder / "timestamp.txt").read_text().startswith("2026-11-20 09:00:00")
    [finding] = result.findings
    assert (finding.learner, finding.reason) == ("ana.kim", intake.SUPERSEDED)
    [aside] = list((course / "superseded" / "ana.kim" / "m02").iterdir())
    assert b"older" in (aside / "m02.ipynb").read_bytes() and (aside / "m02-answers.json").exists()
    again = zip_collect(course, "m02", [archive])
    assert again.collected == [] and len(list((course / "superseded" / "ana.kim" / "m02").iterdir())) == 1


def test_every_file_the_commands_write_is_private_whatever_the_umask(course: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        hand_in(course, "ana.kim", early(), honest(course))
        os.chmod(next(inbound(course).iterdir()), 0o777)  # as nbgrader's submit leaves it
        archive = tmp_path / "download.zip"
        archive.write_bytes(zip_of({"ben.okafor_m02_20261120T100000Z_m02.ipynb": notebook(course)}))
        with private_course(course):
            collect(course, "m02")
            zip_collect(course, "m02", [archive])
            release(course, "m02", due=DUE)
    finally:
        os.umask(old)

    modes = {p: stat.S_IMODE(p.lstat().st_mode) for p in [course, *course.rglob("*")]}
    assert {oct(m) for p, m in modes.items() if p.is_dir()} == {"0o700"}
    assert {oct(m) for p, m in modes.items() if p.is_file()} == {"0o600"}
    exchange = Path(load_settings(course).exchange or "")
    assert stat.S_IMODE(exchange.stat().st_mode) == 0o1777
    assert stat.S_IMODE(inbound(course).stat().st_mode) & 0o1000
    made = [exchange, *[p for p in exchange.rglob("*") if p.is_dir() and "+m02+" not in str(p)]]
    assert all(stat.S_IMODE(p.stat().st_mode) != 0o777 for p in made)
    page = exchange / "affirming-care" / "feedback" / "0123abcd.html"  # as nbgrader releases one
    page.parent.mkdir(exist_ok=True)
    page.write_text("feedback")
    page.chmod(0o600)
    secure_exchange(exchange, "affirming-care")
    assert stat.S_IMODE(page.stat().st_mode) == 0o644  # the learner reads it


def test_make_private_leaves_links_alone_and_the_exchange_inside_as_it_is(
    course: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    outside.chmod(0o644)
    (course / "link").symlink_to(outside)
    settings = load_settings(course)
    inner = course / "exchange"
    inner.mkdir(mode=0o755)
    inner.chmod(0o1777)
    settings.exchange = str(inner)
    save_settings(course, settings)

    make_private(course)

    assert stat.S_IMODE(outside.stat().st_mode) == 0o644
    assert stat.S_IMODE(inner.stat().st_mode) == 0o1777


def test_a_due_date_in_the_past_is_warned_of_plainly(course: Path) -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert due_warning(now + timedelta(hours=1), now) is None
    warning = due_warning(now - timedelta(days=2, hours=3), now)
    assert warning is not None and "is in the past (2 day(s) and 3 hour(s) ago)" in warning
    assert "every hand-in will count as late" in warning

    result = release(course, "m02", due=DUE)
    assert result.warnings and "2026-11-20 17:00 UTC is in the past" in result.warnings[0]
    future = release(course, "m02", due=datetime.now(UTC) + timedelta(days=7))
    assert future.warnings == []


def test_the_roster_maps_accounts_and_refuses_a_bad_one(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "id,first_name,last_name,email,account\nana.kim,Ana,Kim,a@example.org,akim\nben,Ben,O,,\n"
    )
    ana, ben = read_roster(path)
    assert (ana.login, ben.login) == ("akim", "ben")

    path.write_text("id,first_name,last_name,email,account\nana.kim,Ana,Kim,a@example.org,../root\n")
    with pytest.raises(RosterError) as exc:
        read_roster(path)
    assert "roster.csv:2: account: '../root' is not an account name" in str(exc.value)


@pytest.mark.parametrize(
    ("name", "unsafe"),
    [
        ("ana.kim_m02_m02.ipynb", False),
        ("folder/ana.kim_m02_m02.ipynb", False),
        ("../ana.kim_m02_m02.ipynb", True),
        ("a/../../ana.kim_m02_m02.ipynb", True),
        ("/etc/ana.kim_m02_m02.ipynb", True),
        ("C:/ana.kim_m02_m02.ipynb", True),
        ("ana.kim_m02_..\\..\\evil.json", True),
        (".._m02_m02.ipynb", True),
        ("._m02_m02.ipynb", True),
        ("__MACOSX/._ana.kim_m02_m02.ipynb", True),
        ("a//b.ipynb", True),
    ],
)
def test_zip_entry_names_are_judged_before_anything_is_extracted(name: str, unsafe: bool) -> None:
    assert intake.unsafe_entry_name(name) is unsafe


def test_a_hand_in_folder_that_is_a_link_is_not_followed(course: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "m02.ipynb").write_bytes(notebook(course))
    (inbound(course) / f"ana.kim+m02+{early().strftime(STAMP_FORMAT)}+x").symlink_to(elsewhere)
    nested = hand_in(course, "ben.okafor", early(), honest(course))
    (nested / "sub").mkdir()
    (nested / "sub" / "notes.json").symlink_to(course / "roster.csv")

    result = collect(course, "m02")

    assert by_reason(result.findings)[intake.LINK] == {"ana.kim", "ben.okafor"}
    assert not (course / "submitted" / "ana.kim" / "m02" / "m02.ipynb").exists()
    assert not (course / "submitted" / "ben.okafor" / "m02" / "sub" / "notes.json").exists()


def test_a_hand_in_of_too_many_files_or_folders_too_deep_is_cut_off_and_said_so(course: Path) -> None:
    many = {f"note{i:03d}.json": b"{}" for i in range(intake.MAX_FILES + 5)}
    hand_in(course, "ana.kim", early(), honest(course) | many)
    deep = hand_in(course, "ben.okafor", early(), honest(course))
    (deep / "a" / "b" / "c" / "d" / "e").mkdir(parents=True)
    (deep / "a" / "b" / "c" / "d" / "e" / "x.json").write_text("{}")

    result = collect(course, "m02")

    found = by_reason(result.findings)
    assert "ana.kim" in found[intake.TOO_LARGE] and "ben.okafor" in found[intake.NOT_REGULAR]
    assert len(list((course / "submitted" / "ana.kim" / "m02").iterdir())) == intake.MAX_FILES + 1
    assert not (course / "submitted" / "ben.okafor" / "m02" / "a" / "b" / "c" / "d" / "e").exists()


def test_a_hand_in_with_nothing_usable_does_not_replace_the_one_collected(course: Path) -> None:
    hand_in(course, "ana.kim", early(10), honest(course, "good"))
    collect(course, "m02")
    later = hand_in(course, "ana.kim", early(1), {}, tag="later")
    (later / "m02.ipynb").symlink_to(course / "roster.csv")

    result = collect(course, "m02")

    assert result.collected == []
    assert by_reason(result.findings)[intake.LINK] == {"ana.kim"}
    assert b"good" in (course / "submitted" / "ana.kim" / "m02" / "m02.ipynb").read_bytes()
