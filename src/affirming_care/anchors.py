"""Anchored rubric: what each score means for one module's reflection prompt, with exemplars (issue 13).

``content/rubric.yml`` gives four criteria with generic levels 0–3 that every reflection shares.
A grader needs more: what a 0, 1, 2 or 3 answer *to this prompt* looks like, and worked examples.
Those live in ``assessment/rubric/mNN.yml``, on the instructor's side, because they are close to a
model answer: a learner who read them before writing would copy rather than reflect. They never go
into ``content/``, a notebook, the book or a released assignment.

One file per module:

- ``anchors``: for every rubric criterion (by its id in ``content/rubric.yml``), four levels, scores
  0 to 3 in order, each described concretely for this prompt;
- ``exemplars``: three fictional reflections, ``weak``, ``adequate`` and ``strong``, each with a
  reference score and a one-sentence rationale per criterion. Their totals rise from weak to strong,
  and their length is within (or near) the prompt's word range.

Shown to graders by :func:`grader_html` (``affirming_care grade rubric``), used as the reference in
a calibration round (``affirming_care grade calibrate``), and offered to self-paced learners only
after they have scored themselves (:func:`after_self_score_html`).
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from affirming_care import paths
from affirming_care._yaml import line_of
from affirming_care.content import Id, ModuleId, Reflection, Rubric, Strict, Text
from affirming_care.loader import _LINES, ContentError, Problem, _field, load_model

ANCHORS_ROOT = paths.course_root() / "assessment" / "rubric"
"""The shipped anchors in the source repository. The learner edition does not contain them."""

ANCHORS_ENV = "AFFIRMING_CARE_ANCHORS"
ANCHOR_FILE = re.compile(r"^m(0\d|1[0-2])\.yml$")
QUALITIES = ("weak", "adequate", "strong")
WORD_SLACK = 0.2
"""An exemplar may be this fraction shorter than the prompt's minimum or longer than its maximum."""

Score = Annotated[int, Field(ge=0, le=3)]


class LevelAnchor(Strict):
    """What an answer at one score looks like for this prompt."""

    score: Score
    text: Text


class ReferenceScore(Strict):
    """An exemplar's reference score on one criterion, and why, in one sentence."""

    score: Score
    rationale: Text


class Exemplar(Strict):
    """A fictional reflection, written as a professional reflecting on practice."""

    quality: Literal["weak", "adequate", "strong"]
    text: Text
    scores: dict[Id, ReferenceScore]

    @property
    def total(self) -> int:
        return sum(s.score for s in self.scores.values())

    @property
    def words(self) -> int:
        return word_count(self.text)


class ModuleAnchors(Strict):
    """The anchored rubric of one module's reflection (``assessment/rubric/mNN.yml``)."""

    module: ModuleId
    reflection: Id = Field(description="The id of the module's reflection in content/")
    anchors: dict[Id, list[LevelAnchor]] = Field(description="Rubric criterion id → levels 0 to 3")
    exemplars: list[Exemplar] = Field(min_length=3, max_length=3)

    def exemplar(self, quality: str) -> Exemplar:
        for e in self.exemplars:
            if e.quality == quality:
                return e
        raise KeyError(f"{self.module} has no {quality!r} exemplar")

    def problems(
        self, rubric: Rubric, reflection: Reflection | None
    ) -> list[tuple[tuple[str | int, ...], str]]:
        """What the field types cannot say, as (field path, message) pairs the loader maps to lines."""
        criteria = [c.id for c in rubric.criteria]
        found: list[tuple[tuple[str | int, ...], str]] = []
        found += _criteria_problems(("anchors",), list(self.anchors), criteria)
        for cid, levels in self.anchors.items():
            got = [lv.score for lv in levels]
            if got != [0, 1, 2, 3]:
                found.append(
                    (("anchors", cid), f"needs four levels with scores 0, 1, 2, 3 in order; got {got}")
                )
        qualities = [e.quality for e in self.exemplars]
        if sorted(qualities) != sorted(QUALITIES):
            found.append(
                (("exemplars",), f"needs one weak, one adequate and one strong exemplar; got {qualities}")
            )
        for i, e in enumerate(self.exemplars):
            found += _criteria_problems(("exemplars", i, "scores"), list(e.scores), criteria)
            if reflection is not None:
                lo, hi = reflection.words
                low, high = int(lo * (1 - WORD_SLACK)), int(hi * (1 + WORD_SLACK))
                if not low <= e.words <= high:
                    found.append(
                        (
                            ("exemplars", i, "text"),
                            f"has {e.words} words; expected {low} to {high} "
                            f"(the prompt asks for {lo} to {hi})",
                        )
                    )
        if sorted(qualities) == sorted(QUALITIES):
            totals = [self.exemplar(q).total for q in QUALITIES]
            if not totals[0] < totals[1] < totals[2]:
                found.append(
                    (
                        ("exemplars",),
                        f"reference totals must rise from weak to adequate to strong; got {totals}",
                    )
                )
        if reflection is not None and self.reflection != reflection.id:
            found.append(
                (
                    ("reflection",),
                    f"is {self.reflection!r} but {self.module}'s reflection is {reflection.id!r}",
                )
            )
        return found


