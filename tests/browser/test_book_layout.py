"""The book's layout in headless Chromium: a phone, a wide screen, print, the 404 page, downloads.

Every test runs against the whole built book served on 127.0.0.1 (see conftest.py).
"""

from __future__ import annotations

import re
from typing import Any

import nbformat
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MODULE_PAGE = "notebooks/m02-two-mistakes.html"
PHONE = {"width": 375, "height": 667}
PAGES = ["book/intro.html", MODULE_PAGE, "book/jupyterhub.html", "search.html"]


@pytest.fixture
def phone(browser: Any) -> Any:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == []


@pytest.mark.parametrize("path", PAGES)
def test_on_a_phone_the_contents_are_closed_and_the_text_starts_on_the_first_screen(
    phone: Any, site: str, path: str
) -> None:
    phone.goto(site + path)
    toggle = phone.locator(".ac-site-nav summary")
    links = phone.locator(".ac-site-nav a")
    # The top of the page's own first paragraph (not the boxes the theme or the script add).
    first_text = phone.evaluate(
        """() => {
            const p = [...document.querySelectorAll('main p')].find(
                e => !e.closest('.ac-ui, .ac-module-tools, template, form') && e.offsetParent !== null);
            return p ? p.getBoundingClientRect().top : null;
        }"""
    )

    assert toggle.is_visible() and toggle.inner_text().strip().endswith("Course contents")
    assert not links.first.is_visible()  # behind the toggle
    assert phone.locator("main h1").bounding_box()["y"] < PHONE["height"] / 2
    assert first_text is not None and first_text < PHONE["height"] - 48, first_text


def test_on_a_phone_the_contents_toggle_works_with_the_keyboard(phone: Any, site: str) -> None:
    phone.goto(site + MODULE_PAGE)
    nav = phone.get_by_role("navigation", name="Course contents")
    toggle = nav.locator("summary")
    is_open = "el => el.parentElement.open"

    phone.keyboard.press("Tab")  # the skip link
    phone.keyboard.press("Tab")  # the site title
    for _ in range(5):  # past the search form, to the toggle
        if toggle.evaluate("el => el === document.activeElement"):
            break
        phone.keyboard.press("Tab")
    assert toggle.evaluate("el => el === document.activeElement")
    assert toggle.evaluate("el => getComputedStyle(el).outlineStyle") != "none"  # a visible focus ring
    phone.keyboard.press("Enter")
    assert toggle.evaluate(is_open)
    assert nav.locator("a[aria-current='page']").is_visible()
    assert nav.get_by_role("link", name="Welcome", exact=True).is_visible()
    phone.keyboard.press("Space")
    assert not toggle.evaluate(is_open)
    assert not nav.get_by_role("link", name="Welcome", exact=True).is_visible()


def test_on_a_wide_screen_the_contents_are_open_beside_the_page(page: Any, site: str) -> None:
    page.goto(site + MODULE_PAGE)
    nav = page.get_by_role("navigation", name="Course contents")

    assert not nav.locator("summary").is_visible()
    welcome = nav.get_by_role("link", name="Welcome", exact=True)
    assert welcome.is_visible()
    assert nav.bounding_box()["x"] < page.locator("main").bounding_box()["x"]
    # The list is reachable by Tab and exposed to screen readers, part captions labelling lists.
    welcome.focus()
    assert page.evaluate("document.activeElement.textContent") == "Welcome"
    assert nav.get_by_role("list", name="Modules").is_visible()


def test_labels_are_written_in_normal_case_and_not_capitalised_by_css(page: Any, site: str) -> None:
    page.goto(site + MODULE_PAGE)
    case = page.locator("div.ac-vignette").first
    case.get_by_role("button", name=re.compile("Start the case")).first.click()
    transforms = page.evaluate(
        """() => [...document.querySelectorAll('.ac-step, .ac-kicker, .ac-nav-caption')]
              .filter(e => e.offsetParent !== null)
              .map(e => [e.textContent.trim(), getComputedStyle(e).textTransform])"""
    )

    assert any(text.startswith("Part 1") for text, _ in transforms), transforms
    assert {t for _, t in transforms} == {"none"}, transforms
    assert not [text for text, _ in transforms if text.isupper()]


def print_view(page: Any) -> dict[str, Any]:
    page.emulate_media(media="print")
    return page.evaluate(
        """() => {
            const shown = s => [...document.querySelectorAll(s)].filter(e => e.offsetParent !== null);
            return {
                explanations: shown('.ac-explanations').length,
                feedback: shown('.ac-feedback').length,
                endings: shown('.ac-ending').length,
                choices: shown('.ac-choice summary').length,
                options: shown('.ac-option').length,
                moving: shown('.ac-next, .ac-prev-next, .ac-module-tools').length,
                text: document.querySelector('main').innerText,
            };
        }"""
    )


def test_print_hides_the_links_that_move_around_the_page(page: Any, site: str) -> None:
    page.goto(site + MODULE_PAGE)
    view = print_view(page)

    assert view["moving"] == 0
    assert not re.search(r"^Go to |^Continue$|^Next:", view["text"], re.M)
    assert view["explanations"] > 0 and view["feedback"] > 0  # the full handout keeps every answer


def test_a_questions_only_printout_leaves_out_every_answer(page: Any, site: str) -> None:
    page.goto(site + MODULE_PAGE)
    on_screen = "() => [...document.querySelectorAll('.ac-feedback, .ac-explanations')].filter(e => e.offsetParent).length"
    before = page.evaluate(on_screen)
    tools = page.locator(".ac-module-tools")
    tools.locator("summary").click()
    choice = page.get_by_role("checkbox", name=re.compile("Print the questions only"))
    choice.focus()
    page.keyboard.press("Space")
    assert choice.is_checked()
    assert page.evaluate(on_screen) == before  # on screen nothing changes
    view = print_view(page)

    assert view["explanations"] == 0 and view["feedback"] == 0 and view["endings"] == 0
    assert view["choices"] > 0 and view["options"] > 0  # the questions and responses stay
    for key_text in (
        "Answer and explanations",
        "Not correct.",
        "A strong response",
        "Likely to cause harm",
        "Ending:",
    ):
        assert key_text not in view["text"], key_text


def test_the_download_links_serve_a_valid_notebook_and_the_course(page: Any, site: str) -> None:
    page.goto(site + MODULE_PAGE)
    links = page.locator("a.ac-download")
    notebook_url = links.nth(0).evaluate("a => a.href")
    course_url = links.nth(1).evaluate("a => a.href")
    notebook = page.request.get(notebook_url)
    course = page.request.get(course_url)

    assert notebook.ok and notebook_url.endswith("/notebooks/m02-two-mistakes.ipynb")
    nb = nbformat.reads(notebook.text(), as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].source.startswith("# Module 2")
    assert course.ok and course.body()[:4] == b"PK\x03\x04"  # a zip file


def test_the_404_page_links_home(page: Any, site: str) -> None:
    page.goto(site + "404.html")
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    page.get_by_role("link", name="Go to the welcome page").click()
    page.wait_for_url(re.compile(r"/book/intro\.html$"))


def test_search_snippets_keep_words_apart(page: Any, site: str) -> None:
    page.goto(site + "search.html?q=violence")
    page.locator("#search-results li").first.wait_for()
    page.wait_for_function("document.querySelectorAll('#search-results p.context').length > 0")
    snippets = page.locator("#search-results p.context").all_inner_texts()

    assert snippets
    assert not [s for s in snippets if re.search(r"[a-z][.:][A-Z][a-z]", s)], snippets
