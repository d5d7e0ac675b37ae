"""What a package is made from: the module pages of a built book, and what each of them needs.

A built book (``jupyter-book build``, see ``affirming_care.testing.build_book``) has one page per
module, ``notebooks/mNN-*.html``, marked ``<meta name="affirming-care-module">``. Every case,
check and reflection on it carries its data as JSON (``script.ac-data``, the engine's input), so
what a module asks of a learner is read from the page itself: its cases, and its checks with the
answer key of the practice ones (already in the page: the engine explains them). Graded checks
carry no key, so they count towards progress but never towards the practice score.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

MODULE_PAGE = re.compile(r"^m(?:0\d|1\d)-[a-z0-9-]+\.html$")
JS_IMPORT = re.compile(r"""(?:\bimport\b[^'"]*?\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]""")
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)


class BookError(Exception):
    """The book folder cannot be packaged; the message names the file and what was expected."""


@dataclass(frozen=True)
class Check:
    id: str
    answer: tuple[str, ...] | None  # the right options of a practice check; None when graded


@dataclass
class ModulePage:
    id: str  # m02
    title: str
    path: str  # notebooks/m02-two-mistakes.html, relative to the book's root
    cases: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def config(self) -> dict[str, object]:
        """The module as the LMS adapter reads it (what counts towards progress and score)."""
        return {
            "id": self.id,
            "title": self.title,
            "cases": self.cases,
            "checks": [{"id": c.id, "answer": list(c.answer) if c.answer else None} for c in self.checks],
        }


def _item(page: Path, script_text: str) -> dict[str, Any]:
    try:
        data = json.loads(script_text)
    except json.JSONDecodeError as exc:
        raise BookError(f"{page}: an item's data (script.ac-data) is not JSON: {exc}") from exc
    if not isinstance(data, dict) or "kind" not in data or "id" not in data:
        raise BookError(f"{page}: an item's data (script.ac-data) has no kind or id")
    return data


def read_module(root: Path, page: Path) -> ModulePage | None:
    """The module a page teaches, or None when it is not a module page."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    meta = soup.find("meta", attrs={"name": "affirming-care-module"})
    if meta is None:
        return None
    h1 = soup.find("h1")
    title = h1.get_text(" ", strip=True) if h1 else str(meta.get("content"))
    module = ModulePage(id=str(meta.get("content")), title=title, path=page.relative_to(root).as_posix())
    for script in soup.find_all("script", class_="ac-data"):
        data = _item(page, script.string or "")
        if data["kind"] == "case":
            module.cases.append(str(data["id"]))
        elif data["kind"] == "check":
            options = data.get("options") or []
            answer = None
            if not data.get("graded"):
                answer = tuple(
                    sorted(str(o["id"]) for o in options if isinstance(o, dict) and o.get("correct"))
                )
            module.checks.append(Check(id=str(data["id"]), answer=answer))
    return module


def read_book(root: Path) -> list[ModulePage]:
    """Every module page of the built book at ``root`` (its ``_build/html``), in module order."""
    if not (root / "notebooks").is_dir() or not (root / "_static").is_dir():
        raise BookError(
            f"{root}: not a built book (expected notebooks/ and _static/ in it). "
            "Build the book first (`make book` writes _build/html), or name it with --book."
        )
    found = [
        read_module(root, p) for p in sorted((root / "notebooks").iterdir()) if MODULE_PAGE.match(p.name)
    ]
    modules = [m for m in found if m is not None]
    if not modules:
        raise BookError(
            f"{root / 'notebooks'}: no module pages (mNN-*.html with an affirming-care-module meta)"
        )
    return modules


def local_target(root: Path, base: str, url: str) -> str | None:
    """The file (relative to ``root``) that ``url``, written in the file ``base``, points to.

    None for another host, a data: or mailto: address, or an anchor on the same page.
    """
    if not url or REMOTE.match(url) or url.startswith(("#", "data:", "mailto:", "javascript:", "about:")):
        return None
    if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
        return None
    path = unquote(urlsplit(url).path)
    if not path:
        return None
    joined = PurePosixPath(base).parent / path
    parts: list[str] = []
    for part in joined.parts:
        if part == "..":
            if not parts:
                raise BookError(f"{root / base}: {url} points outside the book")
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _refs_of_text(name: str, text: str) -> list[str]:
    if name.endswith((".js", ".mjs")):
        return [m.group(1) for m in JS_IMPORT.finditer(text)]
    if name.endswith(".css"):
        return [m.group(1) or m.group(2) for m in CSS_URL.finditer(text)]
    return []


def page_assets(root: Path, page: str) -> set[str]:
    """Every file ``page`` loads (stylesheets, scripts and what they import, images, fonts)."""
    soup = BeautifulSoup((root / page).read_text(encoding="utf-8"), "html.parser")
    urls: list[str] = []
    for tag in soup.find_all(["script", "img", "source", "video", "audio", "iframe", "embed", "track"]):
        urls += [str(tag.get(a)) for a in ("src", "poster") if tag.get(a)]
        if tag.get("srcset"):
            urls += [part.strip().split(" ")[0] for part in str(tag["srcset"]).split(",")]
    for tag in soup.find_all("link"):
        rel = " ".join(tag.get("rel") or [])
        if tag.get("href") and any(r in rel for r in ("stylesheet", "icon", "preload", "modulepreload")):
            urls.append(str(tag["href"]))
    for tag in soup.find_all("object"):
        if tag.get("data"):
            urls.append(str(tag["data"]))
    found: set[str] = set()
    todo = [t for t in (local_target(root, page, u) for u in urls) if t]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        if not (root / name).is_file():
            raise BookError(f"{root / page}: it loads {name}, which is not in the built book")
        found.add(name)
        if name.endswith((".js", ".mjs", ".css")):
            text = (root / name).read_text(encoding="utf-8")
            todo += [t for t in (local_target(root, name, u) for u in _refs_of_text(name, text)) if t]
    return found
