"""A module's returned result, ``mNN-result.json``: what grading decided, for My progress to read.

``affirming_care grade feedback`` writes it beside each learner's feedback page, and puts the same
JSON into the page itself (``<script type="application/json" id="affirming-care-result">``):
nbgrader's exchange returns only the HTML page (``release_feedback``/``fetch_feedback``), so the
page is how the result reaches a learner's server; the file is for an LMS zip or a hand copy.

The learner's side reads either defensively (:func:`read_result`): only a regular file, at most
:data:`MAX_RESULT_BYTES`, validated by :class:`ModuleResult`; a bad one raises
:class:`BadResult` naming the file and the field.
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT: Literal["affirming-care/result"] = "affirming-care/result"
MAX_RESULT_BYTES = 64_000
"""A result is a few hundred bytes; a feedback page with one is well under a megabyte."""
MAX_PAGE_BYTES = 5_000_000
SCRIPT_ID = "affirming-care-result"
_EMBEDDED = re.compile(rf'<script type="application/json" id="{SCRIPT_ID}">(.*?)</script>', re.S)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PostTestPart(_Strict):
    earned: float = Field(ge=0)
    possible: float = Field(gt=0)
    pass_mark: float = Field(gt=0, le=1)
    passed: bool


class ReflectionPart(_Strict):
    score: float | None = Field(default=None, ge=0)
    max: float = Field(ge=0)
    threshold: float = Field(ge=0)
    graded: bool


class ModuleResult(_Strict):
    format: Literal["affirming-care/result"] = FORMAT
    module: str = Field(pattern=r"^m\d\d$")
    posttest: PostTestPart
    reflection: ReflectionPart | None = None
    """None: the assignment has no graded reflection."""
    passed: bool
    graded_at: str = Field(min_length=10, max_length=40)


def result_filename(module: str) -> str:
    return f"{module}-result.json"


class BadResult(Exception):
    """A result file that cannot be used; ``str()`` names the file and the field."""

    def __init__(self, path: Path, field: str, reason: str) -> None:
        where = f"field {field}: " if field else ""
        super().__init__(f"{path}: {where}{reason}")
        self.path, self.field, self.reason = path, field, reason


def _regular_text(path: Path, max_bytes: int) -> str:
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise BadResult(path, "", "not a regular file (a link, folder or device is never read)")
    if info.st_size > max_bytes:
        raise BadResult(path, "", f"{info.st_size} bytes, more than a result can be ({max_bytes})")
    try:
        with path.open("rb") as fh:
            return fh.read(max_bytes + 1).decode("utf-8")
    except UnicodeDecodeError:
        raise BadResult(path, "", "not UTF-8 text") from None


def parse_result(path: Path, text: str, module: str | None = None) -> ModuleResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadResult(path, "", f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    try:
        result = ModuleResult.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise BadResult(path, ".".join(str(p) for p in err["loc"]) or "(top level)", err["msg"]) from None
    if module is not None and result.module != module:
        raise BadResult(path, "module", f"is {result.module!r}, expected {module!r}")
    return result


def read_result(path: Path, module: str | None = None) -> ModuleResult:
    """A result from ``mNN-result.json``, or from the block a feedback page (``.html``) carries."""
    if path.suffix == ".html":
        page = _regular_text(path, MAX_PAGE_BYTES)
        found = _EMBEDDED.findall(page)
        if not found:
            raise BadResult(path, "", f"a feedback page without a result (no script #{SCRIPT_ID})")
        return parse_result(path, found[-1].replace("<\\/", "</"), module)  # ours is the last one
    return parse_result(path, _regular_text(path, MAX_RESULT_BYTES), module)


def embed(page: str, result: ModuleResult) -> str:
    """``page`` with ``result`` as inert JSON data before ``</body>`` (replacing an earlier copy)."""
    data = result.model_dump_json().replace("</", "<\\/")
    block = f'<script type="application/json" id="{SCRIPT_ID}">{data}</script>'
    page = _EMBEDDED.sub("", page)
    at = page.rfind("</body>")
    return page + block if at < 0 else page[:at] + block + page[at:]
