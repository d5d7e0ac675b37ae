"""`make book` works in a used checkout: tool caches and dependency folders are never book pages.

pytest leaves ``.pytest_cache/README.md``; ruff, mypy, npm and virtual environments leave files
like it. Sphinx reads every page it finds that ``exclude_patterns`` does not exclude, and under
``-W`` a page outside the table of contents fails the build. This test lays such folders out in a
temporary tree and asks Sphinx's own file discovery, with the exclude patterns Jupyter Book gives
Sphinx from the course's ``_config.yml``, which pages it would read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from jupyter_book.config import get_final_config
from sphinx.project import Project

REPO = Path(__file__).resolve().parents[1]

# Folders that tools make in a checkout, each of which may hold a README.md or notebooks.
TOOL_FOLDERS = [
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    ".tox",
    ".venv",
    ".venv/lib/python3.11/site-packages/somepkg",
    "venv",
    "node_modules/some-package",
    "deploy/proxy/node_modules/configurable-http-proxy",
    "_build",
    "_build/html/_sources",
    "build/lib",
    "dist",
    "src/affirming_care.egg-info",
    "notebooks/.ipynb_checkpoints",
    "notebooks/__pycache__",
    "book/.ipynb_checkpoints",
    "tests/fixtures/mini-course/notebooks",
    ".git",
]


@pytest.fixture(scope="module")
def sphinx_excludes() -> list[str]:
    config, *_ = get_final_config(
        user_yaml=REPO / "_config.yml", cli_config={"latex_individualpages": False}, sourcedir=REPO
    )
    return list(config["exclude_patterns"])


def test_no_tool_cache_or_dependency_folder_is_read_as_a_page(
    tmp_path: Path, sphinx_excludes: list[str]
) -> None:
    for folder in TOOL_FOLDERS:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "README.md").write_text("# A tool's note\n")
        (tmp_path / folder / "page.ipynb").write_text("{}")
    (tmp_path / "book").mkdir(exist_ok=True)
    (tmp_path / "book" / "intro.md").write_text("# Welcome\n")
    (tmp_path / "notebooks" / "m00-welcome.ipynb").write_text("{}")

    docs = Project(tmp_path, {".md": "markdown", ".ipynb": "jupyter_notebook"}).discover(
        exclude_paths=sphinx_excludes
    )

    assert docs == {"book/intro", "notebooks/m00-welcome"}


def test_the_hidden_folders_pytest_leaves_are_excluded_by_name(sphinx_excludes: list[str]) -> None:
    """sphinx-external-toc drops pages missing from _toc.yml, but skips hidden folders while doing so."""
    for name in (".pytest_cache", ".ruff_cache", ".mypy_cache", ".venv", "node_modules", "_build"):
        assert any(name in pattern for pattern in sphinx_excludes), name
