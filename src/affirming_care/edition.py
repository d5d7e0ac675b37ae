"""The learner edition: everything a learner's environment or a hub image gets, and nothing else (issue 11).

``affirming_care edition --out DIR`` (or ``make edition``, into ``build/learner-edition``) builds it
from a checkout of the source repository:

- ``notebooks/``: the learning notebooks as stored (no outputs), the My progress notebook, figures;
- ``content/``: the learner YAML (practice checks answer at once by design, so their keys ship);
- ``wheels/``: a wheel of the package built from the checkout, whose ``affirming_care/_course/``
  holds ``content/``, ``notebooks/`` and ``assignments/nbgrader_config.py``: never ``assessment/``
  nor ``assignments/source`` (the wheel is built from a copy that holds neither);
- ``release/mNN/``: each module's student version, as nbgrader's ``generate_assignment`` writes it
  (hidden tests stripped) over a temporary course folder, with every non-notebook file of the
  source folder beside it (``mNN-posttest.json``, the keyless items);
- ``deploy/learner/`` and ``binder/``: the learners' Jupyter settings, and a Binder environment that
  installs the edition's own wheel;
- ``README.md`` for learners, ``EDITION.json`` (version, source commit) and ``MANIFEST.sha256``
  (every file with its SHA-256, checkable with ``sha256sum -c MANIFEST.sha256``).

The edition is built in a temporary folder beside ``DIR`` and moved into place only after the guard
(:func:`scan_edition`) has read every file of it, the wheel's members too, and found no post-test key
(each option's ``feedback``, each variant's ``rationale``, a right option's text next to the word
"correct", an option's ``correct`` flag set to true outside ``content/*/checks.yml``), no anchored-rubric level, exemplar or
reference rationale, and no facilitator-only case text. A folder that is not empty is refused unless
``force`` is given; a git folder inside it (``.git``, for publishing the edition as its own branch) is
kept.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import html
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from affirming_care import paths
from affirming_care.loader import ContentError

BRANCH = "learner-edition"
"""The name the edition is published under, as its own repository or as a branch of the course's."""
DEFAULT_OUT = Path("build") / "learner-edition"
MANIFEST = "MANIFEST.sha256"
INFO = "EDITION.json"
EDITION_FORMAT = "affirming-care/learner-edition"
KEEP = ".git"
"""Kept in an existing edition folder on ``force``: a git checkout of the published branch."""

WHEEL_SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "src", "content", "notebooks")
"""What the edition's wheel is built from, with ``assignments/nbgrader_config.py`` and nothing else."""
NEVER = shutil.ignore_patterns(
    "__pycache__",
    "*.pyc",
    ".ipynb_checkpoints",
    "*-answers.json*",
    "*.damaged*",
    ".DS_Store",
    "*.egg-info",
)
ARCHIVES = (".whl", ".zip")
CHECKS_FILE = re.compile(r"(?:^|/)content/[^/]+/checks\.ya?ml$")
CORRECT_TRUE = re.compile(r"""["']?\bcorrect\b["']?\s*:\s*true\b""", re.IGNORECASE)
CORRECT_FLAG = "an option's 'correct' flag set to true (an answer key), outside content/*/checks.yml"
CORRECT_WORD = re.compile(r"\bcorrect\b", re.IGNORECASE)
WINDOW = 120
"""Characters either side of a right option's text in which the word "correct" counts as a key."""
MIN_WORDS = 5
"""A text shorter than this ("No plan.", a level-0 anchor) is too common to be evidence of a leak; the
bank's feedback, rationales and right options are all longer."""
CASE_MIN_WORDS = 8
"""The same for a facilitator case's strings (names, short choices and labels are left out)."""


class EditionError(Exception):
    """The edition could not be built; the message says why and what to do."""


@dataclass(frozen=True)
class Leak:
    """One piece of instructor-only text found in one file of the edition."""

    file: str
    """Path inside the edition; a wheel's member as ``wheels/x.whl!affirming_care/...``."""
    item: str
    """Which key or anchor, e.g. ``m02 m02-p-repair v1 option b feedback``."""

    def __str__(self) -> str:
        return f"{self.file}: {self.item}"


