"""The post-test mode of the engine's check component, in headless Chromium, by keyboard only.

Quicker than JupyterLab (tests/test_widget_keyboard.py drives the same component there): a page
that mounts the engine's views over items drawn from the shipped m07 bank (the keyless copy, as
``PostTestWidget`` sends them), with a stand-in for the kernel host that acknowledges each save
after a moment, or refuses it as a kernel that is gone does. Served on 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from affirming_care import posttest, render

pytestmark = [pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]
SEED = "0123456789abcdef"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Post-test</title></head>
<body><main><h1>Module 7: post-test</h1><div id="item0"></div><div id="item1"></div><div id="item2"></div>
<script type="module">
import { mount } from "./engine.js";
const items = await (await fetch("items.json")).json();
window.saved = [];
window.failSaves = false;
function host(data, stored) {
  return {
    warning: null,
    load: () => stored,
    save: (event) => new Promise((resolve, reject) => setTimeout(() => {
      if (window.failSaves) { reject(new Error("This cell is not connected to Python.")); return; }
      window.saved.push([data.id, event]);
      resolve({ ok: true });
    }, 300))
  };
}
items.forEach(([data, stored], i) => mount(document.getElementById("item" + i), data, host(data, stored)));
window.ready = true;
</script></main></body></html>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def items() -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """A single-answer item behind a content note, one without, and a multiple one already answered."""
    public = posttest.public_bank(posttest.load_banks()["m07"])
    drawn = {d.slot_id: d for d in posttest.draw(public, SEED)}
    noted = next(s for s in public.slots if all(v.content_note and v.kind == "single" for v in s.variants))
    plain = next(
        s
        for s in public.slots
        if posttest.drawn_variant(public, drawn[s.id]).kind == "single"
        and not posttest.drawn_variant(public, drawn[s.id]).content_note
    )
    multiple = next(s for s in public.slots if posttest.drawn_variant(public, drawn[s.id]).kind == "multiple")
    out: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for slot, stored in ((noted, None), (plain, None), (multiple, "saved")):
        d = drawn[slot.id]
        data = render.posttest_data(
            "m07",
            slot.id,
            posttest.drawn_variant(public, d),
            d.option_order,
            public.slots.index(slot) + 1,
            len(public.slots),
        )
        out.append((data, {"selected": sorted(d.option_order[:2])} if stored else None))
    return out


@pytest.fixture(scope="module")
def posttest_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[Any]]]:
    folder = tmp_path_factory.mktemp("posttest-page")
    shutil.copy(ROOT / "src" / "affirming_care" / "static" / "engine.js", folder / "engine.js")
    shown = items()
    (folder / "items.json").write_text(json.dumps(shown), encoding="utf-8")
    (folder / "posttest.html").write_text(PAGE, encoding="utf-8")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/posttest.html", shown
    finally:
        server.shutdown()
        server.server_close()


def focused(page: Any) -> str:
    return page.evaluate(
        "document.activeElement.id || document.activeElement.getAttribute('aria-label') || document.activeElement.tagName"
    )


def test_a_posttest_item_is_answered_by_keyboard_and_says_only_that_it_is_saved(
    page: Any, posttest_page: tuple[str, list[Any]]
) -> None:
    from playwright.sync_api import expect

    url, shown = posttest_page
    (noted, _), (plain, _), (multiple, stored) = shown
    page.goto(url)
    page.wait_for_function("window.ready === true")
    first = page.locator("#item0")
    title = f"question {noted['number']} of {noted['total']}"

    # The content note comes first; Tab reaches "Show the question", with a visible ring.
    page.keyboard.press("Tab")
    assert focused(page) == f"Show {title}"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "the focused button has no visible focus"
    expect(first.locator(".ac-note")).to_contain_text("Content note:")
    expect(first.locator("fieldset")).to_have_count(0)
    page.keyboard.press("Tab")
    assert focused(page) == f"Leave {title} unanswered"
    page.keyboard.press("Enter")
    expect(first).to_contain_text("stays unanswered")
    assert focused(page) == f"Show {title}"
    page.keyboard.press("Enter")

    # A real radio group: legend "Question N of M.", the options in the drawn order.
    group = first.get_by_role("group", name=f"Question {noted['number']} of {noted['total']}.")
    expect(group).to_be_visible()
    radios = group.get_by_role("radio")
    expect(radios).to_have_count(4)
    assert [radios.nth(i).get_attribute("value") for i in range(4)] == [o["id"] for o in noted["options"]]
    expect(radios.first).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # B
    expect(radios.nth(1)).to_be_checked()
    page.keyboard.press("Tab")
    assert focused(page) == f"Save my answer to {title}"
    page.keyboard.press("Enter")
    status = first.locator("[role=status].ac-check-status")
    expect(status).to_have_text("Saving…")  # not "saved" before the host has kept it
    expect(status).to_have_text("Answer saved (B). You can change it until you hand in the assignment.")
    assert page.evaluate("window.saved") == [[noted["id"], {"selected": [noted["options"][1]["id"]]}]]

    # A save the host refuses is never shown as saved, and says why.
    page.evaluate("window.failSaves = true")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowDown")  # C
    expect(status).to_contain_text("Not saved yet")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(first.locator("[role=alert]").first).to_contain_text("not connected")
    expect(status).not_to_contain_text("Answer saved")
    page.evaluate("window.failSaves = false")

    # A reopened item shows its saved choice; a multiple one is checkboxes, "all that apply".
    third = page.locator("#item2")
    boxes = third.get_by_role("checkbox")
    expect(boxes).to_have_count(4)
    assert [boxes.nth(i).is_checked() for i in range(4)] == [
        o["id"] in stored["selected"] for o in multiple["options"]
    ]
    expect(third.locator(".ac-check-status")).to_contain_text("Answer saved (A, B)")
    boxes.nth(3).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(third.locator(".ac-check-status")).to_contain_text("Answer saved (A, B, D)")

    text = page.locator("main").inner_text()
    for word in ("Correct", "Not quite", "right answer", "It is not"):
        assert word not in text
    assert page.locator("#item1 fieldset legend").inner_text().startswith(f"Question {plain['number']} of")
