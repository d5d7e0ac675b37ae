"""The learner edition (issue 11, "Keys never reach a learner"): what it holds, and what it never holds.

The edition is built once for this module (``build_edition``, about 20 to 40 s, most of it the wheel
and nbgrader's generate_assignment). The checks of what it must not hold are written here on their
own, from the YAML of ``assessment/`` read directly, not through the command's guard; the guard is
tested apart, on a copy with a key planted in it.

Two checks follow ``assignments/source`` as it is: the released notebooks have as many
``module.posttest(`` cells as the source ones, and every non-notebook file of each source folder
(``mNN-posttest.json``, once the post-test assignment is built) is released beside the notebook.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import yaml

from affirming_care import edition
from affirming_care.cli import main

REPO = Path(__file__).resolve().parents[1]
ASSESSMENT = REPO / "assessment"
SOURCE = REPO / "assignments" / "source"
MODULES = sorted(p.name for p in SOURCE.iterdir() if (p / f"{p.name}.ipynb").is_file())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> edition.EditionReport:
    out = tmp_path_factory.mktemp("edition") / "learner-edition"
    report = edition.build_edition(out, root=REPO)
    print(f"edition built: {report.seconds}")
    return report


@pytest.fixture(scope="module")
def out(built: edition.EditionReport) -> Path:
    return built.out


def every_file(folder: Path) -> Iterator[tuple[str, bytes]]:
    """Each file of the edition as (path, bytes), and each member of every wheel or zip in it."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name, data = path.relative_to(folder).as_posix(), path.read_bytes()
        yield name, data
        if name.endswith((".whl", ".zip")):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    if not member.endswith("/"):
                        yield f"{name}!{member}", archive.read(member)


def flat(name: str, data: bytes) -> str:
    """The text of a file, lower case, whitespace collapsed; a JSON file's strings as well."""
    text = data.decode("utf-8", errors="replace")
    if name.endswith((".json", ".ipynb")):
        with contextlib.suppress(ValueError):
            text += "\n".join(json_strings(json.loads(text)))
    return " ".join(text.lower().split())


def json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from json_strings(v)


def key_texts() -> dict[str, str]:
    """Every post-test feedback and rationale, and every anchor, exemplar and reference rationale."""
    texts: dict[str, str] = {}
    for path in sorted((ASSESSMENT / "posttest").glob("m*.yml")):
        bank = yaml.safe_load(path.read_text(encoding="utf-8"))
        for slot in bank["slots"]:
            for v in slot["variants"]:
                texts[v["rationale"]] = f"{path.name} {slot['id']} {v['id']} rationale"
                for o in v["options"]:
                    texts[o["feedback"]] = f"{path.name} {slot['id']} {v['id']} {o['id']} feedback"
    for path in sorted((ASSESSMENT / "rubric").glob("m*.yml")):
        anchors = yaml.safe_load(path.read_text(encoding="utf-8"))
        for cid, levels in anchors["anchors"].items():
            for level in levels:
                texts[level["text"]] = f"{path.name} {cid} level {level['score']}"
        for e in anchors["exemplars"]:
            texts[e["text"]] = f"{path.name} {e['quality']} exemplar"
            for cid, s in e["scores"].items():
                texts[s["rationale"]] = f"{path.name} {e['quality']} {cid} rationale"
    # Level-0 anchors of two to four words ("No plan.") are generic phrases the content also uses.
    return {" ".join(t.lower().split()): item for t, item in texts.items() if len(t.split()) >= 5}


# --- What it holds ------------------------------------------------------------------------------


def test_the_edition_holds_what_a_learner_needs(out: Path, built: edition.EditionReport) -> None:
    stored = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in (out / "notebooks").glob("*.ipynb")) == stored
    assert "my-progress.ipynb" in stored
    for path in (REPO / "content").rglob("*"):
        if path.is_file():
            assert (out / "content" / path.relative_to(REPO / "content")).read_bytes() == path.read_bytes()
    assert built.modules == MODULES
    assert [p.name for p in sorted((out / "release").iterdir())] == MODULES
    assert built.wheel.is_file() and built.wheel.parent == out / "wheels"
    assert (out / "binder" / "requirements.txt").read_text().splitlines()[
        -1
    ] == f"./wheels/{built.wheel.name}"
    assert (out / "deploy" / "learner" / "labconfig" / "page_config.json").is_file()
    readme = (out / "README.md").read_text()
    assert "no answer key" in readme and built.wheel.name in readme
    info = json.loads((out / edition.INFO).read_text())
    assert info["modules"] == MODULES and info["branch"] == "learner-edition"


