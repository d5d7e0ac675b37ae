"""The course book's own Sphinx theme and build checks.

* A small theme (``theme/``): system fonts, one stylesheet, a skip link, landmarks, a contents
  sidebar, previous and next links, and launch links on module pages.
* Per page, only what the page needs: the course's script on pages with cases, checks or
  reflections; Sphinx's search scripts on the search page only; no ipywidgets state.
* Nothing from another host: a script or stylesheet from another host, MathJax, thebe or analytics
  is a build warning (an error under ``-W``), and is left out of the page.
* After the build: every internal link is checked (a broken one is a warning), the external links
  are listed in ``_build/external-links.md``, and ``index.html`` sends readers to the welcome page.
* A phone layout: the contents list is a ``<details>`` toggle (open beside the page on a wide
  screen, by CSS alone), and its part captions are not headings, so each page's first heading is
  its ``<h1>``.
* Module pages offer their notebook and the whole course as downloads (``downloads.py``), the
  launch links, and a choice to print the questions only; a ``404.html`` page links home.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

from . import downloads, launch, links

__version__ = "1.0.0"
THEME = "affirming-care"
HERE = Path(__file__).parent
logger = logging.getLogger(__name__)

# Sphinx adds these to every page; only the search page uses them.
SEARCH_ONLY_JS = {"documentation_options.js", "doctools.js", "sphinx_highlight.js"}
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_MARKERS = ('class="ac-vignette"', 'class="ac-check"', 'class="ac-reflection"', 'class="ac-evaluation"')
MODULE_PAGE = re.compile(r"^notebooks/(m(?:0\d|1[0-2]))-[a-z0-9-]+$")
THEME_CSS = "affirming-care-book.css"
VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>\s*')
# Block-level tags: a line break between them keeps words from gluing together where a page's text
# is read without its layout (the search snippets use textContent). Not <pre>: its text is kept as is.
BLOCK_TAGS = (
    "p|div|section|article|aside|li|ul|ol|dl|dt|dd|h[1-6]|table|thead|tbody|tr|td|th|caption|"
    "details|summary|blockquote|figure|figcaption|form|fieldset|legend|header|footer|nav"
)
# After a closing block tag, or before an opening one (never inside an empty element: :empty).
BETWEEN_BLOCKS = re.compile(rf"(</(?:{BLOCK_TAGS})>)(?=<)|>(?=<(?:{BLOCK_TAGS})\b)")
FIRST_H1_END = re.compile(r"</h1>")
FOOTER_PAGES = [("book/about", "About"), ("book/accessibility", "Accessibility"), ("book/privacy", "Privacy")]


def _option(context: dict[str, Any], name: str) -> Any:
    value = context.get(f"theme_{name}")
    return value if value not in (None, "") else None


def _is_remote(filename: str) -> bool:
    return bool(re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", filename, re.I))


def _filter_assets(app: Sphinx, pagename: str, context: dict[str, Any]) -> None:
    """Keep only what this page needs, and nothing from another host."""
    scripts = context.get("script_files", [])
    kept = []
    for js in scripts:
        name = str(getattr(js, "filename", js) or "")
        attributes = getattr(js, "attributes", {}) or {}
        if attributes.get("type") == WIDGET_STATE:
            continue  # the widgets' saved state: the page shows their static HTML instead
        if "mathjax" in name.lower() or "MathJax" in str(attributes.get("body", "")):
            continue  # reported by _check_page
        if _is_remote(name):
            logger.warning(
                "%s: a script from another host (%s) was left out: the book asks nothing of other hosts",
                pagename,
                name,
                type="affirming_care",
                subtype="third_party",
            )
            continue
        if name.rsplit("/", 1)[-1] in SEARCH_ONLY_JS and pagename != "search":
            continue
        kept.append(js)
    scripts[:] = kept

    styles = context.get("css_files", [])
    body = context.get("body", "")
    kept = []
    for css in styles:
        name = str(getattr(css, "filename", css) or "")
        if _is_remote(name):
            logger.warning(
                "%s: a stylesheet from another host (%s) was left out: the book asks nothing of other hosts",
                pagename,
                name,
                type="affirming_care",
                subtype="third_party",
            )
            continue
        base = name.rsplit("/", 1)[-1]
        if base.startswith("mystnb."):
            continue  # the notebook output styles the course needs are in affirming-care.css
        if base == "pygments.css" and 'class="highlight' not in body:
            continue
        kept.append(css)
    styles[:] = kept


def _check_page(app: Sphinx, pagename: str, context: dict[str, Any]) -> None:
    """No maths (MathJax would come from another host), no thebe, no analytics."""
    math = app.env.get_domain("math")
    if getattr(math, "has_equations", lambda _p: False)(pagename):
        logger.warning(
            "%s: this page has maths, which would need MathJax from another host; "
            "the course has no maths, so write it in words",
            pagename,
            type="affirming_care",
            subtype="mathjax",
        )


def _nav(context: dict[str, Any]) -> str:
    """The contents list: every page of the book, the current one marked for screen readers.

    Part captions label their list (``aria-labelledby``) but are not headings: the page's own
    ``<h1>`` is its first heading, for everyone who moves through a page by its headings.
    """
    toctree = context.get("toctree")
    if not toctree:
        return ""
    html = toctree(maxdepth=1, collapse=False, titles_only=True, includehidden=True)
    count = 0

    def caption(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return (
            f'<p class="ac-nav-caption" id="ac-nav-part-{count}">{match.group(1)}</p>\n'
            f'<ul aria-labelledby="ac-nav-part-{count}"'
        )

    html = re.sub(
        r'<p(?: aria-level="\d")? class="caption"(?: role="heading")?(?: aria-level="\d")?>'
        r'<span class="caption-text">(.*?)</span></p>\s*<ul',
        caption,
        html,
    )
    html = re.sub(
        r'<a class="current reference internal" href="#"',
        '<a class="current" aria-current="page" href="#"',
        html,
    )
    return html


def space_blocks(body: str) -> str:
    """Put a line break between block elements that touch, so their words never run together."""
    return BETWEEN_BLOCKS.sub(lambda m: (m.group(1) or ">") + "\n", body)


def split_after_h1(body: str) -> tuple[str, str]:
    """The body up to and including its first ``</h1>``, and the rest (all of it, if no h1)."""
    match = FIRST_H1_END.search(body)
    if not match:
        return "", body
    return body[: match.end()], body[match.end() :]


TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.S)
CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.S)


def wrap_tables(body: str) -> str:
    """Put each table in a region that scrolls sideways by itself on a narrow screen.

    Tables need their two-dimensional layout (WCAG 1.4.10 allows them to scroll), but the page
    around them must not. The region can take the keyboard focus, so it can be scrolled
    without a mouse, and is named after the table's caption.
    """
    count = 0

    def wrap(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        caption = CAPTION.search(match.group(0))
        name = re.sub(r"<[^>]+>", "", caption.group(1)).strip() if caption else f"Table {count}"
        return (
            f'<div class="ac-table" role="region" tabindex="0" aria-label="{escape(name)}">'
            f"{match.group(0)}</div>"
        )

    return TABLE.sub(wrap, body)


def _launch(app: Sphinx, pagename: str, context: dict[str, Any]) -> list[launch.LaunchLink]:
    if context.get("page_source_suffix") != ".ipynb":
        return []
    buttons = _option(context, "launch_buttons") or {}
    if not isinstance(buttons, dict):
        return []
    book_path = (_option(context, "path_to_docs") or "").strip("/")
    notebook = "/".join(p for p in (book_path, pagename + ".ipynb") if p)
    try:
        return launch.launch_links(
            notebook_path=notebook,
            repository_url=_option(context, "repository_url") or "",
            branch=_option(context, "repository_branch") or "main",
            jupyterhub_url=buttons.get("jupyterhub_url") or "",
            binderhub_url=buttons.get("binderhub_url") or "",
            notebook_interface=buttons.get("notebook_interface") or "jupyterlab",
        )
    except ValueError as exc:
        logger.warning("%s", exc, type="affirming_care", subtype="launch", once=True)
        return []


def _module_downloads(app: Sphinx, pagename: str, context: dict[str, Any]) -> dict[str, Any]:
    """The notebook download (written beside the page), the course zip, and the launch links."""
    if context.get("page_source_suffix") != ".ipynb":
        return {}
    pathto = context["pathto"]
    source = Path(app.env.doc2path(pagename))
    notebook = downloads.write_notebook(source, Path(app.outdir), pagename)
    course: downloads.Download | None = getattr(app, "ac_course_zip", None)
    return {
        "notebook": notebook,
        "notebook_href": pathto(notebook.path, 1),
        "notebook_name": notebook.path.rsplit("/", 1)[-1],
        "course": course,
        "course_href": pathto(course.path, 1) if course else "",
        "launch": _launch(app, pagename, context),
        "how_to": pathto("book/how-to-use")
        if context.get("hasdoc", lambda _d: False)("book/how-to-use")
        else "",
        "repository": _option(context, "repository_url") or "",
    }


def page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Runs after every other extension has added its files to the page."""
    if app.builder.format != "html":
        return
    body = context.get("body", "")
    has_widgets = any(marker in body for marker in WIDGET_MARKERS)
    context["body"] = body = space_blocks(wrap_tables(body))
    if has_widgets:
        app.add_js_file("affirming-care.js", type="module")
    _filter_assets(app, pagename, context)
    _check_page(app, pagename, context)
    # The layout writes the viewport tag on every page (the search page's metatags have none).
    context["metatags"] = VIEWPORT.sub("", context.get("metatags", ""))
    match = MODULE_PAGE.match(pagename)
    context["ac_module"] = match.group(1) if match else ""
    context["ac_has_widgets"] = has_widgets
    context["ac_nav"] = _nav(context)
    context["ac_tools"] = _module_downloads(app, pagename, context)
    context["ac_body_head"], context["ac_body_rest"] = split_after_h1(body)
    context["author"] = app.config.author
    has_doc = context.get("hasdoc", lambda _d: False)
    pathto = context["pathto"]
    context["ac_footer_links"] = [(pathto(doc), text) for doc, text in FOOTER_PAGES if has_doc(doc)]
    if pagename == "404":
        base = (app.config.html_baseurl or "").rstrip("/")
        context["ac_home"] = f"{base}/{app.config.root_doc}.html" if base else f"{app.config.root_doc}.html"


