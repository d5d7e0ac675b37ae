"""A book page as it goes into a package: the LMS adapter added, links out of the package unlinked.

Inside an LMS the learner moves between activities with the LMS's own menu, so the book's
contents sidebar is left out; links to pages that are not in the package become plain text (the
page would not be there), and a page that asks anything of another host is refused.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath

from bs4 import BeautifulSoup, Tag

from .book import REMOTE, BookError, local_target

ADAPTER = "_static/lms-adapter.js"
LOADING = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "iframe": ("src",),
    "embed": ("src",),
    "track": ("src",),
    "object": ("data",),
    "input": ("src",),
}
CSS_REMOTE = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])(?:[a-z][a-z0-9+.-]*:)?//""", re.I)


def relative(from_page: str, target: str) -> str:
    """The relative address of ``target`` from ``from_page`` (both relative to the package root)."""
    depth = len(PurePosixPath(from_page).parent.parts)
    return "../" * depth + target


def _unlink(a: Tag) -> None:
    a.name = "span"
    for attr in list(a.attrs):
        if attr not in ("class", "lang", "dir"):
            del a.attrs[attr]


def _book_only(soup: BeautifulSoup, pages: set[str]) -> None:
    """Leave out what only the book has: its contents, search, launch links, its two columns."""
    for nav in soup.select("nav.ac-site-nav, nav.ac-prev-next, form.ac-search, aside.ac-launch"):
        keep = "ac-prev-next" in (nav.get("class") or []) and len(pages) > 1
        if not keep:
            nav.decompose()
    for column in soup.select("div.ac-page"):
        column["class"] = "ac-lms-page"
        column["style"] = "max-width: 48rem; margin: 0 auto; padding: 0 1rem;"


def _relink(root: Path, page: str, soup: BeautifulSoup, pages: set[str]) -> None:
    _book_only(soup, pages)
    for link in soup.find_all("link", rel=lambda r: r in ("prev", "next")):
        target = local_target(root, page, str(link.get("href", "")))
        if target not in pages:
            link.decompose()
    for a in soup.find_all("a", href=True):
        href = str(a["href"])
        if REMOTE.match(href) or href.startswith(("mailto:", "#")):
            continue
        target = local_target(root, page, href)
        if target is not None and target not in pages:
            if a.find_parent("nav"):
                a.decompose()
            else:
                _unlink(a)


def external_requests(html: str) -> list[str]:
    """What a page would load from another host (script, image, stylesheet, frame, style url)."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for tag in soup.find_all(list(LOADING)):
        for attr in LOADING[tag.name]:
            for url in str(tag.get(attr) or "").split(","):
                url = url.strip().split(" ")[0]
                if url and REMOTE.match(url):
                    found.append(f"<{tag.name} {attr}={url}>")
    for tag in soup.find_all("link", href=True):
        if REMOTE.match(str(tag["href"])) and not set(tag.get("rel") or []) & {"canonical", "license"}:
            found.append(f"<link href={tag['href']}>")
    for tag in soup.find_all(style=True):
        if CSS_REMOTE.search(str(tag["style"])):
            found.append(f"<{tag.name} style={tag['style']}>")
    for tag in soup.find_all("style"):
        if CSS_REMOTE.search(tag.get_text()):
            found.append("<style> with a url from another host")
    return found


def adapter_tags(soup: BeautifulSoup, page: str, config: dict[str, object]) -> list[Tag]:
    """The adapter's settings (JSON) and the adapter itself, for the head of ``page``."""
    data = soup.new_tag("script", attrs={"type": "application/json", "id": "ac-lms-config"})
    data.string = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    script = soup.new_tag("script", attrs={"type": "module", "src": relative(page, ADAPTER)})
    return [data, script]


def package_page(root: Path, page: str, pages: set[str], config: dict[str, object] | None) -> str:
    """The HTML of ``page`` for a package holding ``pages``; with ``config``, it runs the adapter."""
    soup = BeautifulSoup((root / page).read_text(encoding="utf-8"), "html.parser")
    _relink(root, page, soup, pages)
    if config is not None:
        head = soup.head or soup
        for tag in adapter_tags(soup, page, config):
            head.append(tag)
    html = str(soup)
    problems = external_requests(html)
    if problems:
        raise BookError(f"{root / page}: it asks for files from another host: {', '.join(problems)}")
    return html
