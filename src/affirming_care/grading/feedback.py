"""Feedback: one HTML page per learner (scores, comments, rubric), checked for answer keys, then sent.

The pages are made by nbgrader's generate_feedback with the preprocessors in ``preprocessors``.
To the module's page this adds the post-test item by item (the learner's choices, the right
answer, the points, the rationale and each option's feedback: ``posttest_feedback``) and the
module's result, which is also written beside the page as ``mNN-result.json``. nbgrader's exchange
returns only HTML pages, so the page carries the result to the learner (``result_file``).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from affirming_care.grading.course import load_settings
from affirming_care.grading.gradebook import api, short_error
from affirming_care.grading.posttest_feedback import PostTestPages, add_to_page
from affirming_care.grading.status import ModuleStatus, module_status
from affirming_care.result_file import result_filename

FORBIDDEN_IN_FEEDBACK = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "expect_answer(", "data-correct=")
"""Markers of an answer key: hidden tests, or the static check markup that flags correct options."""


@dataclass
class FeedbackResult:
    module: str
    written: dict[str, Path]
    held_back: dict[str, str]
    released_to_exchange: list[str]
    archive: Path | None


_MATHJAX = re.compile(
    r"<!-- Loading mathjax macro -->\s*|<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->\s*",
    re.S,
)
_REMOTE = r"""\s*=\s*["']?\s*(?:https?:)?//"""
_REMOTE_SCRIPT = re.compile(rf"<script\b[^>]*\bsrc{_REMOTE}[^>]*>.*?</script\s*>", re.S | re.I)
_REMOTE_TAG = re.compile(
    rf"<(?:link|img|iframe|embed|source|audio|video)\b[^>]*\b(?:src|href){_REMOTE}[^>]*>", re.I
)


def offline_page(html: str) -> str:
    """A feedback page that loads nothing from another host.

    nbgrader's feedback template loads MathJax from a CDN (whatever ``HTMLExporter.mathjax_url``
    says): that tells the CDN who opens their feedback, and when. The course's feedback has no
    mathematics, so MathJax goes, with any other script, stylesheet or image from another host.
    Links a learner can choose to follow stay.
    """
    html = _MATHJAX.sub("", html)
    html = _REMOTE_SCRIPT.sub("", html)
    return _REMOTE_TAG.sub("", html)


def _answer_key_in(html: str) -> str | None:
    text = html.replace("import expect_answer", "")
    for marker in FORBIDDEN_IN_FEEDBACK:
        if marker in text:
            return marker
    return None


def _ready(status: ModuleStatus, include_ungraded: bool, held: dict[str, str]) -> list[str]:
    """Learners whose feedback can be written; those held back go into ``held`` with the reason."""
    ready = []
    for row in status.learners:
        if not row.autograded:
            continue
        if row.reflection == "waiting" and not include_ungraded:
            held[row.id] = "reflection not graded yet"
            continue
        ready.append(row.id)
    return ready


def _write_one(
    root: Path,
    module: str,
    sid: str,
    nb_api: Any,
    written: dict[str, Path],
    held: dict[str, str],
    pages: PostTestPages | None = None,
) -> bool:
    """nbgrader's feedback for one learner, with the post-test item by item and the result added.

    A page holding an answer key of the practice checks (hidden tests, static check markup) is
    deleted and held back. ``mNN-result.json`` is written beside the page and carried inside it.
    """
    result = nb_api.generate_feedback(module, sid)
    if not result["success"]:
        held[sid] = f"nbgrader could not write feedback: {short_error(result)}"
        return False
    ok = True
    folder = root / "feedback" / sid / module
    outcome = pages.result(sid) if pages is not None else None
    section = pages.section(sid, outcome) if pages is not None else None
    for page in sorted(folder.glob("*.html")):
        text = offline_page(page.read_text(encoding="utf-8"))
        if page.stem == module:
            text = add_to_page(text, section, outcome)
        page.write_text(text, encoding="utf-8")
        marker = _answer_key_in(text)
        if marker:
            page.unlink()
            held[sid] = f"feedback held back: {page.name} contained {marker!r}"
            ok = False
        else:
            written[sid] = page
    if ok and outcome is not None:
        (folder / result_filename(module)).write_text(
            outcome.model_dump_json(indent=1) + "\n", encoding="utf-8"
        )
    return ok


def _release(
    root: Path, module: str, nb_api: Any, written: dict[str, Path], held: dict[str, str]
) -> list[str]:
    released: list[str] = []
    for sid in written:
        # Only work handed in through the exchange can go back through it: nbgrader finds the
        # learner's copy by the secret their submission carried. LMS hand-ins go back in the zip.
        if not (root / "feedback" / sid / module / "submission_secret.txt").exists():
            continue
        result = nb_api.release_feedback(module, sid)
        if result["success"]:
            released.append(sid)
        else:
            held[sid] = f"feedback written but not released to the exchange: {short_error(result)}"
    return released


def _archive(root: Path, module: str, written: dict[str, Path]) -> Path | None:
    if not written:
        return None
    archive = root / "exports" / f"{module}-feedback.zip"
    archive.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for sid, page in sorted(written.items()):
            zf.write(page, f"{sid}_{module}_feedback.html")  # the page carries the module's result
    return archive


def feedback(
    root: Path,
    module: str,
    *,
    include_ungraded: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[str, bool], None] | None = None,
) -> FeedbackResult:
    """One HTML page per learner: scores, the grader's comments and the rubric, never the answer key.

    Learners whose reflection still waits for a grader are held back unless ``include_ungraded``.
    Each page is checked for hidden tests before it is kept. Feedback goes to the exchange (if the
    course has one) and into a zip for an LMS.
    """
    settings = load_settings(root)
    status = module_status(root, module)
    held: dict[str, str] = {}
    ready = _ready(status, include_ungraded, held)
    nb_api = api(root)
    pages = PostTestPages.load(root, module, settings.pass_rule)
    written: dict[str, Path] = {}
    if on_start:
        on_start(len(ready))
    for sid in ready:
        ok = _write_one(root, module, sid, nb_api, written, held, pages)
        if on_done:
            on_done(sid, ok)
    released = _release(root, module, nb_api, written, held) if settings.exchange else []
    if settings.exchange:  # learners must read their released page whatever the instructor's umask
        from affirming_care.grading.init import secure_exchange

        secure_exchange(Path(settings.exchange), settings.course_id)
    return FeedbackResult(
        module=module,
        written=written,
        held_back=held,
        released_to_exchange=released,
        archive=_archive(root, module, written),
    )
