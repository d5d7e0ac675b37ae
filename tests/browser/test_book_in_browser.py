"""The published book in headless Chromium: local-only requests, accessibility, cases, checks, print.

Every test runs against the whole built book served on 127.0.0.1 (see conftest.py).
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import pytest
from pypdf import PdfReader

from affirming_care.store import AnswerFile
from affirming_care.testing import axe_violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MODULE_PAGE = "notebooks/m02-two-mistakes.html"
STORE_KEY = "affirming-care:answers:m02"


def run_axe(page: Any) -> list[str]:
    """Every WCAG 2.x A/AA failure, and every serious or critical violation of any rule, on the page."""
    problems = []
    for v in axe_violations(page):
        where = [n["target"] for n in v["nodes"]][:3]
        if v["wcag"]:
            problems.append(f"WCAG {v['id']} ({v['impact']}): {v['help']} — {where}")
        if v["usual"] and v["impact"] in ("serious", "critical"):
            problems.append(f"{v['id']} ({v['impact']}): {v['help']} — {where}")
    return sorted(set(problems))


def stored(page: Any) -> dict | None:
    raw = page.evaluate("k => localStorage.getItem(k)", STORE_KEY)
    return None if raw is None else json.loads(raw)


def first_case(page: Any, with_note: bool = False) -> Any:
    selector = "div.ac-vignette:has(.ac-content-note)" if with_note else "div.ac-vignette"
    case = page.locator(selector).first
    case.scroll_into_view_if_needed()
    return case


def visible_scene(case: Any) -> str | None:
    """The id of the scene or ending shown now, or None."""
    return case.evaluate(
        """root => {
            const shown = [...root.querySelectorAll('.ac-live [data-scene], .ac-live [data-ending]')]
                .filter(s => s.offsetParent !== null);
            if (shown.length > 1) throw new Error('more than one scene shown: ' + shown.map(s => s.id));
            return shown.length ? (shown[0].dataset.scene || shown[0].dataset.ending) : null;
        }"""
    )


def static_feedback(case: Any, scene: str, choice: str) -> str:
    """The feedback the static HTML holds for one response (hidden in its <details>)."""
    return (
        case.locator(f'.ac-scene[data-scene="{scene}"] details[data-choice="{choice}"] .ac-feedback p')
        .nth(1)
        .text_content()
    )


# Requests -----------------------------------------------------------------------------------------------


def test_every_page_asks_nothing_of_any_other_host(book_pages: list[str], site: str, browser: Any) -> None:
    context = browser.new_context()
    seen: list[str] = []
    failed: list[str] = []
    context.on("request", lambda r: seen.append(r.url))
    context.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page = context.new_page()
    pages = book_pages
    try:
        for path in pages:
            page.goto(site + path, wait_until="networkidle")
        # The index page sends the reader to the welcome page.
        page.goto(site + "index.html")
        page.wait_for_url(re.compile(r"/book/intro\.html$"))
        # Searching fetches the search index and page summaries: from this site too.
        page.goto(site + "search.html?q=trafficking", wait_until="networkidle")
        page.locator("#search-results li").first.wait_for()
    finally:
        context.close()

    assert len(pages) >= 5
    assert len(seen) > len(pages)
    assert [u for u in seen if not u.startswith(site) and not u.startswith("data:")] == []
    assert failed == []


def test_search_finds_pages_offline(site: str, page: Any) -> None:
    page.goto(site + "search.html?q=trafficking")
    results = page.locator("#search-results li a")
    results.first.wait_for()

    assert any(
        "m02-two-mistakes" in (results.nth(i).get_attribute("href") or "") for i in range(results.count())
    )


# Accessibility ------------------------------------------------------------------------------------------


def test_axe_finds_no_serious_problem_and_no_wcag_failure_on_any_page(
    book_pages: list[str], site: str, browser: Any
) -> None:
    problems: dict[str, list[str]] = {}
    pages = [p for p in book_pages if p != "index.html"]
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        try:
            # Every page in the light scheme; the welcome and a module page in the dark one.
            for path in pages if scheme == "light" else ["book/intro.html", MODULE_PAGE]:
                page.goto(site + path, wait_until="networkidle")
                if found := run_axe(page):
                    problems[f"{path} ({scheme})"] = found
            page.goto(site + "index.html")
            page.wait_for_url(re.compile(r"/book/intro\.html$"))
            page.goto(site + "search.html?q=trafficking", wait_until="networkidle")
            page.locator("#search-results li").first.wait_for()
            if found := run_axe(page):
                problems[f"search results ({scheme})"] = found
        finally:
            context.close()

    assert problems == {}


def test_axe_finds_nothing_in_the_interactive_states(site: str, page: Any) -> None:
    page.goto(site + MODULE_PAGE)
    case = first_case(page)
    case.get_by_role("button", name="Start the case").click()
    case.locator("button.ac-response").first.click()
    check = page.locator("form.ac-check").first
    check.locator(".ac-live input").first.check()
    check.get_by_role("button", name="Check my answer").click()
    page.get_by_role("button", name="Clear my answers for this module").click()

    assert run_axe(page) == []


def test_axe_reports_problems_planted_on_a_page_by_both_rule_sets(site: str, page: Any) -> None:
    """The control for the two tests above: one axe run still finds a WCAG-only failure (target-size,
    which a default run skips) and serious violations of the usual rules."""
    page.goto(site + MODULE_PAGE, wait_until="networkidle")
    page.evaluate(
        """() => document.body.insertAdjacentHTML('afterbegin', '<img src="data:,">'
            + '<button style="position:absolute;top:0;left:0;width:8px;height:8px;padding:0;border:0"></button>'
            + '<button style="position:absolute;top:0;left:9px;width:8px;height:8px;padding:0;border:0">b</button>')"""
    )

    found = run_axe(page)

    assert any(p.startswith("WCAG target-size (serious)") for p in found), found
    assert any(p.startswith("WCAG image-alt (critical)") for p in found), found
    assert any(p.startswith("button-name (critical)") for p in found), found


# A case and a check, by mouse ---------------------------------------------------------------------------


def test_a_case_goes_one_scene_at_a_time_to_an_ending_and_back(site: str, page: Any) -> None:
    page.goto(site + MODULE_PAGE)
    case = first_case(page)
    vid = case.get_attribute("data-vignette")
    start = case.get_attribute("data-start")

    assert visible_scene(case) is None
    assert stored(page) is None

    case.get_by_role("button", name="Start the case").click()

    assert visible_scene(case) == start
    assert case.locator(".ac-step").inner_text().lower() == "part 1"
    n_choices = case.locator(f'.ac-scene[data-scene="{start}"] details.ac-choice').count()
    assert case.locator("button.ac-response").count() == n_choices >= 2

    # Choose a response: its feedback, with the client's voice, shows; the focus goes on to Continue.
    first = case.locator("button.ac-response").first
    choice = first.get_attribute("data-choice")
    first.click()
    chosen = case.locator(".ac-chosen")

    assert static_feedback(case, start, choice) in chosen.inner_text()
    assert chosen.locator(".ac-client-voice").is_visible()
    assert page.evaluate("document.activeElement.dataset.action") == "goOn"

    # Try another: the response just read is marked.
    case.get_by_role("button", name="Try another response").click()

    assert "you have read this feedback" in case.locator(f'button[data-choice="{choice}"]').inner_text()

    # Follow the last response at every decision point until an ending.
    path = [start]
    for _ in range(30):
        if case.locator(".ac-ending:visible").count():
            break
        responses = case.locator("button.ac-response")
        if responses.count():
            responses.last.click()
        case.get_by_role("button", name="Continue").click()
        path.append(visible_scene(case))
    ending = visible_scene(case)
    record = AnswerFile.model_validate(stored(page)).vignettes[vid]

    assert case.locator(f'.ac-live .ac-ending[data-ending="{ending}"]').is_visible()
    assert case.locator(".ac-ending-title").inner_text().startswith("Ending: ")
    assert page.evaluate("document.activeElement.classList.contains('ac-ending-title')")
    assert record.status == "finished"
    assert record.ending == ending
    assert record.path == path
    assert [e.choice for e in record.events][:1] == [choice]

    # Back to the last scene, then restart (after a question): the earlier choices stay in the
    # record, and a case that reached an ending stays finished.
    case.get_by_role("button", name="Back").click()

    assert visible_scene(case) == path[-2]
    assert AnswerFile.model_validate(stored(page)).vignettes[vid].status == "finished"

    case.get_by_role("button", name="Restart").click()
    case.get_by_role("button", name="Yes, start").click()
    record = AnswerFile.model_validate(stored(page)).vignettes[vid]

    assert visible_scene(case) == start
    assert record.path == [start]
    assert record.status == "finished"
    assert len(record.events) >= len(path)

    # The page remembers where the learner is.
    page.reload()
    case = first_case(page)

    assert visible_scene(case) == start
    assert case.locator("button.ac-response").count() == n_choices


def test_a_content_note_comes_first_and_the_case_can_be_skipped(site: str, page: Any) -> None:
    page.goto(site + MODULE_PAGE)
    case = first_case(page, with_note=True)
    vid = case.get_attribute("data-vignette")

    assert case.locator(".ac-live .ac-note").is_visible()
    assert case.get_by_role("link", name="go past it").is_hidden()

    case.get_by_role("button", name="Skip this case").click()

    assert "You skipped this case" in case.inner_text()
    assert visible_scene(case) is None
    assert AnswerFile.model_validate(stored(page)).vignettes[vid].status == "skipped"

    case.get_by_role("button", name="Start the case").click()

    assert case.locator(".ac-live .ac-note").is_visible()  # the content note comes again
    assert visible_scene(case) is None
    case.get_by_role("button", name="Start the case").click()

    assert visible_scene(case) == case.get_attribute("data-start")


def test_a_check_is_answered_explained_and_remembered(site: str, page: Any) -> None:
    page.goto(site + MODULE_PAGE)
    check = page.locator("form.ac-check").first
    check.scroll_into_view_if_needed()
    qid = check.get_attribute("data-check")
    correct = sorted(
        check.locator('li[data-correct="true"]').evaluate_all("els => els.map(e => e.dataset.option)")
    )
    wrong = check.locator('li[data-correct="false"]').first.get_attribute("data-option")
    feedback = check.locator(".ac-check-feedback")
    submit = check.get_by_role("button", name="Check my answer")

    assert check.locator("details.ac-explanations").is_hidden()

    submit.click()

    assert feedback.inner_text() == "Choose an answer first."
    assert stored(page) is None

    check.locator(f'.ac-live input[value="{wrong}"]').check()
    submit.click()
    wrong_text = check.locator(f'li[data-option="{wrong}"][data-correct]').text_content()

    assert feedback.inner_text().startswith("Not quite.")
    assert wrong_text.split("orrect.", 1)[-1].strip()[:40] in feedback.inner_text()

    check.locator(f'.ac-live input[value="{wrong}"]').uncheck() if check.get_attribute(
        "data-kind"
    ) == "multiple" else None
    for option in correct:
        check.locator(f'.ac-live input[value="{option}"]').check()
    submit.click()
    record = AnswerFile.model_validate(stored(page)).checks[qid]

    assert feedback.inner_text().startswith("Correct.")
    assert record.selected == correct
    assert [a.selected for a in record.attempts] == [[wrong], correct]

    page.reload()
    check = page.locator(f'form.ac-check[data-check="{qid}"]')
    ticked = check.locator("input:checked").evaluate_all("els => els.map(e => e.value)")

    assert sorted(ticked) == correct
    assert check.locator(".ac-check-feedback").inner_text().startswith("Correct.")


def test_a_reflection_is_kept_in_the_browser_and_every_answer_can_be_cleared(site: str, page: Any) -> None:
    page.goto(site + MODULE_PAGE)
    reflection = page.locator("div.ac-reflection").first
    rid = reflection.get_attribute("data-reflection")
    reflection.get_by_label("Your reflection").fill(
        "I would ask every client the same questions, in the same way."
    )
    first_criterion = reflection.locator("select").first
    first_criterion.select_option("2")
    record = AnswerFile.model_validate(stored(page)).reflections[rid]

    assert record.text.startswith("I would ask every client")
    assert list(record.self_assessment.values()) == [2]
    assert "12 words" in reflection.locator(".ac-count").inner_text()

    page.get_by_role("button", name="Clear my answers for this module").click()
    page.get_by_role("button", name="Keep my answers").click()

    assert stored(page) is not None

    page.get_by_role("button", name="Clear my answers for this module").click()
    page.get_by_role("button", name="Yes, clear my answers").click()

    assert stored(page) is None
    assert reflection.get_by_label("Your reflection").input_value() == ""
    assert "were cleared from this browser" in page.locator(".ac-answers .ac-status").inner_text()


def test_a_damaged_store_is_kept_aside_and_reported(site: str, page: Any) -> None:
    page.goto(site + MODULE_PAGE)
    page.evaluate("k => localStorage.setItem(k, '{not json')", STORE_KEY)
    page.reload()
    warning = page.locator(".ac-answers .ac-warning")

    assert "could not be read: the saved text is damaged" in warning.inner_text()
    assert page.locator("[role=alert]:visible").count() == 1  # one note, not one per item
    kept = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('affirming-care:answers:m02:damaged-'))"
    )
    assert len(kept) == 1
    assert page.evaluate("k => localStorage.getItem(k)", kept[0]) == "{not json"


def test_without_javascript_every_response_and_its_feedback_is_on_the_page(browser: Any, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site + MODULE_PAGE)
        case = page.locator("div.ac-vignette").first
        scenes = case.locator("section.ac-scene")

        assert page.locator(".ac-ui").count() == 0
        assert all(scenes.nth(i).is_visible() for i in range(scenes.count()))
        assert case.locator("details.ac-choice").count() >= scenes.count()
        details = case.locator("details.ac-choice").last
        details.locator("summary").click()

        assert details.locator(".ac-feedback").is_visible()
        assert details.locator(".ac-client-voice").is_visible()
    finally:
        context.close()


# The keyboard alone -------------------------------------------------------------------------------------


def tab_until(page: Any, test: str, limit: int = 400) -> int:
    """Press Tab until the focused element passes ``test`` (a JS function of it); return the presses."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"(({test}))(document.activeElement)"):
            return n
    raise AssertionError(f"Tab never reached an element where {test}")