class EditionLeakError(EditionError):
    def __init__(self, leaks: list[Leak]) -> None:
        self.leaks = leaks
        shown = "\n".join(f"  {leak}" for leak in leaks[:40])
        more = f"\n  ... and {len(leaks) - 40} more" if len(leaks) > 40 else ""
        super().__init__(
            f"The learner edition would contain {len(leaks)} piece(s) of instructor-only text; "
            f"nothing was written.\n{shown}{more}"
        )


@dataclass
class EditionReport:
    out: Path
    wheel: Path
    modules: list[str]
    files: int
    """Files in the edition, the manifest not counted."""
    scanned: int
    """Files and wheel members the guard read."""
    needles: int
    """Instructor-only texts the guard looked for."""
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# --- What the guard looks for ---------------------------------------------------------------------


def normalise(text: str) -> str:
    """Text as compared: HTML entities decoded, case folded, every run of whitespace one space."""
    return " ".join(html.unescape(text).casefold().split())


@dataclass
class Needles:
    """The instructor-only texts, normalised: text → the item it belongs to."""

    texts: dict[str, str] = field(default_factory=dict)
    right_options: dict[str, str] = field(default_factory=dict)
    """A right option's text → its item: a leak only next to the word "correct"."""
    public: list[str] = field(default_factory=list)
    """Stems and option texts, which the keyless item files hold; blanked before looking for "correct"."""

    def add(self, text: str, item: str, *, min_words: int = MIN_WORDS) -> None:
        norm = normalise(text)
        if norm and len(norm.split()) >= min_words:
            self.texts.setdefault(norm, item)

    def __len__(self) -> int:
        return len(self.texts) + len(self.right_options)


def bank_needles(needles: Needles, bank_folder: Path) -> None:
    """Every feedback, rationale and right option of the post-test bank in ``bank_folder``."""
    from affirming_care.posttest import load_banks

    for mid, bank in sorted(load_banks(bank_folder).items()):
        for slot in bank.slots:
            for v in slot.variants:
                where = f"{mid} {slot.id} {v.id}"
                needles.add(v.rationale, f"{where} rationale (post-test bank)")
                needles.public.append(normalise(v.stem))
                for o in v.options:
                    needles.add(o.feedback, f"{where} option {o.id} feedback (post-test bank)")
                    needles.public.append(normalise(o.text))
                    if o.correct and len(normalise(o.text).split()) >= MIN_WORDS:
                        needles.right_options.setdefault(
                            normalise(o.text), f"{where} option {o.id}: a right option marked 'correct'"
                        )
    needles.public.sort(key=len, reverse=True)


def anchor_needles(needles: Needles, anchors_folder: Path, content: Path) -> None:
    """Every level text, exemplar and reference rationale of the anchored rubric."""
    from affirming_care.anchors import load_anchors
    from affirming_care.loader import load_course

    course = load_course(content)
    reflections = {mid: m.reflection for mid, m in course.modules.items() if m.reflection}
    for mid, found in sorted(load_anchors(course.rubric, reflections, anchors_folder).items()):
        for cid, levels in found.anchors.items():
            for lv in levels:
                needles.add(lv.text, f"{mid} anchor {cid} level {lv.score} (anchored rubric)")
        for e in found.exemplars:
            needles.add(e.text, f"{mid} {e.quality} exemplar (anchored rubric)")
            for cid, s in e.scores.items():
                needles.add(s.rationale, f"{mid} {e.quality} exemplar {cid} rationale (anchored rubric)")


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield value, where
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{where}[{i}]")


