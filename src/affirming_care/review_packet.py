"""A reviewer's packet: the whole course's cases and checks in one printable HTML file.

``affirming_care review-packet --out packet.html`` writes, module by module, every case (every
scene, every response with its feedback and the client's voice, every variant and conditional
branch with its condition in words, every ending) and every practice check with every option's
feedback. It is one self-contained file: its style is inline, it loads nothing and runs no script
(the engine's JSON is left out), and every piece of text is escaped or rendered from Markdown with
raw HTML escaped (``render.md``). It links the review form (``book/review-form.md``), so a reviewer
can say what is wrong, where.
"""

from __future__ import annotations

import argparse
import re
from html import escape
from pathlib import Path
from typing import Any

from affirming_care import render
from affirming_care.loader import ContentError, Course, load_course

FORM_URL = "review-form.html"
"""The review form's page in the published book (``book/review-form.md``)."""

_DATA = re.compile(r'<script type="application/json" class="ac-data">.*?</script>', re.S)

STYLE = """
body { font-family: system-ui, sans-serif; line-height: 1.5; max-width: 50rem; margin: 1rem auto; padding: 0 1rem; color: #111; }
details > summary { font-weight: bold; }
.ac-feedback, .ac-variant, .ac-explanations { border-left: 4px solid #555; padding-left: .75rem; margin: .5rem 0; }
.ac-variant { border-color: #8a5a00; }
.ac-content-note { border: 2px solid #8a5a00; padding: .5rem 1rem; }
.ac-vignette, .ac-check { border-top: 2px solid #1a4f8b; margin-top: 2rem; padding-top: .5rem; }
.ac-id { font-family: monospace; color: #333; }
@media print { .ac-vignette { break-before: page; } a { color: inherit; } }
"""


def _printable(html: str) -> str:
    """Static item HTML for print: no engine data, every response and explanation open."""
    return _DATA.sub("", html).replace("<details", "<details open")


def packet_html(course: Course, form_url: str = FORM_URL) -> str:
    """The packet as one HTML document."""
    summaries = {p.id: p.summary for p in course.curriculum.points}
    form = escape(form_url, quote=True)
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Reviewer's packet: {escape(course.curriculum.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Reviewer's packet: {escape(course.curriculum.title)}</h1>",
        "<p>Every case, with every path, every version of a scene and every ending, and every practice "
        "check with the feedback on each option. Each item shows its id, so you can name it in your review. "
        f'Send what you find with the <a href="{form}">review form</a> (book/review-form.md).</p>',
    ]
    for mid, module in sorted(course.modules.items()):
        parts.append(f'<section class="ac-module" id="{escape(mid)}"><h2>{escape(module.meta.title)}</h2>')
        for vid, v in module.vignettes.items():
            parts.append(f'<p class="ac-id">Case id: {escape(vid)}</p>')
            parts.append(_printable(render.vignette_html(v, summaries)))
        for n, q in enumerate(module.questions, start=1):
            parts.append(f'<p class="ac-id">Check id: {escape(q.id)}</p>')
            parts.append(_printable(render.question_html(q, n, reveal=True, summaries=summaries)))
        parts.append(f'<p><a href="{form}">Report a problem with this module</a></p></section>')
    parts.append("</body></html>")
    return "".join(parts)


def cmd_review_packet(args: argparse.Namespace) -> int:
    try:
        course = load_course(args.content)
    except ContentError as exc:
        print(exc)
        return 1
    out: Path = args.out
    out.write_text(packet_html(course, args.form_url), encoding="utf-8")
    n_cases = len(course.all_vignettes())
    print(f"wrote {out}: {n_cases} cases and {len(course.all_questions())} checks")
    return 0


def register(subparsers: Any) -> None:
    """Add ``review-packet`` to the ``affirming_care`` command."""
    p = subparsers.add_parser("review-packet", help="write every case and check as one printable HTML file")
    p.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    p.add_argument("--content", type=Path, default=None, help="content folder (default: the course's)")
    p.add_argument("--form-url", default=FORM_URL, help="address of the review form page")
    p.set_defaults(func=cmd_review_packet)
