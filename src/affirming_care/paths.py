"""Where the course's own files are, in a checkout or in an installed package.

The package needs the course's content (the cases, checks, reflections and rubric), and its
instructor and author tools need the nbgrader source assignments and the notebooks. They are found
in this order:

1. ``$AFFIRMING_CARE_CONTENT`` names another content folder (read by ``loader.content_root``);
   it overrides only the content.
2. A package installed from a wheel (``pip install affirming-care``) carries its own copy in
   ``affirming_care/_course/``: ``content/``, ``assignments/`` and ``notebooks/``, copied there
   by the build step in ``setup.py``.
3. An editable install (``pip install -e .``, as ``make course`` does) reads the checkout it was
   installed from, which pip records in the package's ``direct_url.json`` (PEP 610).
4. Otherwise, the current folder (a checkout run with ``PYTHONPATH=src``).

Nothing here depends on where this file sits in a checkout.
"""

from __future__ import annotations

import json
from importlib import metadata, resources
from pathlib import Path
from urllib.parse import unquote, urlparse

DISTRIBUTION = "affirming-care"
PACKAGED = "_course"


def packaged_course() -> Path | None:
    """The copy of the course inside an installed wheel, or None in a checkout."""
    folder = resources.files("affirming_care") / PACKAGED
    return Path(str(folder)) if folder.is_dir() else None


def editable_checkout() -> Path | None:
    """The checkout this package was installed from with ``pip install -e``, or None."""
    try:
        raw = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not raw:
        return None
    info = json.loads(raw)
    url = urlparse(str(info.get("url", "")))
    if url.scheme != "file" or not (info.get("dir_info") or {}).get("editable"):
        return None
    return Path(unquote(url.path))


def course_root() -> Path:
    """The folder that holds ``content/``, ``assignments/`` and ``notebooks/`` for this package."""
    for candidate in (packaged_course(), editable_checkout()):
        if candidate is not None and (candidate / "content").is_dir():
            return candidate
    return Path.cwd()
