"""The book builds with warnings as errors, renders cases as static HTML, and asks no other host.

The whole book is built once per session (``built_book`` in conftest.py). Small books built in a
temporary folder, with the course's own _config.yml adapted, check the launch links and that a
broken internal link fails the build.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
THEME = REPO / "book" / "_theme"
sys.path.insert(0, str(THEME))

from affirming_care_book import launch, links  # noqa: E402

TAGS = re.compile(r"<(?:script|link|img|iframe|source)\b[^>]*>", re.I)


def tags(page: Path) -> list[str]:
    return TAGS.findall(page.read_text(errors="replace"))


# The whole course ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_book_builds_with_warnings_as_errors(built_book: Path) -> None:
    assert (built_book / "index.html").exists()
    assert (built_book / "notebooks" / "m02-two-mistakes.html").exists()
    assert (built_book / "search.html").exists()


@pytest.mark.slow
def test_cases_render_statically_with_every_response(built_book: Path) -> None:
    page = (built_book / "notebooks" / "m02-two-mistakes.html").read_text()

    assert page.count('class="ac-vignette"') >= 2
    assert "<details" in page and 'class="ac-client-voice"' in page
    assert "application/vnd.jupyter.widget-view+json" not in page
    assert "application/vnd.jupyter.widget-state+json" not in page
    assert "from affirming_care import Module" not in page  # code is hidden


@pytest.mark.slow
def test_no_page_loads_anything_from_another_host(built_book: Path) -> None:
    offenders = []
    for page in built_book.rglob("*.html"):
        text = page.read_text(errors="replace")
        for m in re.finditer(r'<(?:script|link|img|iframe)\b[^>]*?(?:src|href)="(https?:)?//([^"/]+)', text):
            offenders.append(f"{page.relative_to(built_book)}: {m.group(0)[:120]}")
    assert offenders == []


@pytest.mark.slow
def test_no_mathjax_thebe_or_widget_script_on_any_page(built_book: Path) -> None:
    found = [
        f"{page.relative_to(built_book)}: {tag}"
        for page in built_book.rglob("*.html")
        for tag in tags(page)
        if re.search(r"mathjax|thebe|require\.js|html-manager|embed-amd", tag, re.I)
    ]
    assert found == []
    assert not list(built_book.glob("_static/*thebe*"))


@pytest.mark.slow
def test_each_page_loads_only_what_it_needs(built_book: Path) -> None:
    """The course's and the theme's stylesheets everywhere; the course script only where there are
    cases; search scripts on search."""
    welcome = tags(built_book / "book" / "intro.html")
    module = tags(built_book / "notebooks" / "m02-two-mistakes.html")
    search = tags(built_book / "search.html")

    assert [t for t in welcome if t.startswith("<link") and "stylesheet" in t] == [
        t for t in welcome if "affirming-care.css" in t or "affirming-care-book.css" in t
    ]
    assert len([t for t in welcome if "stylesheet" in t]) == 2
    assert not [t for t in welcome if t.startswith("<script")]
    assert [t for t in module if "<script" in t and "src=" in t] == [
        t for t in module if "affirming-care.js" in t
    ]
    assert any("searchtools.js" in t for t in search)
    assert any("searchindex.js" in t for t in search)


@pytest.mark.slow
def test_pages_have_landmarks_a_skip_link_and_the_module_id(built_book: Path) -> None:
    page = (built_book / "notebooks" / "m02-two-mistakes.html").read_text()

    assert '<a class="ac-skip-link" href="#main-content">' in page
    assert '<main id="main-content"' in page
    assert '<nav class="ac-site-nav" aria-label="Course contents">' in page
    assert 'aria-current="page"' in page
    assert '<meta name="affirming-care-module" content="m02">' in page
    assert '<template id="ac-answers-template">' in page
    assert '<footer class="ac-site-footer">' in page


@pytest.mark.slow
def test_no_launch_links_without_addresses(built_book: Path) -> None:
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    if config["repository"]["url"] and (
        config["launch_buttons"]["jupyterhub_url"] or config["launch_buttons"]["binderhub_url"]
    ):
        pytest.fail("this test expects the repository's _config.yml to leave the launch addresses unset")
    assert 'class="ac-launch"' not in (built_book / "notebooks" / "m02-two-mistakes.html").read_text()


@pytest.mark.slow
def test_external_links_are_listed_in_a_report_and_internal_ones_checked(built_book: Path) -> None:
    report = (built_book.parent / "external-links.md").read_text()
    external = set()
    for page in built_book.rglob("*.html"):
        external |= set(re.findall(r'<a\b[^>]*?href="(https?://[^"]+)"', page.read_text()))

    assert re.search(r"(\d+) internal links checked", report)
    assert int(re.search(r"(\d+) internal links checked", report).group(1)) > 100
    assert set(re.findall(r"^- <([^>]+)>", report, re.M)) == {u.replace("&amp;", "&") for u in external}
    assert links.check_site(built_book).broken == []


# Every page: viewport, headings, tables, links; the 404 page; the downloads (issue 10) --------------


def html_pages(built_book: Path) -> list[Path]:
    return sorted(built_book.rglob("*.html"))


def module_pages(built_book: Path) -> list[Path]:
    return sorted((built_book / "notebooks").glob("m[01][0-9]-*.html"))


@pytest.mark.slow
def test_every_page_has_one_viewport_tag(built_book: Path) -> None:
    counts = {
        page.relative_to(built_book).as_posix(): len(re.findall(r'<meta name="viewport"', page.read_text()))
        for page in html_pages(built_book)
    }
    assert {"search.html", "404.html", "book/intro.html"} <= set(counts)
    assert {page: n for page, n in counts.items() if n != 1} == {}


@pytest.mark.slow
def test_the_first_heading_of_every_page_is_its_h1(built_book: Path) -> None:
    """The contents list comes before main, but its part captions are not headings."""
    first = {
        page.relative_to(built_book).as_posix(): (re.findall(r"<h([1-6])\b", page.read_text()) or ["none"])[0]
        for page in html_pages(built_book)
        if page.name != "index.html"  # the redirect to the welcome page
    }
    assert {page: level for page, level in first.items() if level != "1"} == {}


@pytest.mark.slow
def test_no_table_has_an_empty_header_cell(built_book: Path) -> None:
    empty = [
        f"{page.relative_to(built_book)}: {cell}"
        for page in html_pages(built_book)
        for cell in re.findall(r"<th\b[^>]*>\s*(?:<p>\s*</p>)?\s*</th>", page.read_text())
    ]
    assert empty == []


@pytest.mark.slow
def test_every_external_link_uses_https(built_book: Path) -> None:
    plain = {
        f"{page.relative_to(built_book)}: {href}"
        for page in html_pages(built_book)
        for href in re.findall(r'<a\b[^>]*?href="(http://[^"]+)"', page.read_text())
    }
    guide = [
        p for p in html_pages(built_book) if 'href="https://www.equitablecarecert.com/"' in p.read_text()
    ]
    assert plain == set()
    assert guide  # the guide's site, linked over https


@pytest.mark.slow
def test_the_404_page_stands_alone_and_links_home(built_book: Path) -> None:
    page = (built_book / "404.html").read_text()
    home = re.search(r'<a href="([^"]+)">Go to the welcome page</a>', page)

    assert "<h1>Page not found</h1>" in page and '<html lang="en">' in page
    assert not re.search(r"<link\b[^>]*stylesheet|<script\b", page)  # nothing to fetch from any depth
    assert home and (built_book / home.group(1)).exists()
    assert home.group(1) == "book/intro.html"


@pytest.mark.slow
def test_module_pages_speak_to_book_readers_and_offer_their_notebook(built_book: Path) -> None:
    pages = module_pages(built_book)
    assert len(pages) == 13
    for page in pages:
        text = page.read_text()
        main = text[text.index("<main") :]
        link = re.search(r'<a class="ac-download" href="([^"]+\.ipynb)" download="([^"]+)">', main)

        # "Run each cell" is true in JupyterLab only: the notebook keeps it, the page does not.
        assert "Run each cell" not in main and "Shift+Enter" not in main[: main.index("<h2")], page.name
        assert link and link.group(1) == page.with_suffix(".ipynb").name, page.name
        assert main.index("<h1>") < main.index('class="ac-module-tools') < main.index("<h2")
        notebook = nbformat.read(page.with_suffix(".ipynb"), as_version=4)
        nbformat.validate(notebook)
        assert all(
            c.outputs == [] and c.execution_count is None for c in notebook.cells if c.cell_type == "code"
        )
        assert "Run each cell with Shift+Enter" in nbformat.writes(notebook)  # the notebook still says so


@pytest.mark.slow
def test_the_whole_course_zip_holds_what_a_learner_needs_and_no_answer_key_folder(built_book: Path) -> None:
    import zipfile

    m02 = (built_book / "notebooks" / "m02-two-mistakes.html").read_text()
    href = re.search(r'<a class="ac-download" href="([^"]+\.zip)" download>', m02)
    assert href
    archive = zipfile.ZipFile((built_book / "notebooks" / href.group(1)).resolve())
    names = archive.namelist()
    top = {n.split("/", 2)[1] for n in names}

    assert {
        "Makefile",
        "pyproject.toml",
        "setup.py",
        "README.md",
        "notebooks",
        "content",
        "src",
        "deploy",
    } <= top
    assert "assignments" not in top and "tests" not in top and "assessment" not in top
    assert "affirming-care-course/src/affirming_care/module.py" in names
    assert "affirming-care-course/deploy/learner/labconfig/page_config.json" in names
    assert not [n for n in names if "-answers.json" in n or "__pycache__" in n]
    notebooks = [n for n in names if n.endswith(".ipynb")]
    assert len(notebooks) == 14
    for name in notebooks:
        nb = nbformat.reads(archive.read(name).decode(), as_version=4)
        nbformat.validate(nb)
        assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code"), name


def _words(text: str) -> list[str]:
    return html.unescape(re.sub(r"<[^>]+>", " ", text)).split()


def test_no_post_test_item_reaches_the_book(built_book: Path) -> None:
    """The book shows practice checks only: no post-test stem or option (issue 11).

    The first eight words of every stem and option of eight words or more are looked for in every
    page, script and data file of the built book, and in every file of its downloads. (Rationales
    and option feedback restate what the modules teach, often in the modules' own words, so they are
    not a sign of the test; what must not be there is the test itself.)
    """
    import zipfile

    from affirming_care.posttest import load_banks

    texts = set()
    for bank in load_banks().values():
        for slot in bank.slots:
            for v in slot.variants:
                texts |= {v.stem} | {o.text for o in v.options}
    blobs: dict[str, str] = {}
    for path in built_book.rglob("*"):
        if path.suffix in (".html", ".js", ".json", ".txt", ".ipynb", ".yml"):
            blobs[str(path.relative_to(built_book))] = path.read_text(errors="replace")
        elif path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    blobs[f"{path.name}:{name}"] = archive.read(name).decode(errors="replace")
    seen: dict[tuple[str, ...], str] = {}
    for where, blob in blobs.items():
        words = _words(blob)
        for i in range(len(words) - 7):
            seen.setdefault(tuple(words[i : i + 8]), where)
    starts = {tuple(_words(t)[:8]): t for t in texts if len(_words(t)) >= 8}
    found = [(seen[k], t[:60]) for k, t in starts.items() if k in seen]
    assert len(blobs) > 50 and len(starts) > 500
    assert found == []


@pytest.mark.slow
def test_words_in_separate_blocks_are_separated_in_the_page_text(built_book: Path) -> None:
    """The search snippets are the page's textContent: two blocks must not run into one word."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = Text()
    page = (built_book / "notebooks" / "m02-two-mistakes.html").read_text()
    parser.feed(page[page.index("<main") :])
    text = "".join(parser.parts)

    assert re.search(r"Content note: violence\.\s+This case", text)
    assert not re.search(r"</(?:p|li|div|section|dd|summary)><(?:p|li|div|section|dt|h\d)\b", page)


