"""Build one zip for an LMS from a built book: SCORM 1.2, SCORM 2004 4th edition or cmi5.

One activity per module (``per_module=True``): each module page is a SCO (or cmi5 AU) that runs
the LMS adapter itself. One activity for the whole course (``per_module=False``): the activity is
a small frame page (``course.html``) that runs the adapter and shows the module pages, linked to
each other by their previous and next links, inside it.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bs4 import BeautifulSoup

from .book import BookError, ModulePage, page_assets, read_book
from .manifest import Activity, Course, cmi5_manifest, scorm12_manifest, scorm2004_manifest
from .pages import ADAPTER, adapter_tags, external_requests, package_page

FORMATS = {"scorm12": scorm12_manifest, "scorm2004": scorm2004_manifest, "cmi5": cmi5_manifest}
MANIFEST = {"scorm12": "imsmanifest.xml", "scorm2004": "imsmanifest.xml", "cmi5": "cmi5.xml"}
COURSE_ID = "urn:affirming-care:course"
COURSE_TITLE = "Sex Work–Affirming Care: A Course for Therapists and Other Professionals"
COURSE_DESCRIPTION = (
    "Thirteen modules with branching cases, practice checks and reflections, for therapists and other "
    "professionals whose clients do sex work."
)
SHELL = "course.html"
# A stamp for every file in the zip, so the same book makes the same bytes.
STAMP = (2026, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Package:
    path: Path
    format: str
    activities: tuple[str, ...]
    size: int


def adapter_source() -> str:
    return resources.files("affirming_care.lms").joinpath("static/lms-adapter.js").read_text(encoding="utf-8")


def _config(fmt: str, activity: str, modules: list[ModulePage], mastery: float | None) -> dict[str, object]:
    return {
        "standard": fmt,
        "activity": activity,
        "mastery": mastery,
        "modules": [m.config() for m in modules],
    }


def _shell(fmt: str, modules: list[ModulePage], mastery: float | None) -> str:
    """The one page of a whole-course activity: the adapter, and the module pages in a frame."""
    soup = BeautifulSoup(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title></title><style>html,body{margin:0;height:100%}"
        "iframe{display:block;border:0;width:100%;height:100%}</style></head>"
        '<body><iframe id="ac-lms-content" title="The course"></iframe></body></html>',
        "html.parser",
    )
    assert soup.title is not None and soup.head is not None
    soup.title.string = COURSE_TITLE
    frame = soup.find("iframe")
    assert frame is not None
    frame["src"] = modules[0].path
    for tag in adapter_tags(soup, SHELL, _config(fmt, "course", modules, mastery)):
        soup.head.append(tag)
    return str(soup)


def _activities(modules: list[ModulePage], per_module: bool) -> tuple[Activity, ...]:
    if per_module:
        return tuple(
            Activity(m.id, m.title, f"{m.title} (module {int(m.id[1:])} of the course).", m.path, (m.path,))
            for m in modules
        )
    pages = (SHELL, *(m.path for m in modules))
    return (Activity("course", COURSE_TITLE, COURSE_DESCRIPTION, SHELL, pages),)


def _write(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, STAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def build_package(
    book: Path,
    fmt: str,
    out: Path,
    *,
    per_module: bool = True,
    modules: list[str] | None = None,
    mastery: float | None = None,
) -> Package:
    """Write ``out/affirming-care-<fmt>.zip`` from the built book at ``book`` and describe it.

    ``modules``: only these module ids (default: every module page). ``mastery``: a pass mark
    (0 to 1) on the practice score; without it an activity reports completion only.
    """
    if fmt not in FORMATS:
        raise BookError(f"unknown package format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if mastery is not None and not 0 <= mastery <= 1:
        raise BookError(f"mastery score {mastery}: expected a number from 0 to 1")
    found = read_book(book)
    if modules:
        unknown = sorted(set(modules) - {m.id for m in found})
        if unknown:
            raise BookError(f"{book}: no module page for {', '.join(unknown)}")
        found = [m for m in found if m.id in modules]
    pages = {m.path for m in found}
    shared = set().union(*(page_assets(book, m.path) for m in found)) | {ADAPTER}
    activities = _activities(found, per_module)
    course = Course(COURSE_ID, COURSE_TITLE, COURSE_DESCRIPTION, activities, tuple(sorted(shared)), mastery)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"affirming-care-{fmt}{'' if per_module else '-course'}.zip"
    with zipfile.ZipFile(target, "w") as zf:
        _write(zf, MANIFEST[fmt], FORMATS[fmt](course))
        for m in found:
            config = _config(fmt, m.id, [m], mastery) if per_module else None
            html = package_page(book, m.path, pages if not per_module else {m.path}, config)
            _write(zf, m.path, html.encode("utf-8"))
        if not per_module:
            _write(zf, SHELL, _shell(fmt, found, mastery).encode("utf-8"))
        for name in sorted(shared - {ADAPTER}):
            data = (book / name).read_bytes()
            if name.endswith(".css") and external_requests(f"<style>{data.decode('utf-8')}</style>"):
                raise BookError(f"{book / name}: it asks for files from another host")
            _write(zf, name, data)
        _write(zf, ADAPTER, adapter_source().encode("utf-8"))
    return Package(target, fmt, tuple(a.id for a in activities), target.stat().st_size)