def test_a_case_can_be_walked_to_an_ending_with_the_keyboard_alone(site: str, page: Any) -> None:
    page.goto(site + MODULE_PAGE)
    case = first_case(page)
    vid = case.get_attribute("data-vignette")
    inside = f"el => el.closest('[data-vignette=\"{vid}\"]') !== null"

    # The skip link comes first, and takes the reader past the header and contents.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"

    tab_until(page, f"el => ({inside})(el) && el.textContent === 'Start the case'")
    page.keyboard.press("Enter")

    # The focus goes on to the next thing to do: the first response, or Continue.
    for step in range(30):
        if case.locator(".ac-ending:visible").count():
            break
        if case.locator("button.ac-response").count():
            assert page.evaluate("document.activeElement.classList.contains('ac-response')"), step
            page.keyboard.press("Enter")
            assert case.locator(".ac-chosen .ac-feedback").is_visible()
        assert page.evaluate("document.activeElement.dataset.action") == "goOn", step
        page.keyboard.press("Enter")

    assert case.locator(".ac-ending:visible").count() == 1
    assert page.evaluate("document.activeElement.classList.contains('ac-ending-title')")
    assert AnswerFile.model_validate(stored(page)).vignettes[vid].status == "finished"

    # And back again, still by keyboard.
    tab_until(page, "el => el.textContent === 'Back'", limit=30)
    page.keyboard.press("Enter")

    assert case.locator(".ac-ending:visible").count() == 0
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"