def check_options(app: Sphinx) -> None:
    """Refuse, with a clear warning, the sphinx-book-theme features that reach other hosts."""
    if app.builder.format != "html" or app.config.html_theme != THEME:
        return
    options = app.config.html_theme_options or {}
    buttons = options.get("launch_buttons") or {}
    if isinstance(buttons, dict) and buttons.get("thebe"):
        logger.warning(
            "_config.yml: launch_buttons.thebe is not supported by the course theme "
            "(thebe loads code from other hosts); use the JupyterHub or Binder links",
            type="affirming_care",
            subtype="thebe",
        )
    for key in ("colab_url", "deepnote_url"):
        if isinstance(buttons, dict) and buttons.get(key):
            logger.warning(
                "_config.yml: launch_buttons.%s is not supported by the course theme; "
                "only jupyterhub_url and binderhub_url are",
                key,
                type="affirming_care",
                subtype="launch",
            )
    comments = app.config.comments_config or {}
    if any(comments.get(key) for key in ("hypothesis", "utterances", "dokieli")):
        logger.warning(
            "_config.yml: html.comments is not supported: comment tools load code from other hosts",
            type="affirming_care",
            subtype="comments",
        )
    analytics = options.get("analytics") or {}
    if isinstance(analytics, dict) and (
        analytics.get("google_analytics_id") or analytics.get("plausible_analytics_domain")
    ):
        logger.warning(
            "_config.yml: html.analytics is not supported: the book sends nothing to any other host",
            type="affirming_care",
            subtype="analytics",
        )