def test_the_notebooks_are_stored_without_outputs(out: Path) -> None:
    for path in sorted(out.rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert not [c for c in nb.cells if c.cell_type == "code" and c.outputs], path


def test_the_released_notebooks_are_nbgraders_student_versions(out: Path) -> None:
    for mid in MODULES:
        source = nbformat.read(SOURCE / mid / f"{mid}.ipynb", as_version=4)
        released = nbformat.read(out / "release" / mid / f"{mid}.ipynb", as_version=4)
        text = json.dumps(released)
        assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text, mid
        graded = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert len([c for c in released.cells if c.metadata.get("nbgrader", {}).get("grade")]) == len(graded)
        for cell in graded:
            if "BEGIN HIDDEN TESTS" in cell.source:
                twin = next(
                    c
                    for c in released.cells
                    if c.metadata.get("nbgrader", {}).get("grade_id") == cell.metadata.nbgrader.grade_id
                )
                hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
                assert hidden.strip() and hidden.strip() not in twin.source, (mid, cell.metadata.nbgrader)


def posttest_cells(nb: nbformat.NotebookNode) -> int:
    return sum(1 for c in nb.cells if c.cell_type == "code" and "module.posttest(" in c.source)


def test_the_release_has_the_post_test_cells_and_every_other_file_of_the_source(out: Path) -> None:
    """Follows assignments/source: 0 post-test cells and no item file until the post-test lands there."""
    for mid in MODULES:
        source = nbformat.read(SOURCE / mid / f"{mid}.ipynb", as_version=4)
        released = nbformat.read(out / "release" / mid / f"{mid}.ipynb", as_version=4)
        assert posttest_cells(released) == posttest_cells(source), mid
        for path in sorted((SOURCE / mid).rglob("*")):
            if (
                path.is_file()
                and path.suffix != ".ipynb"
                and not path.name.endswith(("-answers.json", ".pyc"))
            ):
                copy = out / "release" / mid / path.relative_to(SOURCE / mid)
                assert copy.read_bytes() == path.read_bytes(), copy
        if posttest_cells(source):
            assert (out / "release" / mid / f"{mid}-posttest.json").is_file(), mid


def test_the_manifest_lists_every_file_with_its_sha256(out: Path) -> None:
    listed = edition.read_manifest(out)
    files = {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in out.rglob("*")
        if p.is_file() and p.name != edition.MANIFEST
    }
    assert listed == files
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "--quiet", "-c", edition.MANIFEST], cwd=out, check=False)
        assert check.returncode == 0


# --- What it never holds ------------------------------------------------------------------------


def test_no_file_of_assessment_nor_any_source_assignment_is_in_the_edition(out: Path) -> None:
    forbidden = {
        hashlib.sha256(p.read_bytes()).hexdigest(): p.relative_to(REPO).as_posix()
        for folder in (ASSESSMENT, SOURCE)
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in (".yml", ".yaml", ".ipynb", ".md")
    }
    found = []
    for name, data in every_file(out):
        parts = re.split(r"[/!]", name)
        if "assessment" in parts or "tests" in parts or "/assignments/source/" in f"/{name}":
            found.append(name)
        if hashlib.sha256(data).hexdigest() in forbidden:
            found.append(f"{name} = {forbidden[hashlib.sha256(data).hexdigest()]}")
    assert found == []


def test_the_wheel_has_no_assessment_nor_source_assignments(built: edition.EditionReport) -> None:
    names = zipfile.ZipFile(built.wheel).namelist()
    assert "affirming_care/_course/content/rubric.yml" in names
    assert "affirming_care/_course/notebooks/my-progress.ipynb" in names
    assert "affirming_care/_course/assignments/nbgrader_config.py" in names
    assert [n for n in names if "assessment" in n.split("/") or "/source/" in n] == []


