"""Install the course's JupyterLab settings into this environment.

    python -m affirming_care.tools.lab_settings

A wheel install puts ``jupyter/affirming-care.json`` there by itself (pyproject data-files); an
editable install (``pip install -e``, as ``make`` does) does not, so ``make`` runs this. The file
goes to ``{sys.prefix}/share/jupyter/lab/settings/overrides.d/``, where JupyterLab reads packages'
defaults; a learner's own settings still win. What it sets: the widget manager saves widget state
with the notebook, so a notebook reopened before its cells run shows each case and check.
"""

from __future__ import annotations

import shutil
import sys
from importlib.resources import files
from pathlib import Path

NAME = "affirming-care.json"


def install(prefix: Path | None = None) -> Path:
    target = Path(prefix or sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    source = files("affirming_care") / "jupyter" / NAME
    with source.open("rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return target


if __name__ == "__main__":
    print(f"installed {install()}")