REDIRECT = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="0; url={url}">
<title>{title}</title>
</head>
<body>
<main>
<h1>{title}</h1>
<p><a href="{url}">Go to the welcome page</a>.</p>
</main>
</body>
</html>
"""


def build_finished(app: Sphinx, exception: Exception | None) -> None:
    """Write index.html, check the internal links, and report the external ones."""
    if exception is not None or app.builder.format != "html" or app.builder.name != "html":
        return
    outdir = Path(app.outdir)
    root = app.config.root_doc
    if root != "index":
        (outdir / "index.html").write_text(
            REDIRECT.format(
                lang=escape(app.config.language or "en"),
                url=escape(f"{root}.html"),
                title=escape(app.config.html_title or app.config.project),
            ),
            encoding="utf-8",
        )
    report = links.check_site(outdir)
    for problem in report.broken:
        logger.warning("broken internal link: %s", problem, type="affirming_care", subtype="link")
    path = outdir.parent / "external-links.md"
    path.write_text(links.external_report_text(report), encoding="utf-8")
    logger.info(
        "[affirming-care] %d internal links checked; %d external addresses listed in %s",
        report.internal_count,
        len(report.external),
        path,
    )


def add_pages(app: Sphinx, config: Any) -> None:
    """The 404 page (the theme's ``404.html``), for a web server to show for any missing address."""
    if config.html_theme == THEME:
        config.html_additional_pages = {**config.html_additional_pages, "404": "404.html"}


def write_course_zip(app: Sphinx) -> None:
    """Before any page is written, so each module page can give the zip's size."""
    if app.builder.format != "html" or app.config.html_theme != THEME:
        return
    # After affirming-care.css (html_css_files come at priority 800), whose rules it adjusts.
    app.add_css_file(THEME_CSS, priority=900)
    settings = app.config.affirming_care_course_download or {}
    zipped = downloads.write_course_zip(Path(app.srcdir), Path(app.outdir), settings) if settings else None
    app.ac_course_zip = zipped  # type: ignore[attr-defined]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_html_theme(THEME, str(HERE / "theme"))
    # The whole course as a zip: {"name": ..., "files": [globs from the book's root]}.
    app.add_config_value("affirming_care_course_download", {}, "html")
    app.connect("config-inited", add_pages)
    app.connect("builder-inited", write_course_zip)
    # Jupyter Book passes html.comments here, for sphinx-comments, which the course does not load.
    app.add_config_value("comments_config", {}, "html")
    app.connect("builder-inited", check_options)
    app.connect("html-page-context", page_context, priority=900)
    # Before sphinx_external_toc's handler, which writes a bare redirect only if index.html is missing.
    app.connect("build-finished", build_finished, priority=400)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
