"""Learner text is data, never markup: one place that makes it inert wherever it lands.

- ``clean_markdown``: a learner's Markdown with every HTML tag and attribute that could run script
  removed (nh3, the Python binding of the Ammonia sanitiser) and links kept only to safe schemes;
  emphasis, lists, headings, links, code and quotes stay Markdown.
- ``clean_html``: the same for HTML (raw cells, HTML outputs).
- ``csv_cell`` / ``safe_csv_writer``: spreadsheet cells that cannot start a formula (OWASP).
- ``rich_text``: a string Rich prints as it is, never as markup.
- ``markup_problem``: why a roster name cannot be imported (markup or control characters).

This module imports only nh3 and the standard library, so nbgrader preprocessors can use it.
"""

from __future__ import annotations

import csv
import html
import re
import unicodedata
from collections.abc import Iterable
from typing import IO, Any

import nh3

# HTML ---------------------------------------------------------------------------------------------------

SAFE_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
        "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
        "kbd", "li", "ol", "p", "pre", "s", "section", "span", "strong", "sub", "summary", "sup",
        "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
"""Formatting a reflection may use as HTML; no img (a remote image tracks whoever opens it)."""

SAFE_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "*": {"class", "lang"}}
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f\\]+")


def clean_html(text: str) -> str:
    """HTML with only ``SAFE_TAGS`` and ``SAFE_ATTRIBUTES``; script, style and their text removed."""
    return nh3.clean(
        text,
        tags=set(SAFE_TAGS),
        attributes={k: set(v) for k, v in SAFE_ATTRIBUTES.items()},
        url_schemes=set(SAFE_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def unsafe_url(url: str) -> bool:
    """True if a browser would read ``url`` as a scheme other than http(s) or mailto.

    Entities, backslash escapes, whitespace and control characters are removed first, as a
    Markdown renderer and a browser would (``java&#x09;script:``, ``javascript\\:``).
    """
    plain = _INVISIBLE.sub("", html.unescape(url)).lower()
    match = _SCHEME.match(plain)
    return match is not None and match.group(1) not in SAFE_SCHEMES


# Markdown link destinations: inline [text](dest), <dest> in pointy brackets, and [label]: dest.
_LINK_DEST = re.compile(r"(\]\(\s*)(<[^>\n]*>|(?:[^\s()]|\([^\s()]*\))+)|(\]:[ \t]*\n?[ \t]*)(<[^>\n]*>|\S+)")
_IMAGE = re.compile(r"(?<!\\)!\[")
"""A Markdown image becomes a link: an image from another host tells it who opened the page."""
_AUTOLINK = re.compile(r"<(https?://[^\s<>]+)>")
_QUOTE_MARKERS = re.compile(r"^((?:[ \t]*&gt;)+)", re.MULTILINE)


def _safe_destination(match: re.Match[str]) -> str:
    lead = match.group(1) if match.group(1) is not None else match.group(3)
    dest = match.group(2) if match.group(2) is not None else match.group(4)
    return lead + ("#unsafe-link-removed" if unsafe_url(dest.strip("<>")) else dest)


def clean_markdown(text: str) -> str:
    """A learner's Markdown, inert: raw HTML sanitised, links to unsafe schemes replaced.

    Text with a ``<`` goes through nh3, which parses it as HTML: tags outside ``SAFE_TAGS`` go
    (``<script>`` and ``<iframe>`` with everything inside them), event-handler and style
    attributes go, and stray ``<`` ``>`` ``&`` become entities, which Markdown shows as the
    characters. Quote markers (``>`` at the start of a line) are put back, and ``<https://...>``
    autolinks become ordinary links first. Without a ``<`` there is no tag to remove (entities such
    as ``&#60;`` show as text). Then Markdown links whose destination is not http(s) or mailto
    (``[x](javascript:...)``, also behind entities or escapes) point nowhere instead. Text that
    needs none of this is returned unchanged, so nbgrader still sees an untouched answer cell.
    Images (``![alt](url)``) become links to the image.
    """
    cleaned = text
    if "<" in text:
        cleaned = _AUTOLINK.sub(lambda m: f"[{m.group(1)}]({m.group(1)})", text)
        cleaned = clean_html(cleaned)
        cleaned = _QUOTE_MARKERS.sub(lambda m: m.group(1).replace("&gt;", ">"), cleaned)
    cleaned = _IMAGE.sub(r"\\![", cleaned)
    return _LINK_DEST.sub(_safe_destination, cleaned)


# Spreadsheets ----------------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is read as a formula by Excel, LibreOffice or Google Sheets."""


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula (OWASP's advice: prefix a single quote).

    Numbers (int, float) stay numbers; the course's scores are never negative. Every other value
    is text, and text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets
    a leading ``'``, so a spreadsheet shows it as text.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class SafeCsvWriter:
    """``csv.writer`` with every field quoted and every cell passed through ``csv_cell``."""

    def __init__(self, fh: IO[str]) -> None:
        self._writer = csv.writer(fh, quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_csv_writer(fh: IO[str]) -> SafeCsvWriter:
    """The one CSV writer for every file the course writes for a spreadsheet or an LMS."""
    return SafeCsvWriter(fh)


# Terminal ---------------------------------------------------------------------------------------------------


def rich_text(value: object) -> str:
    """``value`` as a string Rich prints literally: ``Ana Kim [she/her]`` keeps its brackets."""
    from rich.markup import escape

    return escape(str(value))


# Names -------------------------------------------------------------------------------------------------------

_MARKUP_CHARS = frozenset("<>")
_JOINERS = frozenset("\u200c\u200d")
"""Zero-width (non-)joiners: invisible, but needed to spell words in Persian, Hindi, emoji."""


def strip_markup_chars(value: str) -> str:
    """``value`` without the characters that would let nbgrader's pages read it as HTML."""
    return "".join(c for c in value if c not in _MARKUP_CHARS)


def markup_problem(value: str) -> str | None:
    """Why ``value`` (a name from a roster) cannot be imported as it is, or None if it can.

    nbgrader's formgrader puts names into its pages without escaping them, so a name holding
    ``<`` or ``>`` could run script in the instructor's browser; control characters would
    garble tables, CSV files and certificates.
    """
    bad = sorted({c for c in value if c in _MARKUP_CHARS})
    if bad:
        return (
            f"contains {' '.join(repr(c) for c in bad)}: names cannot hold < or > (nbgrader's "
            "formgrader would read them as HTML); remove them"
        )
    controls = sorted({c for c in value if unicodedata.category(c) in ("Cc", "Cf") and c not in _JOINERS})
    if controls:
        shown = " ".join(f"U+{ord(c):04X}" for c in controls)
        return f"contains control or invisible formatting characters ({shown}); remove them"
    return None


def printable(value: str) -> str:
    """``value`` with control and invisible formatting characters dropped (for a PDF or a table)."""
    return "".join(c for c in value if unicodedata.category(c) not in ("Cc", "Cf") or c in _JOINERS)


ROSTER_TEXT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "section",
    "lms_user_id",
    "sis_user_id",
    "sis_login_id",
)


def roster_field_problems(values: dict[str, str]) -> list[tuple[str, str]]:
    """(field, why) for each roster field holding markup or control characters.

    The roster reader reports these like any other bad row (file, line, field), and imports
    nothing until they are fixed: a name is never changed behind the instructor's back.
    """
    found = []
    for name in ROSTER_TEXT_FIELDS:
        why = markup_problem(values.get(name) or "")
        if why:
            found.append((name, f"{values[name]!r} {why}"))
    return found