def test_no_post_test_key_nor_rubric_anchor_is_in_the_edition(out: Path) -> None:
    keys = key_texts()
    assert len(keys) > 500  # the bank and the anchors were read
    correct_true = re.compile(r"""["']?correct["']?\s*:\s*true""", re.IGNORECASE)
    found = []
    for name, data in every_file(out):
        text = flat(name, data)
        found += [f"{name}: {item}" for key, item in keys.items() if key in text]
        if not re.search(r"(^|/)content/[^/]+/checks\.yml$", name) and correct_true.search(text):
            found.append(f"{name}: correct flag")
    assert found == []


# --- The guard ----------------------------------------------------------------------------------


@pytest.fixture
def copy_of(out: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    return copy


@pytest.fixture(scope="module")
def needles() -> edition.Needles:
    return edition.instructor_needles(REPO)


def first_bank_variant() -> tuple[str, dict]:
    bank = yaml.safe_load((ASSESSMENT / "posttest" / "m02.yml").read_text(encoding="utf-8"))
    slot = bank["slots"][0]
    return slot["id"], slot["variants"][0]


@pytest.fixture
def small_tree(out: Path, tmp_path: Path) -> Path:
    """A few files of the edition (a release and the learners' settings), for the faster guard tests."""
    tree = tmp_path / "small"
    shutil.copytree(out / "release" / "m02", tree / "release" / "m02")
    shutil.copytree(out / "deploy", tree / "deploy")
    return tree


def test_the_guard_read_every_file_and_the_wheels_members(built: edition.EditionReport) -> None:
    files = [p for p in built.out.rglob("*") if p.is_file() and p.name != edition.MANIFEST]
    members = [n for n in zipfile.ZipFile(built.wheel).namelist() if not n.endswith("/")]
    assert built.scanned == len(files) - 1 + len(members)  # the wheel itself through its members
    assert built.needles > 1000


def test_a_rationale_planted_in_a_notebook_fails_the_guard_naming_the_file(
    copy_of: Path, needles: edition.Needles
) -> None:
    slot_id, variant = first_bank_variant()
    path = copy_of / "notebooks" / "m02-two-mistakes.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Why:\n" + variant["rationale"]))
    nbformat.write(nb, path)

    leaks, _ = edition.scan_edition(copy_of, needles)
    assert [str(leak) for leak in leaks] == [
        f"notebooks/m02-two-mistakes.ipynb: m02 {slot_id} {variant['id']} rationale (post-test bank)"
    ]


def test_keys_planted_in_a_zip_and_beside_an_item_file_fail_the_guard(
    small_tree: Path, needles: edition.Needles
) -> None:
    copy_of = small_tree
    slot_id, variant = first_bank_variant()
    right = next(o for o in variant["options"] if o["correct"])
    (copy_of / "wheels").mkdir()
    with zipfile.ZipFile(copy_of / "wheels" / "extra.zip", "w") as archive:
        archive.writestr("pkg/notes.txt", variant["options"][1]["feedback"])
    release = copy_of / "release" / "m02"
    (release / "answers.json").write_text(json.dumps({"a": {"text": right["text"], "correct": True}}))
    (release / "hint.md").write_text(f"The correct answer is: {right['text']}")

    found = {(leak.file, leak.item) for leak in edition.scan_edition(copy_of, needles)[0]}
    where = f"m02 {slot_id} {variant['id']}"
    assert found == {
        (
            "wheels/extra.zip!pkg/notes.txt",
            f"{where} option {variant['options'][1]['id']} feedback (post-test bank)",
        ),
        ("release/m02/answers.json", f"{where} option {right['id']}: a right option marked 'correct'"),
        ("release/m02/answers.json", edition.CORRECT_FLAG),
        ("release/m02/hint.md", f"{where} option {right['id']}: a right option marked 'correct'"),
    }


def test_option_texts_without_keys_pass_the_guard(small_tree: Path, needles: edition.Needles) -> None:
    """The keyless item files a release carries, every module's: stems and option texts, no leak."""
    from affirming_care.posttest import load_banks, public_bank

    for mid, bank in load_banks(ASSESSMENT / "posttest").items():
        (small_tree / "items" / mid).mkdir(parents=True)
        (small_tree / "items" / mid / f"{mid}-posttest.json").write_text(
            public_bank(bank).model_dump_json(indent=1)
        )
    assert edition.scan_edition(small_tree, needles)[0] == []