def _criteria_problems(
    where: tuple[str | int, ...], got: list[str], criteria: list[str]
) -> list[tuple[tuple[str | int, ...], str]]:
    found: list[tuple[tuple[str | int, ...], str]] = []
    for cid in got:
        if cid not in criteria:
            found.append(((*where, cid), f"{cid!r} is not a rubric criterion; expected one of {criteria}"))
    missing = [c for c in criteria if c not in got]
    if missing:
        found.append((where, f"missing criteria {missing} (every criterion of content/rubric.yml is needed)"))
    return found


def word_count(text: str) -> int:
    """Words as a grader counts them: runs of letters, digits and apostrophes or hyphens inside them."""
    return len(re.findall(r"[\w’']+(?:-[\w’']+)*", text))


def anchors_root() -> Path:
    """``$AFFIRMING_CARE_ANCHORS`` if set, else ``assessment/rubric`` of this checkout."""
    return Path(os.environ.get(ANCHORS_ENV, ANCHORS_ROOT))


# --- Loading ------------------------------------------------------------------------------------


def load_module_anchors(path: Path, rubric: Rubric, reflection: Reflection | None) -> ModuleAnchors:
    """Validate one anchors file against the rubric and the module's reflection."""
    anchors = load_model(ModuleAnchors, path)
    found = anchors.problems(rubric, reflection)
    if path.stem != anchors.module:
        found.append((("module",), f"is {anchors.module!r} but the file is {path.name}"))
    if found:
        raise ContentError(
            [Problem(path, line_of(_LINES[path], loc), _field(loc), msg) for loc, msg in found]
        )
    return anchors


def load_anchors(
    rubric: Rubric,
    reflections: dict[str, Reflection],
    folder: Path | None = None,
    *,
    complete: bool = True,
) -> dict[str, ModuleAnchors]:
    """Every ``mNN.yml`` in ``folder`` (default :func:`anchors_root`), keyed by module id.

    ``reflections`` maps module id to the module's reflection. With ``complete`` (the default), every
    one of them needs an anchors file. Raises ContentError listing every problem in every file.
    """
    folder = Path(folder) if folder else anchors_root()
    if not folder.is_dir():
        raise ContentError([Problem(folder, 1, "", "no anchored-rubric folder here; expected mNN.yml files")])
    problems: list[Problem] = []
    found: dict[str, ModuleAnchors] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".yml", ".yaml"):
            continue
        if not ANCHOR_FILE.match(path.name):
            problems.append(
                Problem(path, 1, "", "an anchors file is named for its module, m00.yml to m12.yml")
            )
            continue
        if path.stem not in reflections:
            problems.append(Problem(path, 1, "", f"no module {path.stem!r} with a reflection in the content"))
            continue
        try:
            found[path.stem] = load_module_anchors(path, rubric, reflections[path.stem])
        except ContentError as exc:
            problems += exc.problems
    if complete:
        for mid in sorted(set(reflections) - set(found)):
            if not (folder / f"{mid}.yml").exists():
                problems.append(
                    Problem(folder / f"{mid}.yml", 1, "", f"missing: {mid} has a reflection but no anchors")
                )
    if problems:
        raise ContentError(problems)
    return found


def course_anchors(module: str, folder: Path | None = None) -> ModuleAnchors | None:
    """One module's anchors for the course's own content, or None if there is no anchors folder."""
    from affirming_care.loader import cached_course

    folder = Path(folder) if folder else anchors_root()
    path = folder / f"{module}.yml"
    if not path.exists():
        return None
    course = cached_course()
    return load_module_anchors(path, course.rubric, course.module(module).reflection)