# Small books with the course's configuration ------------------------------------------------------------


def small_book(
    tmp_path: Path, config_changes: dict, pages: dict[str, str]
) -> tuple[subprocess.CompletedProcess, Path]:
    """Build a small book in ``tmp_path`` with the course's _config.yml (plus changes) and theme."""
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    config["sphinx"]["local_extensions"] = {"affirming_care_book": str(THEME)}
    config["sphinx"]["config"]["html_static_path"] = [str(REPO / "book" / "_static")]
    for key, value in config_changes.items():
        config[key].update(value)
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    chapters = "".join(f"  - file: {name.rsplit('.', 1)[0]}\n" for name in list(pages)[1:])
    root = next(iter(pages)).rsplit(".", 1)[0]
    (tmp_path / "_toc.yml").write_text(f"format: jb-book\nroot: {root}\nchapters:\n{chapters}")
    for name, text in pages.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run(
        [str(bindir / "jupyter-book"), "build", str(tmp_path), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    return result, tmp_path / "_build" / "html"


def module_notebook() -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Module 2: A test module\n\nSome teaching text.")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(nb)


@pytest.mark.slow
def test_module_pages_get_jupyterhub_and_binder_links_when_configured(tmp_path: Path) -> None:
    result, html = small_book(
        tmp_path,
        {
            "repository": {"url": "https://github.com/example/affirming-care", "branch": "main"},
            "launch_buttons": {
                "jupyterhub_url": "https://hub.example.org",
                "binderhub_url": "https://mybinder.org",
            },
        },
        {"intro.md": "# Welcome\n\nHello.\n", "notebooks/m02-test.ipynb": module_notebook()},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    module = (html / "notebooks" / "m02-test.html").read_text()
    welcome = (html / "intro.html").read_text()
    hrefs = [
        h.replace("&amp;", "&") for h in re.findall(r'<aside class="ac-module-tools.*?</aside>', module, re.S)
    ]

    assert len(hrefs) == 1
    assert hrefs[0].count('<li class="ac-launch">') == 2
    assert "https://github.com/example/affirming-care" in hrefs[0]  # where to get the course
    assert (
        "https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fexample%2Faffirming-care"
        "&branch=main&targetpath=affirming-care&urlpath=lab%2Ftree%2Faffirming-care%2Fnotebooks%2Fm02-test.ipynb"
    ) in hrefs[0]
    assert (
        "https://mybinder.org/v2/gh/example/affirming-care/main?urlpath=lab%2Ftree%2Fnotebooks%2Fm02-test.ipynb"
        in hrefs[0]
    )
    assert 'class="ac-launch"' not in welcome  # a page that is not a notebook has nothing to open
    assert (html / "404.html").exists()


@pytest.mark.slow
def test_a_broken_internal_link_fails_the_build_and_thebe_is_refused(tmp_path: Path) -> None:
    result, _html = small_book(
        tmp_path,
        {"launch_buttons": {"thebe": True}},
        {
            "intro.md": "# Welcome\n\n[A page](other.md)\n",
            "other.md": '# Other\n\n<a href="intro.html#no-such-place">there</a> and <a href="gone.html">gone</a>\n',
        },
    )
    output = result.stdout + result.stderr

    assert result.returncode != 0
    assert "broken internal link: other.html" in output
    assert "intro.html#no-such-place: intro.html has no element with id 'no-such-place'" in output
    assert "gone.html: no such file in the built book" in output
    assert "launch_buttons.thebe is not supported" in output


# Launch links and the link checker, without a build -----------------------------------------------------


def test_the_theme_builds_the_same_jupyterhub_link_as_the_cohort_command() -> None:
    from affirming_care.cohort_cli import nbgitpuller_link

    for repo, branch, path, ui in [
        ("https://github.com/example/affirming-care", "main", "notebooks/m02-two-mistakes.ipynb", "lab"),
        ("https://git.example.org/a/course.git", "spring 2027", "/notebooks/m00-welcome.ipynb", "classic"),
    ]:
        app = "lab" if ui == "lab" else "notebook"
        assert launch.jupyterhub_link("https://hub.example.org/", repo, branch, path, ui) == nbgitpuller_link(
            "https://hub.example.org/", repo, branch=branch, path=path, app=app
        )


def test_launch_links_need_a_repository_and_each_service_address() -> None:
    assert launch.launch_links(notebook_path="notebooks/m02.ipynb", repository_url="", branch="main",
                               jupyterhub_url="https://hub.example.org") == []  # fmt: skip
    only_binder = launch.launch_links(
        notebook_path="notebooks/m02.ipynb",
        repository_url="https://git.example.org/course/affirming-care.git",
        branch="main",
        binderhub_url="https://binder.example.org/",
    )

    assert [link.label for link in only_binder] == ["Open on Binder"]
    assert only_binder[0].url == (
        "https://binder.example.org/v2/git/https%3A%2F%2Fgit.example.org%2Fcourse%2Faffirming-care.git/main"
        "?urlpath=lab%2Ftree%2Fnotebooks%2Fm02.ipynb"
    )
    with pytest.raises(ValueError, match=r"launch_buttons\.jupyterhub_url must be an address"):
        launch.launch_links(
            notebook_path="n.ipynb",
            repository_url="https://github.com/a/b",
            branch="main",
            jupyterhub_url="hub",
        )


def test_the_link_checker_finds_missing_pages_and_fragments(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(
        '<main id="top"><a href="b.html#here">ok</a> <a href="b.html#gone">bad</a> <a href="c.html">bad</a>'
        ' <a href="#top">ok</a> <a href="https://example.org/x">out</a> <a href="mailto:a@b">mail</a>'
        ' <img src="pic.png" alt=""></main>'
    )
    (tmp_path / "b.html").write_text('<p id="here">b</p><a href="../outside.html">bad</a>')
    report = links.check_site(tmp_path)

    assert report.broken == [
        "a.html:1: b.html#gone: b.html has no element with id 'gone'",
        "a.html:1: c.html: no such file in the built book",
        "a.html:1: pic.png: no such file in the built book",
        "b.html:1: ../outside.html points outside the book",
    ]
    assert dict(report.external) == {"https://example.org/x": ["a.html:1"]}
    assert "- <https://example.org/x> — a.html:1" in links.external_report_text(report)


def test_the_link_report_script_writes_its_report(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text('<a href="https://example.org/">x</a>')
    report = tmp_path / "report.md"
    result = subprocess.run(
        [
            sys.executable,
            str(THEME / "affirming_care_book" / "links.py"),
            str(tmp_path),
            "--report",
            str(report),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "1 external addresses; 0 internal links checked." in report.read_text()


def test_the_binder_environment_installs_the_course_package() -> None:
    requirements = (REPO / "binder" / "requirements.txt").read_text().splitlines()
    runtime = (REPO / "binder" / "runtime.txt").read_text().strip()
    project = json.loads(json.dumps(__import__("tomllib").loads((REPO / "pyproject.toml").read_text())))

    assert "-e ." in [line.strip() for line in requirements]  # the package, with its dependencies
    assert re.fullmatch(r"python-3\.(\d+)", runtime)
    minimum = int(re.search(r">=3\.(\d+)", project["project"]["requires-python"]).group(1))
    assert int(runtime.split(".")[1]) >= minimum
    assert not (REPO / "requirements.txt").exists() and not (REPO / "environment.yml").exists()
