"""The package works outside a checkout: a wheel carries the course's content and finds it.

Builds a wheel of this checkout (``pip wheel --no-deps``), installs it with ``--no-deps`` into a
fresh virtual environment that sees this environment's dependencies (a ``.pth`` line naming its
site-packages, so the checkout's own editable install is not seen), and runs ``affirming_care
check`` from a folder that is not a checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
THEME = REPO / "book" / "_theme" / "affirming_care_book"

pytestmark = pytest.mark.slow


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


# What a wheel is built from (deploy/z2jh/Dockerfile copies the same): built from a copy, so the
# build leaves nothing (build/, *.egg-info) in the checkout.
WHEEL_SOURCES = [
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "src",
    "content",
    "assignments",
    "notebooks",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in WHEEL_SOURCES:
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy2
        copy(
            REPO / name,
            source / name,
            **(
                {"ignore": shutil.ignore_patterns("*.egg-info", "__pycache__")}
                if (REPO / name).is_dir()
                else {}
            ),
        )
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work), str(source)], work)
    return next(work.glob("affirming_care-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel: Path) -> Path:
    """The bin folder of a fresh venv holding only the wheel (its dependencies come from this one)."""
    work = wheel.parent
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], work)
    purelib = Path(
        sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)})
    )  # the new venv's site-packages
    (purelib / "zz-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps",
         "--no-index", "--quiet", str(wheel)],
        work,
    )  # fmt: skip
    return venv / "bin"


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFFIRMING_CARE_")}
    env.pop("PYTHONPATH", None)
    return env


def test_the_wheel_carries_the_content_and_no_answer_file(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()

    assert "affirming_care/_course/content/m02-two-mistakes/module.yml" in names
    assert "affirming_care/_course/content/rubric.yml" in names
    assert "affirming_care/_course/assignments/nbgrader_config.py" in names
    assert "affirming_care/_course/notebooks/m02-two-mistakes.ipynb" in names
    assert not [n for n in names if "-answers.json" in n or "__pycache__" in n or "checkpoint" in n]


def test_the_installed_package_checks_its_content_from_another_folder(
    installed: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    where = run(
        [str(installed / "python"), "-c",
         "import affirming_care, affirming_care.content as c; print(affirming_care.__file__); print(c.CONTENT_ROOT)"],
        elsewhere, clean_env(),
    ).split()  # fmt: skip
    output = run([str(installed / "affirming_care"), "check"], elsewhere, clean_env())

    venv = installed.parent
    assert Path(where[0]).is_relative_to(venv), where  # the wheel's copy, not the checkout
    assert Path(where[1]).is_relative_to(venv) and where[1].endswith("_course/content"), where
    assert "Content is valid: 13 modules" in output, output


def test_the_content_override_is_still_honoured(installed: Path, tmp_path: Path) -> None:
    mini = REPO / "tests" / "fixtures" / "mini-course" / "content"
    env = dict(clean_env(), AFFIRMING_CARE_CONTENT=str(mini))
    output = run(
        [
            str(installed / "python"),
            "-c",
            "from affirming_care.loader import content_root; print(content_root())",
        ],
        tmp_path,
        env,
    )
    assert output.strip() == str(mini)


def test_the_book_theme_does_not_import_the_course_package() -> None:
    """The theme is a Sphinx extension: it must not need the command line (or any of the package)."""
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(THEME.glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.lstrip().startswith(("import affirming_care", "from affirming_care"))
    ]
    assert offenders == []


def test_the_dockerfile_installs_the_learner_editions_wheel_and_copies_no_source() -> None:
    """The hub image gets the learner edition (issue 11), not a wheel of the checkout."""
    dockerfile = (REPO / "deploy" / "z2jh" / "Dockerfile").read_text()
    copied = {word for line in dockerfile.splitlines() if line.startswith("COPY") for word in line.split()}
    assert "build/learner-edition" in copied
    assert not copied & {"src", "content", "assignments", "notebooks", "assessment", "setup.py"}
    assert (
        "sha256sum --quiet -c MANIFEST.sha256" in dockerfile and "wheels/affirming_care-*.whl" in dockerfile
    )


def test_no_module_finds_files_by_its_place_in_a_checkout() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in sorted((REPO / "src" / "affirming_care").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "parents[" in line and "__file__" in line
    ]
    assert offenders == []


def test_the_books_course_zip_installs_and_finds_its_content(tmp_path: Path) -> None:
    """What a learner does with the book's "Download the whole course": unzip, install, run."""
    sys.path.insert(0, str(THEME.parent))
    from affirming_care_book import downloads

    config = yaml.safe_load((REPO / "_config.yml").read_text())["sphinx"]["config"]
    made = downloads.write_course_zip(REPO, tmp_path / "site", config["affirming_care_course_download"])
    assert made is not None
    zipfile.ZipFile(tmp_path / "site" / made.path).extractall(tmp_path / "unzipped")
    course = tmp_path / "unzipped" / "affirming-care-course"
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path)
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    (purelib / "zz-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--quiet",
            "-e",
            str(course),
        ],
        tmp_path,
    )  # fmt: skip (an editable install, as `make course` makes)
    output = run([str(venv / "bin" / "affirming_care"), "check"], tmp_path, clean_env())
    where = run([str(venv / "bin" / "python"), "-c", "import affirming_care.content as c; print(c.CONTENT_ROOT)"],
                tmp_path, clean_env())  # fmt: skip

    assert "Content is valid: 13 modules" in output
    assert Path(where.strip()) == course / "content"
