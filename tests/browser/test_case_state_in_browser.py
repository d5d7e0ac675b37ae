"""In the built book, the capstone's custody scene reads differently after the note names her work."""

from __future__ import annotations

from typing import Any

CAPSTONE_PAGE = "notebooks/m12-capstone.html"


def test_the_note_resurfaces_in_the_custody_scene_and_back_undoes_it(site: str, page: Any) -> None:
    page.goto(site + CAPSTONE_PAGE)
    case = page.locator('div.ac-vignette[data-vignette="m12-capstone"]')
    case.scroll_into_view_if_needed()
    live = case.locator(".ac-live")
    case.get_by_role("button", name="Start the case").click()
    # The strong opening, her own words, then a note that names her work.
    for choice in ("c", "a", "a"):
        live.locator(f'button.ac-response[data-choice="{choice}"]').click()
        live.get_by_role("button", name="Continue").first.click()
    scene = live.locator('.ac-scene[data-scene="the-request"]')

    assert scene.is_visible()
    assert "names it" in scene.inner_text()
    assert "Nothing in the file names her work" not in scene.inner_text()
    assert scene.get_attribute("data-flags") == "wrote-her-work-in-file"

    live.get_by_role("button", name="Back").first.click()
    live.locator('button.ac-response[data-choice="b"]').click()
    live.get_by_role("button", name="Continue").first.click()

    assert "Nothing in the file names her work" in scene.inner_text()
    assert scene.get_attribute("data-flags") == ""