def case_needles(needles: Needles, cases_folder: Path) -> None:
    """Every longer string of the facilitator-only cases (so learners meet them fresh)."""
    import yaml

    for path in sorted(cases_folder.glob("*.y*ml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for text, where in _strings(data, path.stem):
            needles.add(text, f"facilitator case {where}", min_words=CASE_MIN_WORDS)


def instructor_needles(root: Path, bank: Path | None = None) -> Needles:
    """What must never be in the edition, from the checkout's ``assessment/`` (or ``bank``)."""
    from affirming_care.anchors import anchors_root
    from affirming_care.facilitator_cases import cases_root
    from affirming_care.posttest import bank_root

    bank_folder = bank or bank_root()
    anchors_folder, cases_folder = anchors_root(), cases_root()
    needles = Needles()
    if not bank_folder.is_dir():
        raise EditionError(
            f"No post-test bank at {bank_folder}: the guard needs the keys it must keep out. "
            "Build the edition from a checkout of the source repository, or pass --bank DIR."
        )
    if not anchors_folder.is_dir():
        raise EditionError(
            f"No anchored rubric at {anchors_folder}: the guard needs the anchors and exemplars it must "
            "keep out. Build from a checkout of the source repository, or set AFFIRMING_CARE_ANCHORS=DIR."
        )
    try:
        bank_needles(needles, bank_folder)
        anchor_needles(needles, anchors_folder, root / "content")
    except ContentError as exc:
        problems = "\n".join(f"  {p}" for p in exc.problems)
        raise EditionError(f"The instructor material the guard reads has problems:\n{problems}") from None
    if cases_folder.is_dir():
        case_needles(needles, cases_folder)
    return needles


# --- The guard ------------------------------------------------------------------------------------


def haystack(name: str, data: bytes) -> str:
    """A file's text as the guard reads it: its raw text, and, for JSON, every string it holds."""
    text = data.decode("utf-8", errors="ignore")
    parts = [text]
    if name.endswith((".json", ".ipynb")):
        with contextlib.suppress(ValueError):
            parts += [s for s, _ in _strings(json.loads(text), "")]
    return normalise("\n".join(parts))


def _right_option_leaks(hay: str, needles: Needles, runs: set[tuple[str, ...]]) -> Iterator[str]:
    for text, item in needles.right_options.items():
        start = hay.find(text) if probe(text) in runs else -1
        while start >= 0:
            window = hay[max(0, start - WINDOW) : start + len(text) + WINDOW]
            for public in needles.public:
                if public in window:
                    window = window.replace(public, " ")
            if CORRECT_WORD.search(window):
                yield item
                break
            start = hay.find(text, start + 1)


def probe(text: str) -> tuple[str, ...]:
    """Three whole words from inside a normalised text (never its first or last word, which may be
    glued to punctuation in a file): if the text is in a file, these three words are among its own."""
    return tuple(text.split(" ")[1:4])


def leaks_in(name: str, data: bytes, needles: Needles) -> list[Leak]:
    """The instructor-only texts found in one file (``name`` is its path inside the edition).

    Each text is looked for only where its :func:`probe` is among the file's runs of three words,
    which makes the guard a few times faster without missing anything it would otherwise find.
    """
    hay = haystack(name, data)
    words = hay.split(" ")
    runs: set[tuple[str, ...]] = set(zip(words, words[1:], words[2:], strict=False))
    found = [item for text, item in needles.texts.items() if probe(text) in runs and text in hay]
    found += list(_right_option_leaks(hay, needles, runs))
    if not CHECKS_FILE.search(name) and CORRECT_TRUE.search(data.decode("utf-8", errors="ignore")):
        found.append(CORRECT_FLAG)
    return [Leak(name, item) for item in dict.fromkeys(found)]


def _members(name: str, data: bytes, depth: int = 0) -> Iterator[tuple[str, bytes]]:
    """A file, or if it is an archive, each of its members (archives inside archives, two levels deep).

    An archive is read through its members only: its own bytes are compressed (or, stored, the
    members' bytes again).
    """
    if not name.endswith(ARCHIVES) or depth > 1:
        yield name, data
        return
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if not info.is_dir():
                yield from _members(f"{name}!{info.filename}", archive.read(info), depth + 1)


def edition_files(folder: Path) -> list[Path]:
    """Every file of an edition folder, sorted, outside ``.git``."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and KEEP not in p.relative_to(folder).parts[:1])


def scan_edition(folder: Path, needles: Needles) -> tuple[list[Leak], int]:
    """Every leak in every file of ``folder`` (wheel members too), and how many files were read."""
    leaks: list[Leak] = []
    scanned = 0
    for path in edition_files(folder):
        for name, data in _members(path.relative_to(folder).as_posix(), path.read_bytes()):
            scanned += 1
            leaks += leaks_in(name, data, needles)
    return leaks, scanned


# --- The manifest ---------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path) -> Path:
    """``MANIFEST.sha256``: every file but itself, in ``sha256sum`` format (``sha256sum -c`` checks it)."""
    target = folder / MANIFEST
    lines = [f"{sha256(p)}  {p.relative_to(folder).as_posix()}" for p in edition_files(folder) if p != target]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def read_manifest(folder: Path) -> dict[str, str]:
    """The manifest as path → SHA-256."""
    out = {}
    for line in (folder / MANIFEST).read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        out[name] = digest
    return out


# --- Building -------------------------------------------------------------------------------------


def _copy(source: Path, target: Path) -> None:
    if not source.is_dir():
        raise EditionError(f"{source} is missing; the learner edition is built from a checkout of the course")
    shutil.copytree(source, target, ignore=NEVER)


def copy_notebooks(root: Path, out: Path) -> None:
    """The learning notebooks, as stored; refused if one was committed with outputs."""
    import nbformat

    _copy(root / "notebooks", out / "notebooks")
    if not (out / "notebooks" / "my-progress.ipynb").is_file():
        raise EditionError(
            f"{root / 'notebooks' / 'my-progress.ipynb'} is missing (the My progress notebook)"
        )
    for path in sorted((out / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
            raise EditionError(
                f"{root / 'notebooks' / path.name} has outputs; notebooks are stored without them "
                "(clear its outputs, then build again)"
            )


def copy_course(root: Path, out: Path) -> None:
    """``notebooks/`` and ``content/``, as stored."""
    copy_notebooks(root, out)
    _copy(root / "content", out / "content")


def build_wheel(root: Path, work: Path) -> Path:
    """A wheel of the package from a copy of the checkout that holds no assessment/ nor assignments/source."""
    tree = work / "tree"
    tree.mkdir(parents=True)
    for name in WHEEL_SOURCES:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=NEVER)
        elif source.is_file():
            shutil.copy2(source, tree / name)
        else:
            raise EditionError(f"{source} is missing; the wheel is built from a checkout of the course")
    (tree / "assignments").mkdir()
    shutil.copy2(root / "assignments" / "nbgrader_config.py", tree / "assignments" / "nbgrader_config.py")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist")]
    if _has_setuptools():
        command.append("--no-build-isolation")  # this environment's setuptools: no download
    result = subprocess.run(
        [*command, str(tree)], capture_output=True, text=True, check=False, timeout=900, cwd=work
    )
    wheels = sorted((work / "dist").glob("affirming_care-*.whl"))
    if result.returncode != 0 or not wheels:
        raise EditionError(f"Could not build the wheel:\n{(result.stdout + result.stderr)[-3000:]}")
    return wheels[0]


def _has_setuptools() -> bool:
    try:
        from importlib.metadata import version

        return int(version("setuptools").split(".")[0]) >= 69
    except Exception:
        return False


def release_assignments(root: Path, work: Path, out: Path, bank: Path | None = None) -> list[str]:
    """``release/mNN/``: nbgrader's student version of each source assignment, over a temporary course.

    Every non-notebook file of the source folder is in the release too, as nbgrader copies them; a
    file nbgrader's own rules skipped is copied here, so the release always carries what the source has.
    """
    from affirming_care.grading.course import GradingError, source_modules
    from affirming_care.grading.init import init_course
    from affirming_care.grading.release import release

    source = root / "assignments" / "source"
    course = work / "course"
    # TODO(issue 11): pass bank= directly once grading.init.init_course takes it on every branch.
    extra: dict[str, Any] = (
        {"bank": bank} if bank is not None and "bank" in inspect.signature(init_course).parameters else {}
    )
    try:
        modules = init_course(course, source=source, **extra).modules
        for mid in modules:
            release(course, mid)
    except GradingError as exc:
        raise EditionError(f"Could not release the assignments from {source}: {exc}") from None
    missing = sorted(set(source_modules(source)) - set(modules))
    if missing:
        raise EditionError(f"{source}: {', '.join(missing)} were not released")
    for mid in modules:
        target = out / "release" / mid
        shutil.copytree(course / "release" / mid, target, ignore=NEVER)
        for path in _non_notebook_files(source / mid):
            rel = path.relative_to(source / mid)
            if not (target / rel).exists():
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target / rel)
    return modules


def _non_notebook_files(folder: Path) -> list[Path]:
    """Every file of a source folder but its notebooks, leaving out answer files and caches."""
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.suffix != ".ipynb"
        and not any(NEVER(str(folder), [part]) for part in path.relative_to(folder).parts)
    ]


def copy_learner_settings(root: Path, out: Path, wheel: Path) -> None:
    """``deploy/learner`` and a ``binder/`` that installs the edition's own wheel."""
    _copy(root / "deploy" / "learner", out / "deploy" / "learner")
    binder = out / "binder"
    binder.mkdir()
    for name in ("runtime.txt", "postBuild", "start"):
        shutil.copy2(root / "binder" / name, binder / name)
    (binder / "requirements.txt").write_text(
        "# The Binder (repo2docker) environment of the learner edition: the course package from the\n"
        "# edition's own wheel, with the dependencies it lists. repo2docker runs this from the edition's root.\n"
        f"./wheels/{wheel.name}\n",
        encoding="utf-8",
    )


def source_commit(root: Path) -> str | None:
    """The checkout's commit, with ``-dirty`` if it has changes, or None outside git."""
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("-dirty" if dirty else "")


def project_version(root: Path) -> str:
    return str(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


LEARNER_README = """\
# Sex Work–Affirming Care: the learner edition

This folder is the course as a learner gets it: the learning notebooks, the course content, the
course's Python package, and each module's assignment. It holds no answer key of the graded
post-test and none of the grading material (rubric anchors, exemplars, facilitator-only cases).

Version {version}, built {built} from the course's source {commit}.

## What is here

```
notebooks/     one learning notebook per module (start with m00-welcome.ipynb), and my-progress.ipynb
content/       the cases, practice checks and reflection prompts the notebooks show
release/mNN/   each module's assignment, mNN.ipynb, with its post-test items (mNN-posttest.json)
wheels/        the course package: pip install wheels/{wheel}
deploy/learner the Jupyter settings for learners (nbgrader's instructor tools turned off)
binder/        the Binder environment for this edition
MANIFEST.sha256  every file with its SHA-256: `sha256sum -c MANIFEST.sha256` checks them
```

## Working on your own computer

You need Python 3.11 or newer. In this folder:

```
python3 -m venv .venv
.venv/bin/pip install wheels/{wheel}
JUPYTER_CONFIG_PATH="$PWD/deploy/learner" .venv/bin/jupyter lab notebooks/m00-welcome.ipynb
```

Every answer you give is saved at once in a file beside the notebook (`mNN-answers.json`), on your
computer only. Nothing is sent anywhere.

## In a facilitated cohort

Your facilitator gives you each module's assignment through JupyterHub (Nbgrader > Assignment List)
or as the files in `release/mNN/`. Keep `mNN-posttest.json` beside `mNN.ipynb`: the assignment reads
its questions from it. Your answers are saved in `mNN-answers.json`; hand in both files. The
post-test shows no feedback while you answer; your feedback comes back after grading.

The course gives no legal advice. Reporting duties and laws differ by place.
"""


GITIGNORE = """\
# A learner's own answers never leave their machine: never commit them to the published edition.
*-answers.json
*-answers.json.damaged-*
.ipynb_checkpoints/
__pycache__/
my-certificate.pdf
"""


def write_readme(out: Path, root: Path, wheel: Path, modules: list[str]) -> None:
    version, commit = project_version(root), source_commit(root)
    built = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    (out / "README.md").write_text(
        LEARNER_README.format(
            version=version, built=built, commit=commit or "(not a git checkout)", wheel=wheel.name
        ),
        encoding="utf-8",
    )
    info = {
        "format": EDITION_FORMAT,
        "version": version,
        "source_commit": commit,
        "built": built,
        "wheel": f"wheels/{wheel.name}",
        "modules": modules,
        "branch": BRANCH,
    }
    (out / INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    (out / ".gitignore").write_text(GITIGNORE, encoding="utf-8")


def _normalise_modes(folder: Path) -> None:
    """Readable by everyone who installs it (nbgrader's private course folder made some 0600)."""
    for path in folder.rglob("*"):
        if path.is_dir():
            path.chmod(0o755)
        elif path.is_file():
            path.chmod(0o755 if os.access(path, os.X_OK) else 0o644)


def prepare_out(out: Path, root: Path, force: bool) -> None:
    """Check ``out`` may be written: empty or missing, or ``force``; never the checkout or around it."""
    target = out.resolve()
    if target == root.resolve() or root.resolve().is_relative_to(target):
        raise EditionError(f"{out} holds the course's source; choose another folder for the edition")
    if target.exists() and not target.is_dir():
        raise EditionError(f"{out} is a file; the edition is written to a folder")
    if not target.is_dir() or not any(p.name != KEEP for p in target.iterdir()):
        return
    if not force:
        raise EditionError(
            f"{out} is not empty. Choose an empty folder, or pass --force to replace the learner "
            f"edition in it (a {KEEP} folder in it is kept)."
        )
    if not _is_edition(target):
        raise EditionError(
            f"{out} is not empty and holds no learner edition ({INFO} is missing or not one); "
            "--force replaces only an earlier edition. Choose an empty folder."
        )


def _is_edition(folder: Path) -> bool:
    try:
        info = json.loads((folder / INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and info.get("format") == EDITION_FORMAT


def _move_into_place(built: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        if old.name == KEEP:
            continue
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink()
    for new in built.iterdir():
        shutil.move(str(new), out / new.name)


def _timed(seconds: dict[str, float], name: str, step: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    try:
        return step()
    finally:
        seconds[name] = round(time.perf_counter() - start, 2)


def build_edition(
    out: Path, *, bank: Path | None = None, force: bool = False, root: Path | None = None
) -> EditionReport:
    """Build the learner edition into ``out``; raise EditionError (EditionLeakError for a leak).

    ``bank`` is the post-test bank the guard reads its keys from (default: the checkout's
    ``assessment/posttest``, or ``$AFFIRMING_CARE_BANK``); ``root`` the checkout (default: the one
    this package was installed from).
    """
    root = (root or paths.course_root()).resolve()
    out = Path(out)
    prepare_out(out, root, force)
    seconds: dict[str, float] = {}
    needles = _timed(seconds, "needles", lambda: instructor_needles(root, bank))
    out.resolve().parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{out.name}-", dir=out.resolve().parent) as tmp:
        work, built = Path(tmp) / "work", Path(tmp) / "edition"
        built.mkdir()
        _timed(seconds, "copy", lambda: copy_course(root, built))
        wheel = _timed(seconds, "wheel", lambda: build_wheel(root, work / "wheel"))
        (built / "wheels").mkdir()
        shutil.copy2(wheel, built / "wheels" / wheel.name)
        modules = _timed(seconds, "release", lambda: release_assignments(root, work, built, bank))
        copy_learner_settings(root, built, wheel)
        write_readme(built, root, wheel, modules)
        _normalise_modes(built)
        leaks, scanned = _timed(seconds, "guard", lambda: scan_edition(built, needles))
        if leaks:
            raise EditionLeakError(leaks)
        write_manifest(built)
        files = len(edition_files(built)) - 1
        _move_into_place(built, out)
    return EditionReport(
        out=out,
        wheel=out / "wheels" / wheel.name,
        modules=modules,
        files=files,
        scanned=scanned,
        needles=len(needles),
        seconds=seconds,
    )


# --- The command ----------------------------------------------------------------------------------


def cmd_edition(args: argparse.Namespace) -> int:
    try:
        report = build_edition(args.out, bank=args.bank, force=args.force)
    except EditionError as exc:
        print(f"affirming_care edition: {exc}", file=sys.stderr)
        return 1
    print(
        f"Learner edition written to {report.out}: {report.files} files, {len(report.modules)} "
        f"assignments released, wheel {report.wheel.name}."
    )
    print(
        f"Guard: {report.scanned} files and wheel members read, {report.needles} instructor-only "
        f"texts looked for, none found. Check it with: cd {report.out} && sha256sum -c {MANIFEST}"
    )
    print("Took " + ", ".join(f"{step} {secs:.1f} s" for step, secs in report.seconds.items()) + ".")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "edition", help="build the learner edition (no post-test keys, no grading material) into a folder"
    )
    p.add_argument(
        "--out", type=Path, required=True, help=f"an empty folder (make edition uses {DEFAULT_OUT})"
    )
    p.add_argument(
        "--bank",
        type=Path,
        default=None,
        help="the post-test bank whose keys the guard keeps out (default: assessment/posttest)",
    )
    p.add_argument("--force", action="store_true", help="replace what is in --out (a .git folder is kept)")
    p.set_defaults(func=cmd_edition)
