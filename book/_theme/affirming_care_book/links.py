"""Links in the built book: check every internal one, list every external one.

Internal links (to another page, a section, a picture, a stylesheet) must resolve to a file in the
built book and, with a ``#fragment``, to an element with that id: a broken one is a build error.
External links cannot be checked here (there is no internet on the build machines), so they are
listed in a report instead, with the pages that use them, for a person to check now and then.

Run as a script on a built book:

    python book/_theme/affirming_care_book/links.py _build/html [--report external-links.md]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

# Attributes that make the browser fetch something (or that a person follows).
LINK_ATTRS = {
    "a": "href",
    "link": "href",
    "area": "href",
    "script": "src",
    "img": "src",
    "source": "src",
    "iframe": "src",
    "audio": "src",
    "video": "src",
    "form": "action",
}
NOT_CHECKED_SCHEMES = {"mailto", "tel", "data", "javascript"}


@dataclass
class Page:
    """What one HTML file holds: its ids, and every link in it with its line number."""

    ids: set[str] = field(default_factory=set)
    links: list[tuple[int, str, str]] = field(default_factory=list)
    """(line, tag, url)"""


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if values.get(key):
                self.page.ids.add(values[key] or "")
        wanted = LINK_ATTRS.get(tag)
        url = values.get(wanted) if wanted else None
        if url is not None:
            self.page.links.append((self.getpos()[0], tag, url.strip()))
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            content = values.get("content") or ""
            if "url=" in content.lower():
                target = content[content.lower().index("url=") + 4 :].strip().strip("'\"")
                self.page.links.append((self.getpos()[0], "meta", target))

    handle_startendtag = handle_starttag


def read_page(path: Path) -> Page:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8", errors="replace"))
    collector.close()
    return collector.page


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme in ("http", "https")


@dataclass
class LinkReport:
    broken: list[str] = field(default_factory=list)
    """One line per broken internal link: page, line, link, and what is wrong."""
    external: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    """External address -> the pages (and lines) that link to it."""
    internal_count: int = 0


def check_site(root: Path) -> LinkReport:
    """Check the internal links of every HTML page under ``root`` and collect the external ones."""
    root = root.resolve()
    pages = {p: read_page(p) for p in sorted(root.rglob("*.html"))}
    report = LinkReport()
    for path, page in pages.items():
        here = path.relative_to(root).as_posix()
        for line, tag, url in page.links:
            if not url or url.startswith("{"):
                continue
            parts = urlsplit(url)
            if parts.scheme in NOT_CHECKED_SCHEMES:
                continue
            if is_external(url):
                report.external[url].append(f"{here}:{line}")
                continue
            if tag == "form" and url in ("", "."):
                continue
            report.internal_count += 1
            target = path if not parts.path else (path.parent / unquote(parts.path))
            if parts.path.endswith("/"):
                target = target / "index.html"
            try:
                target = target.resolve()
                target.relative_to(root)
            except ValueError:
                report.broken.append(f"{here}:{line}: {url} points outside the book")
                continue
            if not target.exists():
                report.broken.append(f"{here}:{line}: {url}: no such file in the built book")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else read_page(target).ids
                if fragment not in ids:
                    name = PurePosixPath(target.relative_to(root).as_posix())
                    report.broken.append(f"{here}:{line}: {url}: {name} has no element with id {fragment!r}")
    return report


def external_report_text(report: LinkReport, title: str = "External links in the built book") -> str:
    """The report as Markdown: each external address once, with the pages that use it."""
    lines = [
        f"# {title}",
        "",
        "These addresses are not checked by the build (the build machines have no internet).",
        "Check them by hand now and then. The book itself loads nothing from any of them:",
        "each is a link a reader may choose to follow.",
        "",
        f"{len(report.external)} external addresses; {report.internal_count} internal links checked.",
        "",
    ]
    for url in sorted(report.external):
        where = report.external[url]
        shown = ", ".join(where[:5]) + (f", and {len(where) - 5} more" if len(where) > 5 else "")
        lines.append(f"- <{url}> — {shown}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check internal links and list external links in a built book."
    )
    parser.add_argument("html", type=Path, help="the built book's HTML folder, for example _build/html")
    parser.add_argument("--report", type=Path, help="write the external links report here (Markdown)")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").exists() and not any(args.html.glob("*.html")):
        print(f"{args.html}: no HTML pages here; build the book first", file=sys.stderr)
        return 2
    report = check_site(args.html)
    text = external_report_text(report)
    if args.report:
        args.report.write_text(text, encoding="utf-8")
        print(f"External links report: {args.report} ({len(report.external)} addresses)")
    else:
        print(text)
    for problem in report.broken:
        print(f"broken link: {problem}", file=sys.stderr)
    return 1 if report.broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