def test_the_live_region_announces_each_step(site: str, page: Any) -> None:
    page.goto(site + MODULE_PAGE)
    case = first_case(page)
    live = case.locator("[role=status][aria-live=polite]").first
    case.get_by_role("button", name="Start the case").click()
    page.wait_for_function("el => el.textContent.length > 0", arg=live.element_handle())

    assert live.text_content().startswith("Part 1 of the case.")

    case.locator("button.ac-response").first.click()
    go = case.get_by_role("button", name=re.compile("^Continue"))
    go.wait_for()
    described = page.evaluate(
        "el => document.getElementById(el.getAttribute('aria-describedby')).textContent", go.element_handle()
    )
    page.wait_for_timeout(300)

    # The feedback is read once, as the description of the focused Continue button, not again
    # by the live region.
    assert go.evaluate("el => el === document.activeElement")
    assert "You chose A" in described
    assert "Feedback" not in (live.text_content() or "")


# Print ------------------------------------------------------------------------------------------------


def test_a_module_page_prints_as_a_handout_with_every_response(site: str, page: Any) -> None:
    page.goto(site + MODULE_PAGE)
    case = first_case(page)
    case.get_by_role("button", name="Start the case").click()  # the printout shows the whole case anyway
    scenes = case.locator("section.ac-scene")
    last_scene = scenes.nth(scenes.count() - 1).get_attribute("data-scene")
    last_choice = case.locator(f'section.ac-scene[data-scene="{last_scene}"] details.ac-choice').last
    feedback = static_feedback(case, last_scene, last_choice.get_attribute("data-choice"))
    ending = case.locator("section.ac-ending p").nth(1).text_content()
    pdf = page.pdf(format="A4", print_background=False)
    reader = PdfReader(__import__("io").BytesIO(pdf))
    # NFKC folds the ligatures a PDF's text layer carries ("ﬁrst") back into plain letters.
    text = " ".join(unicodedata.normalize("NFKC", " ".join(p.extract_text() for p in reader.pages)).split())

    def words(s: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", s).split()[:8])

    assert pdf.startswith(b"%PDF")
    assert len(reader.pages) >= 3
    assert "Module 2" in text
    assert words(feedback) in text  # a response's feedback, inside a closed <details>
    assert words(ending) in text  # an ending the learner has not reached
    assert "Skip to main content" not in text
    assert "Clear my answers" not in text
    assert "Search the course" not in text


def test_no_page_scrolls_sideways_on_a_narrow_screen(book_pages: list[str], site: str, browser: Any) -> None:
    """WCAG 1.4.10 (reflow): at 320 CSS pixels wide, every page fits without scrolling sideways."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    too_wide = {}
    try:
        for path in [p for p in book_pages if p != "index.html"]:
            page.goto(site + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                too_wide[path] = width
    finally:
        context.close()

    assert too_wide == {}


# Announced once, printed as mine, cleared at once, anchors after scoring ----------------------------------

WATCH_LIVE_REGIONS = """() => {
    window.acSaid = [];
    const live = '[aria-live]:not([aria-live=off]), [role=status], [role=alert]';
    new MutationObserver((records) => {
        const regions = new Set();
        for (const r of records) {
            const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
            const region = node && node.closest(live);
            if (region && region.textContent.trim()) regions.add(region);
        }
        for (const region of regions) window.acSaid.push(region.textContent.trim().slice(0, 60));
    }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def said_after(page: Any, action: Any) -> list[str]:
    """What every live region on the page says (each update with text) after ``action``."""
    page.wait_for_timeout(800)  # what the step before says is not counted
    page.evaluate("() => { window.acSaid = []; }")
    action()
    page.wait_for_timeout(600)  # the engine speaks 50 ms after it clears its region
    return page.evaluate("window.acSaid")


def test_a_choice_and_a_checked_answer_are_each_announced_once(site: str, page: Any) -> None:
    page.goto(site + MODULE_PAGE)
    page.evaluate(WATCH_LIVE_REGIONS)
    case = first_case(page)
    case.get_by_role("button", name="Start the case").click()
    check = page.locator("form.ac-check").first
    check.locator(".ac-live input").first.check()

    chose = said_after(page, lambda: case.locator("button.ac-response").first.click())
    checked = said_after(page, lambda: check.locator(".ac-live button[data-action=submit]").click())

    # A choice moves focus to Continue, whose description is the feedback: the live regions stay
    # silent, so a screen reader says the feedback once. A checked answer is said once by its region.
    assert chose == [], chose
    assert len(checked) == 1, checked


def test_my_progress_clears_every_module_at_once_after_saying_what_goes(site: str, page: Any) -> None:
    answers = {"format": "affirming-care/answers", "version": 1, "vignettes": {}, "checks": {}}
    page.goto(site + "book/my-progress.html")
    for mid in ("m02", "m05"):
        record = {"text": "Mine.", "self_assessment": {}, "updated": "2026-12-01T10:00:00+00:00"}
        value = json.dumps(answers | {"module": mid, "reflections": {f"{mid}-reflection": record}})
        page.evaluate("([k, v]) => localStorage.setItem(k, v)", [f"affirming-care:answers:{mid}", value])
    page.evaluate("() => localStorage.setItem('affirming-care:answers:m02:damaged-1', '{not json')")
    page.evaluate("() => localStorage.setItem('another-site-thing', 'kept')")
    page.reload()
    clear = page.get_by_role("button", name="Clear all my answers")
    clear.focus()
    page.keyboard.press("Enter")
    question = page.locator(".ac-clear-all .ac-confirm p")

    assert "for Module 2 and Module 5?" in question.inner_text()
    assert "reflections" in question.inner_text() and "cannot be undone" in question.inner_text()
    assert page.evaluate("document.activeElement.tagName") == "P"  # the question is read first
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.textContent") == "Clear all my answers"
    assert page.evaluate("() => localStorage.length") == 4

    page.keyboard.press("Enter")
    page.get_by_role("button", name="Yes, clear everything").focus()
    page.keyboard.press("Enter")
    status = page.locator(".ac-clear-all [role=status]")

    assert page.evaluate("() => Object.keys(localStorage)") == ["another-site-thing"]
    assert "Cleared from this browser: every answer for Module 2 and Module 5 (3 saved" in status.inner_text()
    assert "You have not started any module" in page.locator("#ac-my-progress").inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Clear all my answers"


def test_a_printout_carries_the_learners_own_answers_escaped(site: str, page: Any) -> None:
    page.goto(site + MODULE_PAGE)
    mine = page.locator(".ac-print-mine")
    case = first_case(page)
    case.get_by_role("button", name="Start the case").click()
    response = case.locator("button.ac-response").first.inner_text()
    case.locator("button.ac-response").first.click()
    check = page.locator("form.ac-check").first
    check.locator(".ac-live input").first.check()
    check.locator(".ac-live button[data-action=submit]").click()
    page.locator("div.ac-reflection").first.get_by_label("Your reflection").fill("I'd ask <b>her</b> words.")

    assert not mine.is_visible()  # on screen, the page itself shows the answers
    page.emulate_media(media="print")

    assert mine.is_visible()
    text = mine.inner_text()
    assert "My answers: Module 2" in text
    assert "you chose A: " + response.removeprefix("A. ")[:40] in text
    assert "Your answer: A." in text
    assert "I'd ask <b>her</b> words." in text and mine.locator("b").count() == 0


def test_the_reflection_view_shows_the_anchors_only_once_every_criterion_is_scored(
    site: str, page: Any
) -> None:
    page.goto(site + MODULE_PAGE)
    page.evaluate(WATCH_LIVE_REGIONS)
    page.evaluate(
        """async (url) => {
            const engine = await import(url);
            const data = JSON.parse(document.querySelector('div.ac-reflection script.ac-data').textContent);
            const root = document.createElement('div');
            root.id = 'probe';
            document.querySelector('main').appendChild(root);
            const host = {load: () => null, save: () => Promise.resolve(), warning: null,
                anchors: () => '<p class="fake-anchors">What each score looks like</p>', onAnchors: () => {}};
            engine.mount(root, data, host);
        }""",
        site + "_static/engine.js",
    )
    probe = page.locator("#probe")
    anchors = probe.locator(".ac-after-score")
    selects = probe.locator("select")
    for i in range(selects.count()):
        selects.nth(i).select_option("2")

    assert not anchors.is_visible()  # scored, but nothing written
    probe.locator("textarea").fill("I would ask how she names her work.")
    for i in range(selects.count() - 1):
        selects.nth(i).select_option("1")
    selects.nth(selects.count() - 1).select_option("")
    assert not anchors.is_visible()  # written, one criterion not scored
    page.wait_for_timeout(2200)  # the word count is said once the writer pauses: let it pass

    said = said_after(page, lambda: selects.nth(selects.count() - 1).select_option("3"))

    assert anchors.is_visible() and "What each score looks like" in anchors.inner_text()
    assert said == [said[0]] and said[0].startswith("You scored every criterion"), said