# --- HTML ---------------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, sans-serif; line-height: 1.5; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; color: #1a1a1a; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #666; padding: 0.4rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #eef; }
.exemplar { border-left: 4px solid #446; padding: 0 1rem; margin: 1rem 0 2rem; }
.exemplar blockquote { white-space: pre-wrap; margin: 0.5rem 0; padding: 0.5rem 1rem; background: #f6f6f6; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def levels_table_html(anchors: ModuleAnchors, rubric: Rubric) -> str:
    """The anchored levels alone, one row per criterion, one column per score (no exemplars)."""
    out = ["<table><caption>Anchored levels, by criterion</caption>"]
    out.append("<thead><tr><th scope='col'>Criterion</th>")
    out += [f"<th scope='col'>{n}</th>" for n in range(4)]
    out.append("</tr></thead><tbody>")
    for c in rubric.criteria:
        out.append(f"<tr><th scope='row'>{_e(c.title)}</th>")
        out += [f"<td>{_e(lv.text)}</td>" for lv in anchors.anchors.get(c.id, [])]
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def anchors_html(anchors: ModuleAnchors, rubric: Rubric, *, heading_level: int = 2) -> str:
    """The anchors table and the three exemplars with their reference scores, as an HTML fragment.

    Every piece of text is escaped; the fragment has no script and no style of its own.
    """
    h, h2 = f"h{heading_level}", f"h{heading_level + 1}"
    out = [f"<section aria-labelledby='anchors-{_e(anchors.module)}'>"]
    out.append(f"<{h} id='anchors-{_e(anchors.module)}'>What each score looks like for this prompt</{h}>")
    out.append(levels_table_html(anchors, rubric))
    out.append(f"<{h}>Exemplars (fictional), with reference scores</{h}>")
    for q in QUALITIES:
        e = anchors.exemplar(q)
        out.append("<div class='exemplar'>")
        out.append(
            f"<{h2}>{_e(q.capitalize())} answer: {e.total} of {rubric.max_points} ({e.words} words)</{h2}>"
        )
        out.append(f"<blockquote>{_e(e.text)}</blockquote>")
        out.append(f"<table><caption>Reference scores for the {_e(q)} answer</caption>")
        out.append("<thead><tr><th scope='col'>Criterion</th><th scope='col'>Score</th>")
        out.append("<th scope='col'>Why</th></tr></thead><tbody>")
        for c in rubric.criteria:
            s = e.scores[c.id]
            out.append(
                f"<tr><th scope='row'>{_e(c.title)}</th><td>{s.score}</td><td>{_e(s.rationale)}</td></tr>"
            )
        out.append("</tbody></table></div>")
    out.append("</section>")
    return "\n".join(out)


def grader_html(anchors: ModuleAnchors, rubric: Rubric, reflection: Reflection, module_title: str) -> str:
    """A whole page for graders: the prompt, what to look for, the anchors and the exemplars."""
    title = f"Grading the {anchors.module} reflection: {module_title}"
    look_for = "".join(f"<li>{_e(x)}</li>" for x in reflection.look_for)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            "<html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body><main>",
            f"<h1>{_e(title)}</h1>",
            "<p><strong>For graders only.</strong> These anchors and exemplars are close to model answers: "
            "do not share them with learners before they have written and scored their own reflection.</p>",
            f"<h2>The prompt ({reflection.words[0]} to {reflection.words[1]} words)</h2>",
            f"<blockquote style='white-space: pre-wrap'>{_e(reflection.prompt)}</blockquote>",
            f"<h2>A strong answer</h2><ul>{look_for}</ul>",
            anchors_html(anchors, rubric),
            "</main></body></html>",
            "",
        ]
    )


def after_self_score_html(module: str, self_scores: dict[str, int], folder: Path | None = None) -> str | None:
    """For a self-paced learner, *after* they have scored their own reflection: the anchors and exemplars.

    The seam for the widget engine (issue 13): call it only once the learner has written their
    reflection and recorded a score for every criterion (``self_scores``, criterion id → 0 to 3:
    the answer store's ``ReflectionRecord.self_assessment``, once it has every criterion);
    it raises ValueError if a criterion is missing, so it cannot be shown before. Returns None when no
    anchors are installed, as in a learner edition built without ``assessment/``: the caller then
    shows nothing extra. The HTML is escaped and has no script.
    """
    from affirming_care.loader import cached_course

    anchors = course_anchors(module, folder)
    if anchors is None:
        return None
    rubric = cached_course().rubric
    missing = [c.id for c in rubric.criteria if c.id not in self_scores]
    bad = {k: v for k, v in self_scores.items() if not isinstance(v, int) or not 0 <= v <= 3}
    if missing or bad:
        raise ValueError(f"score every criterion 0 to 3 first; missing {missing}, out of range {bad}")
    rows = "".join(
        f"<tr><th scope='row'>{_e(c.title)}</th><td>{self_scores[c.id]}</td></tr>" for c in rubric.criteria
    )
    mine = (
        "<table><caption>Your own scores</caption><thead><tr><th scope='col'>Criterion</th>"
        f"<th scope='col'>You gave</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return mine + "\n" + anchors_html(anchors, rubric, heading_level=3)


def write_grader_pages(out: Path, modules: Iterable[str], folder: Path | None = None) -> list[Path]:
    """``out/mNN.html`` for each module that has anchors; the pages graders open beside formgrader."""
    from affirming_care.loader import cached_course

    course = cached_course()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for mid in modules:
        anchors = course_anchors(mid, folder)
        reflection = course.module(mid).reflection
        if anchors is None or reflection is None:
            continue
        page = out / f"{mid}.html"
        page.write_text(
            grader_html(anchors, course.rubric, reflection, course.module(mid).meta.title), encoding="utf-8"
        )
        written.append(page)
    return written


def summary(found: Iterable[ModuleAnchors]) -> tuple[int, int]:
    """(modules, exemplars) for the check command's line."""
    items = list(found)
    return len(items), sum(len(a.exemplars) for a in items)