def test_the_guard_reads_the_keys_of_the_bank_named(tmp_path: Path, small_tree: Path) -> None:
    bank = tmp_path / "private"
    bank.mkdir()
    data = yaml.safe_load((ASSESSMENT / "posttest" / "m03.yml").read_text(encoding="utf-8"))
    secret = "A private rationale the shipped bank does not have, about asking before assuming anything."
    data["slots"][0]["variants"][0]["rationale"] = secret
    (bank / "m03.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (small_tree / "content").mkdir()
    (small_tree / "content" / "notes.md").write_text(secret)

    leaks, _ = edition.scan_edition(small_tree, edition.instructor_needles(REPO, bank))
    assert [leak.file for leak in leaks] == ["content/notes.md"]


# --- The command --------------------------------------------------------------------------------


@pytest.fixture
def fast_steps(
    monkeypatch: pytest.MonkeyPatch, built: edition.EditionReport, needles: edition.Needles
) -> None:
    """The wheel, the release and the keys taken from the module's build, so a build takes seconds."""

    def wheel(root: Path, work: Path) -> Path:
        work.mkdir(parents=True)
        return Path(shutil.copy2(built.wheel, work / built.wheel.name))

    def release(root: Path, work: Path, out: Path, bank: Path | None = None) -> list[str]:
        shutil.copytree(built.out / "release", out / "release")
        return MODULES

    monkeypatch.setattr(edition, "instructor_needles", lambda root, bank=None: needles)
    monkeypatch.setattr(edition, "build_wheel", wheel)
    monkeypatch.setattr(edition, "release_assignments", release)


def test_a_leak_stops_the_command_and_nothing_is_written(
    fast_steps: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slot_id, variant = first_bank_variant()
    settings = edition.copy_learner_settings

    def leaky(root: Path, out: Path, wheel: Path) -> None:
        settings(root, out, wheel)
        (out / "deploy" / "learner" / "README.txt").write_text(variant["options"][0]["feedback"])

    monkeypatch.setattr(edition, "copy_learner_settings", leaky)
    target = tmp_path / "edition"
    assert main(["edition", "--out", str(target)]) == 1
    err = capsys.readouterr().err
    assert "deploy/learner/README.txt" in err and f"{slot_id} {variant['id']} option" in err
    assert "nothing was written" in err
    assert not target.exists() and list(tmp_path.iterdir()) == []  # no half-built folder left behind


def test_a_folder_that_is_not_empty_is_refused_unless_forced(
    fast_steps: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "edition"
    (target / ".git").mkdir(parents=True)
    (target / ".git" / "HEAD").write_text("ref: refs/heads/learner-edition\n")
    (target / "old.txt").write_text("from an earlier build")

    assert main(["edition", "--out", str(target)]) == 1
    assert "is not empty" in capsys.readouterr().err and (target / "old.txt").exists()
    assert main(["edition", "--out", str(target), "--force"]) == 1  # not an edition: never replaced
    assert "holds no learner edition" in capsys.readouterr().err and (target / "old.txt").exists()

    (target / edition.INFO).write_text(json.dumps({"format": edition.EDITION_FORMAT}))

    assert main(["edition", "--out", str(target), "--force"]) == 0
    assert not (target / "old.txt").exists() and (target / ".git" / "HEAD").exists()
    assert set(edition.read_manifest(target)) == {
        p.relative_to(target).as_posix()
        for p in target.rglob("*")
        if p.is_file() and ".git" not in p.parts and p.name != edition.MANIFEST
    }
    assert "Learner edition written" in capsys.readouterr().out


def test_the_checkout_itself_is_refused() -> None:
    with pytest.raises(edition.EditionError, match="holds the course's source"):
        edition.build_edition(REPO, root=REPO, force=True)
    with pytest.raises(edition.EditionError, match="holds the course's source"):
        edition.prepare_out(REPO.parent, REPO, force=True)
    with pytest.raises(edition.EditionError, match="holds no learner edition"):
        edition.prepare_out(REPO / "src", REPO, force=True)


def test_every_non_notebook_file_of_a_source_folder_is_released(tmp_path: Path) -> None:
    """As the post-test assignment will have it: mNN.ipynb with mNN-posttest.json (and any other file)."""
    from affirming_care.posttest import load_banks, public_bank

    root = tmp_path / "checkout"
    source = root / "assignments" / "source" / "m00"
    shutil.copytree(SOURCE / "m00", source)
    items = public_bank(load_banks(ASSESSMENT / "posttest")["m00"]).model_dump_json(indent=1)
    (source / "m00-posttest.json").write_text(items)
    (source / "figures").mkdir()
    (source / "figures" / "note.txt").write_text("a file in a subfolder")
    (source / "m00-answers.json").write_text("{}")  # a stray answer file is never released

    out = tmp_path / "edition"
    assert edition.release_assignments(root, tmp_path / "work", out) == ["m00"]
    released = out / "release" / "m00"
    assert (released / "m00-posttest.json").read_text() == items
    assert (released / "figures" / "note.txt").read_text() == "a file in a subfolder"
    assert not (released / "m00-answers.json").exists()
    assert "BEGIN HIDDEN TESTS" not in (released / "m00.ipynb").read_text()


def test_without_a_bank_to_check_against_nothing_is_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["edition", "--out", str(tmp_path / "edition"), "--bank", str(tmp_path / "no-bank")]) == 1
    err = capsys.readouterr().err
    assert f"No post-test bank at {tmp_path / 'no-bank'}" in err and "--bank DIR" in err
    assert not (tmp_path / "edition").exists()


def test_an_edition_handed_in_by_learners_grades_to_the_expected_scores(out: Path, tmp_path: Path) -> None:
    """Learners answer the edition's released m02 in the widgets their kernel runs, hand it in as an
    LMS download, and the instructor's course folder grades each to what its seed and clicks earn."""
    from affirming_care.grading.autograde import autograde
    from affirming_care.grading.collect import zip_collect
    from affirming_care.grading.gradebook import gradebook
    from affirming_care.grading.init import init_course
    from affirming_care.grading.release import release
    from affirming_care.grading.roster import Learner, save_roster
    from affirming_care.module import Module
    from affirming_care.posttest import drawn_keys, load_banks, score_hand_in
    from affirming_care.store import read_answer_file

    mid = "m02"
    root = tmp_path / "course"
    init_course(root, modules=[mid])
    release(root, mid)
    save_roster(
        root, {sid: Learner(id=sid, first_name=sid.title(), last_name="Fictional") for sid in ("ana", "ben")}
    )
    bank = load_banks(root / "posttest")[mid]
    archive, expected, seeds = tmp_path / "download.zip", {}, {}
    with zipfile.ZipFile(archive, "w") as zf:
        for sid in ("ana", "ben"):
            folder = tmp_path / sid / mid
            shutil.copytree(out / "release" / mid, folder)
            module = Module(mid, graded=True, folder=folder)
            seed = seeds[sid] = module.store.posttest_seed()
            keys = drawn_keys(bank, seed)
            for slot in bank.slots:
                widget = module.posttest(slot.id)
                shown = [o["id"] for o in widget.data["options"]]  # the order this learner sees
                assert '"correct"' not in json.dumps(widget.data)
                choice = keys[slot.id] if sid == "ana" else shown[:1]  # ben clicks the first option shown
                widget.select(*choice)
                widget.submit()
            module.reflection().write("I would ask what the client wants from our time together today.")
            data = read_answer_file(folder / f"{mid}-answers.json", mid)
            assert data is not None and data.posttest is not None and data.posttest.seed == seed
            expected[sid] = float(score_hand_in(bank, seed, data.posttest.answers).earned)
            for name in (f"{mid}.ipynb", f"{mid}-answers.json"):
                zf.write(folder / name, f"{sid}_{mid}_{name}")
    assert seeds["ana"] != seeds["ben"]
    assert expected["ana"] == bank.max_points
    zip_collect(root, mid, [archive])
    autograde(root, mid)
    with gradebook(root) as gb:
        scores = {sid: gb.find_submission(mid, sid).code_score for sid in expected}
        manual = {sid: gb.find_submission(mid, sid).needs_manual_grade for sid in expected}
    assert scores == expected
    assert manual == {"ana": True, "ben": True}, "each reflection waits beside the rubric"
