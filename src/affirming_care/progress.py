"""A self-paced learner's progress, read from their own answer stores.

The "My progress" notebook (``notebooks/my-progress.ipynb``) calls :func:`show_progress` and
:func:`certificate_maker`. Both read the ``mNN-answers.json`` files the module notebooks wrote
beside them (``$AFFIRMING_CARE_ANSWERS`` or the current folder), and never change them: a damaged
file is reported here and moved aside only when its own module notebook opens it. Whether a
module's post-test was passed comes only from a result grading returned (``mNN-result.json``, or
the copy inside the returned feedback page: :func:`result_candidates`); a result that cannot be
read is reported by file and field and left out.

The published book shows the same view from what the browser keeps (``book/_static/my-progress.js``).
That script gets :func:`course_summary` as JSON and follows the same rules, listed in
:func:`module_progress`; a test runs both on the same stores and compares them.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any, Literal

from affirming_care.content import Rubric
from affirming_care.loader import Course, ModuleContent, cached_course
from affirming_care.result_file import BadResult, ModuleResult, read_result, result_filename
from affirming_care.store import AnswerFile, DamagedStore, read_answer_file, store_filename

Status = Literal["not started", "started", "activities done", "complete"]
PostTest = Literal["not graded", "passed", "not passed"]
RESULTS_ENV = "AFFIRMING_CARE_RESULTS"

CERTIFICATE_FILE = "my-certificate.pdf"


@dataclass
class ModuleProgress:
    """Where one learner is in one module."""

    id: str
    number: int
    title: str
    notebook: str
    minutes: int
    status: Status = "not started"
    cases_total: int = 0
    cases_done: int = 0
    """Cases finished. A skipped case is not done (it is counted in ``cases_skipped``)."""
    cases_skipped: int = 0
    checks_total: int = 0
    checks_answered: int = 0
    checks_right: int = 0
    """Checks whose latest answer is right."""
    checks_right_first: int = 0
    """Checks answered right at the first try."""
    reflection_total: int = 0
    reflection_words: int = 0
    reflection_min: int = 0
    reflection_max: int = 0
    """The prompt's word range (``Reflection.words``); 0 and 0 when the module has no reflection."""
    self_assessment: int | None = None
    """The learner's own rubric score, once every criterion is scored."""
    self_assessment_max: int = 0
    updated: str | None = None
    problem: str | None = None
    posttest: PostTest = "not graded"
    """From a returned result (``mNN-result.json``); the book never has one."""
    posttest_earned: float | None = None
    posttest_possible: float | None = None
    posttest_pass_mark: float | None = None
    result_file: str | None = None

    @property
    def reflection_written(self) -> bool:
        return self.reflection_words > 0

    @property
    def reflection_in_range(self) -> bool:
        """No reflection in the module, or one within the prompt's word range."""
        if not self.reflection_total:
            return True
        return self.reflection_min <= self.reflection_words <= self.reflection_max

    @property
    def parts_total(self) -> int:
        return self.cases_total + self.checks_total + self.reflection_total

    @property
    def parts_done(self) -> int:
        written = 1 if self.reflection_total and self.reflection_written else 0
        return self.cases_done + self.checks_answered + written

    @property
    def percent_done(self) -> int:
        return round(100 * self.parts_done / self.parts_total) if self.parts_total else 0

    @property
    def label(self) -> str:
        return f"Module {self.number}: {self.title}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["reflection_written"] = self.reflection_written
        data["reflection_in_range"] = self.reflection_in_range
        data["percent_done"] = self.percent_done
        return data


@dataclass
class CourseProgress:
    """A learner's progress across the whole course."""

    title: str
    modules: list[ModuleProgress]
    folder: Path | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> list[ModuleProgress]:
        """Modules complete by the rule in :func:`module_progress` (what a certificate lists)."""
        return [m for m in self.modules if m.status == "complete"]

    @property
    def activities_done(self) -> list[ModuleProgress]:
        """Cases and reflection done, the post-test not (yet) graded and passed."""
        return [m for m in self.modules if m.status == "activities done"]

    @property
    def started(self) -> list[ModuleProgress]:
        return [m for m in self.modules if m.status == "started"]

    @property
    def empty(self) -> bool:
        """Nothing answered yet in any module."""
        return all(m.status == "not started" for m in self.modules)

    @property
    def minutes_complete(self) -> int:
        return sum(m.minutes for m in self.complete)

    @property
    def minutes_total(self) -> int:
        return sum(m.minutes for m in self.modules)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "modules": [m.to_json() for m in self.modules],
            "complete": len(self.complete),
            "activities_done": len(self.activities_done),
            "started": len(self.started),
            "minutes_complete": self.minutes_complete,
            "minutes_total": self.minutes_total,
            "problems": list(self.problems),
        }


def word_count(text: str) -> int:
    """Words as the reflection widget counts them."""
    return len(text.split())


def _count_cases(p: ModuleProgress, mod: ModuleContent, data: AnswerFile) -> list[str]:
    """Cases finished and skipped into ``p``; the records' timestamps."""
    stamps = []
    for vid in mod.vignettes:
        record = data.vignettes.get(vid)
        if record is None:
            continue
        stamps.append(record.updated)
        p.cases_done += record.status == "finished"
        p.cases_skipped += record.status == "skipped"
    return stamps


def _count_checks(p: ModuleProgress, mod: ModuleContent, data: AnswerFile) -> list[str]:
    stamps = []
    for q in mod.questions:
        check = data.checks.get(q.id)
        if check is None or not check.selected:
            continue
        stamps.append(check.updated)
        p.checks_answered += 1
        p.checks_right += frozenset(check.selected) == q.answer
        p.checks_right_first += frozenset(check.first) == q.answer  # the first-attempt rule (store)
    return stamps


def _count_reflection(p: ModuleProgress, mod: ModuleContent, rubric: Rubric, data: AnswerFile) -> list[str]:
    written = data.reflections.get(mod.reflection.id) if mod.reflection else None
    if written is None:
        return []
    p.reflection_words = word_count(written.text)
    scores = written.self_assessment
    if all(c.id in scores for c in rubric.criteria):
        p.self_assessment = sum(scores[c.id] for c in rubric.criteria)
    return [written.updated]


def module_progress(
    mod: ModuleContent, rubric: Rubric, data: AnswerFile | None, result: ModuleResult | None = None
) -> ModuleProgress:
    """One module's progress from its answer store (None: no file yet) and its returned result.

    The rules, which ``my-progress.js`` follows too (the book has no results, so there a module
    gets as far as "activities done"):

    * a case counts as done when it is finished; a skipped case is **not** done (it is counted as
      skipped);
    * a check counts as answered once it has a saved answer; it is right when the latest answer
      is exactly the right options, and right first time when the first attempt was (the practice
      checks teach: they are not part of completion);
    * the reflection counts as written when it has at least one word, and as long enough when its
      words are within the prompt's range (``Reflection.words``, min to max); the self-assessment
      counts once every rubric criterion has a score;
    * the post-test is "passed" or "not passed" only from a returned result (``mNN-result.json``,
      written by grading); without one it is "not graded";
    * a module is *started* when anything is saved in its store; *activities done* when every case
      is done and the reflection is within the word range; *complete* when, on top of that, its
      post-test result says passed.
    """
    meta = mod.meta
    p = ModuleProgress(
        id=meta.id,
        number=meta.number,
        title=meta.title,
        notebook=meta.notebook,
        minutes=meta.minutes,
        cases_total=len(mod.vignettes),
        checks_total=len(mod.questions),
        reflection_total=1 if mod.reflection else 0,
        reflection_min=mod.reflection.words[0] if mod.reflection else 0,
        reflection_max=mod.reflection.words[1] if mod.reflection else 0,
        self_assessment_max=rubric.max_points,
    )
    if result is not None:
        p.posttest = "passed" if result.posttest.passed else "not passed"
        p.posttest_earned = result.posttest.earned
        p.posttest_possible = result.posttest.possible
        p.posttest_pass_mark = result.posttest.pass_mark
    if data is None:
        return p
    stamps = (
        _count_cases(p, mod, data) + _count_checks(p, mod, data) + _count_reflection(p, mod, rubric, data)
    )
    anything = bool(data.vignettes or data.checks or data.reflections)
    p.updated = max(stamps) if stamps else None
    if anything:
        p.status = "started"
        if p.cases_done == p.cases_total and p.reflection_in_range:
            p.status = "complete" if p.posttest == "passed" else "activities done"
    return p


def answers_folder(folder: Path | str | None = None) -> Path:
    """Where the answer stores are: ``folder``, else ``$AFFIRMING_CARE_ANSWERS``, else here."""
    return Path(folder or os.environ.get("AFFIRMING_CARE_ANSWERS", "."))


def progress_from_stores(
    course: Course,
    stores: Mapping[str, AnswerFile | None],
    results: Mapping[str, ModuleResult] | None = None,
) -> CourseProgress:
    """Progress from stores (and returned results) already read, keyed by module id."""
    results = results or {}
    modules = [
        module_progress(mod, course.rubric, stores.get(mid), results.get(mid))
        for mid, mod in sorted(course.modules.items())
    ]
    return CourseProgress(title=course.curriculum.title, modules=modules)


def kept_damaged_files(folder: Path, module_id: str) -> list[Path]:
    """Answer files of a module that the store kept aside as damaged (never deleted)."""
    stem = store_filename(module_id).removesuffix(".json")
    return sorted(folder.glob(f"{stem}.DAMAGED-*.json")) + sorted(folder.glob(f"{stem}.json.damaged-*"))


def result_candidates(module_id: str, answers: Path) -> list[Path]:
    """Where a returned result may be: ``$AFFIRMING_CARE_RESULTS`` if set, else nbgrader's fetched feedback.

    With the variable set, only ``mNN-result.json`` in that folder. Otherwise, in
    ``<answers folder>/../mNN/feedback/*/`` and ``~/mNN/feedback/*/`` (nbgrader's fetch_feedback
    layout, one folder per hand-in): ``mNN-result.json``, and the copy the feedback page ``mNN.html``
    carries (the exchange returns only the page).
    """
    name = result_filename(module_id)
    chosen = os.environ.get(RESULTS_ENV)
    if chosen:
        path = Path(chosen).expanduser() / name
        return [path] if path.exists() or path.is_symlink() else []
    found: list[Path] = []
    for base in (answers.resolve().parent / module_id, Path.home() / module_id):
        for folder in sorted(base.glob("feedback/*")):
            for path in (folder / name, folder / f"{module_id}.html"):
                if path not in found and (path.exists() or path.is_symlink()):
                    found.append(path)
    return found


def read_results(
    course: Course, answers: Path
) -> tuple[dict[str, ModuleResult], dict[str, list[str]], dict[str, str]]:
    """The newest readable result per module (by ``graded_at``), what was wrong with the others, and
    which file each result came from.

    A page that carries no result (older feedback) is passed over quietly when a result file is
    beside it; every other unreadable candidate is reported by file and field.
    """
    results: dict[str, ModuleResult] = {}
    bad: dict[str, list[str]] = {}
    files: dict[str, str] = {}
    for mid in sorted(course.modules):
        read: list[tuple[ModuleResult, Path]] = []
        for path in result_candidates(mid, answers):
            if path.suffix == ".html" and (path.parent / result_filename(mid)).is_file():
                continue  # the file beside the page says the same
            try:
                read.append((read_result(path, mid), path))
            except BadResult as exc:
                if path.suffix == ".html" and not exc.field and "without a result" in exc.reason:
                    continue
                bad.setdefault(mid, []).append(str(exc))
            except OSError as exc:
                bad.setdefault(mid, []).append(f"{path}: could not be read ({exc.strerror})")
        if read:
            newest, path = max(read, key=lambda pair: pair[0].graded_at)
            results[mid] = newest
            files[mid] = str(path)
    return results, bad, files


def read_progress(folder: Path | str | None = None, course: Course | None = None) -> CourseProgress:
    """Read every module's store and returned result (read only) and compute the learner's progress."""
    course = course or cached_course()
    where = answers_folder(folder)
    stores: dict[str, AnswerFile | None] = {}
    problems: dict[str, str] = {}
    for mid in sorted(course.modules):
        try:
            stores[mid] = read_answer_file(where / store_filename(mid), mid)
        except DamagedStore as exc:
            problems[mid] = exc.reason
            stores[mid] = None
    results, bad_results, files = read_results(course, where)
    progress = progress_from_stores(course, stores, results)
    progress.folder = where
    for m in progress.modules:
        m.result_file = files.get(m.id)
    for m in progress.modules:
        kept = kept_damaged_files(where, m.id)
        if m.id in problems:
            m.problem = (
                f"Your saved answers in {store_filename(m.id)} could not be read ({problems[m.id]}). "
                f"Open {m.notebook}.ipynb: it keeps that file aside, never deletes it, and starts a fresh one."
            )
        elif kept:
            names = ", ".join(k.name for k in kept)
            m.problem = (
                f"Earlier answers for {m.label} could not be read and are kept, unchanged, as {names} "
                "(beside the notebooks). What you see here counts only the answers given since. "
                "To get the earlier answers back, give that file to the person who runs your course."
            )
        for text in bad_results.get(m.id, []):
            note = (
                f"A returned post-test result for {m.label} could not be used: {text}. My progress "
                "leaves it out; ask the person who runs your course to return your feedback again."
            )
            m.problem = f"{m.problem} {note}" if m.problem else note
        if m.problem:
            progress.problems.append(m.problem)
    return progress


# What the book's script needs -----------------------------------------------------------------------


def course_summary(course: Course) -> dict[str, Any]:
    """What ``my-progress.js`` needs to compute the same progress in the browser.

    It holds the right answers of the checks: the book already shows them, with their feedback,
    to anyone who opens a check.
    """
    return {
        "title": course.curriculum.title,
        "rubric": {"criteria": [c.id for c in course.rubric.criteria], "max": course.rubric.max_points},
        "modules": [
            {
                "id": mid,
                "number": mod.meta.number,
                "title": mod.meta.title,
                "notebook": mod.meta.notebook,
                "minutes": mod.meta.minutes,
                "vignettes": sorted(mod.vignettes),
                "checks": [{"id": q.id, "answer": sorted(q.answer)} for q in mod.questions],
                "reflection": mod.reflection.id if mod.reflection else None,
                "words": list(mod.reflection.words) if mod.reflection else None,
            }
            for mid, mod in sorted(course.modules.items())
        ],
    }


# Words and pictures ---------------------------------------------------------------------------------


def hours_text(minutes: int) -> str:
    """``95`` -> ``about 1.5 hours``; ``30`` -> ``about 30 minutes`` (to the quarter hour)."""
    if minutes < 60:
        return f"about {minutes} minutes"
    quarters = int(minutes / 15 + 0.5)
    hours = quarters / 4
    return f"about {hours:g} hour{'s' if hours != 1 else ''}"


def status_words(m: ModuleProgress) -> str:
    if m.status == "started":
        return f"started ({m.percent_done}% done)"
    if m.status == "activities done":
        return (
            "activities done, post-test not passed"
            if m.posttest == "not passed"
            else ("activities done, post-test not graded")
        )
    return m.status


def summary_sentence(p: CourseProgress) -> str:
    n = len(p.modules)
    text = f"You have completed {len(p.complete)} of {n} modules."
    if p.activities_done:
        k = len(p.activities_done)
        text += (
            f" You have done the activities of {k} more module{'s' if k != 1 else ''}; "
            f"{'each is' if k != 1 else 'it is'} complete once its post-test is graded and passed."
        )
    if p.started:
        text += f" You have started {len(p.started)} more."
    if p.complete:
        text += f" The modules you completed take {hours_text(p.minutes_complete)} (estimated)."
    text += f" The whole course takes {hours_text(p.minutes_total)}."
    return text


def chart_alt(p: CourseProgress) -> str:
    """Alt text for the progress chart: what it shows, with every figure in it."""
    pieces = []
    if p.complete:
        pieces.append(f"complete: {', '.join(f'Module {m.number}' for m in p.complete)}")
    if p.activities_done:
        pieces.append(
            "activities done, post-test not yet passed: "
            + ", ".join(f"Module {m.number}" for m in p.activities_done)
        )
    if p.started:
        pieces.append(
            "started: " + ", ".join(f"Module {m.number} ({m.percent_done}% done)" for m in p.started)
        )
    rest = [m for m in p.modules if m.status == "not started"]
    if rest:
        pieces.append(f"not started: {len(rest)} module{'s' if len(rest) != 1 else ''}")
    return (
        f"Bar chart of how much of each of the {len(p.modules)} modules you have done, "
        f"from 0 to 100 percent. " + "; ".join(pieces) + "."
    )


# Status colours from a colour-blind-safe palette; every bar is labelled in words too.
_COLOURS = {
    "complete": "#1b7837",
    "activities done": "#5aae61",
    "started": "#2166ac",
    "not started": "#bdbdbd",
}


def chart_png(p: CourseProgress) -> bytes:
    """A horizontal bar chart: how much of each module is done, labelled in words."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mods = list(reversed(p.modules))
    fig, ax = plt.subplots(figsize=(8, 0.9 + 0.42 * len(mods)), dpi=110)
    try:
        y = range(len(mods))
        ax.barh(
            list(y),
            [m.percent_done for m in mods],
            color=[_COLOURS[m.status] for m in mods],
            height=0.6,
        )
        ax.set_yticks(list(y), [_short(m.label, 42) for m in mods], fontsize=9)
        for i, m in enumerate(mods):
            ax.text(min(m.percent_done, 100) + 1.5, i, status_words(m), va="center", fontsize=8.5)
        ax.set_xlim(0, 135)
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        ax.set_xlabel("Share of the module's cases, checks and reflection done")  # the post-test is in words
        ax.set_title("Your progress, module by module", fontsize=11, loc="left")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    finally:
        plt.close(fig)
    return buf.getvalue()


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _checks_cell(m: ModuleProgress) -> str:
    if not m.checks_total:
        return "none in this module"
    if not m.checks_answered:
        return f"0 of {m.checks_total} answered"
    return (
        f"{m.checks_answered} of {m.checks_total} answered; "
        f"{m.checks_right_first} right at the first try, {m.checks_right} right now"
    )


def _reflection_cell(m: ModuleProgress) -> str:
    if not m.reflection_total:
        return "none in this module"
    if not m.reflection_written:
        return f"not written yet ({m.reflection_min} to {m.reflection_max} words)"
    text = f"written ({m.reflection_words} words)"
    if not m.reflection_in_range:
        text = (
            f"written ({m.reflection_words} words; the prompt asks for {m.reflection_min} to "
            f"{m.reflection_max}, so it does not count yet)"
        )
    if m.self_assessment is not None:
        text += f"; you scored it {m.self_assessment} of {m.self_assessment_max}"
    else:
        text += "; not scored yet"
    return text


def _cases_cell(m: ModuleProgress) -> str:
    if not m.cases_total:
        return "none in this module"
    text = f"{m.cases_done} of {m.cases_total} finished"
    if m.cases_skipped:
        text += f"; {m.cases_skipped} skipped (a skipped case is not finished)"
    return text


def posttest_cell(m: ModuleProgress) -> str:
    """The post-test in words: what the returned result says, or how to get one."""
    if m.posttest == "not graded" or m.posttest_earned is None or m.posttest_possible is None:
        return f"Post-test: hand in the Module {m.number} assignment to have it graded"
    figures = f"{m.posttest_earned:g} of {m.posttest_possible:g} points"
    if m.posttest == "passed":
        return f"Post-test: passed ({figures})"
    mark = f", {m.posttest_pass_mark:.0%} needed" if m.posttest_pass_mark else ""
    return f"Post-test: not passed yet ({figures}{mark})"


def table_html(p: CourseProgress) -> str:
    rows = []
    for m in p.modules:
        cases = _cases_cell(m)
        rows.append(
            "<tr>"
            f'<th scope="row">{escape(m.label)}</th>'
            f"<td>{escape(status_words(m))}</td>"
            f"<td>{escape(cases)}</td>"
            f"<td>{escape(_checks_cell(m))}</td>"
            f"<td>{escape(_reflection_cell(m))}</td>"
            f"<td>{escape(posttest_cell(m))}</td>"
            f"<td>{m.minutes} minutes</td>"
            "</tr>"
        )
    return (
        '<table class="ac-progress-table">'
        "<caption>Your progress, module by module</caption>"
        '<thead><tr><th scope="col">Module</th><th scope="col">Status</th><th scope="col">Cases</th>'
        '<th scope="col">Checks</th><th scope="col">Reflection</th><th scope="col">Post-test</th>'
        '<th scope="col">Estimated time</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


_CSS = (
    "<style>.ac-progress-table{border-collapse:collapse;font-size:.92em}"
    ".ac-progress-table th,.ac-progress-table td{border:1px solid #767676;padding:.3em .5em;"
    "text-align:left;vertical-align:top}.ac-progress-table caption{text-align:left;font-weight:bold;"
    "padding:.3em 0}.ac-progress img{max-width:100%;height:auto}</style>"
)


def progress_html(p: CourseProgress) -> str:
    """The whole view: a summary, the chart (with alt text) and the table; a friendly empty state."""
    problems = "".join(f'<div class="ac-warning" role="alert"><p>{escape(x)}</p></div>' for x in p.problems)
    if p.empty:
        first = p.modules[0] if p.modules else None
        start = (
            f" Start with <strong>{escape(first.label)}</strong> (<code>{escape(first.notebook)}.ipynb</code>)."
            if first
            else ""
        )
        return (
            f'{_CSS}<section class="ac-progress" aria-label="My progress">{problems}'
            "<p><strong>You have not started any module yet.</strong> That is fine: this page fills in "
            "as you go. Each time you answer a case, a check or a reflection in a module notebook, your "
            "answer is saved beside that notebook, on this computer only, and it shows up here."
            f"{start}</p>"
            f"<p>{escape(summary_sentence(p))}</p>{table_html(p)}</section>"
        )
    png = base64.b64encode(chart_png(p)).decode("ascii")
    return (
        f'{_CSS}<section class="ac-progress" aria-label="My progress">{problems}'
        f"<p><strong>{escape(summary_sentence(p))}</strong></p>"
        f'<img src="data:image/png;base64,{png}" alt="{escape(chart_alt(p))}">'
        f"{table_html(p)}</section>"
    )


def show_progress(folder: Path | str | None = None) -> CourseProgress:
    """Display the learner's progress in the notebook; returns what it showed."""
    from IPython.display import HTML, display

    p = read_progress(folder)
    display(HTML(progress_html(p)))
    return p


# The self-paced certificate ---------------------------------------------------------------------------


class CertificateMaker:
    """A name box and a button that write an unverified certificate beside the notebook.

    The learner types their name and presses the button; :meth:`make` does the work, so tests
    drive the same code the click does.
    """

    def __init__(self, folder: Path | str | None = None, on: date | None = None) -> None:
        import ipywidgets as w

        self.folder = answers_folder(folder)
        self.on = on
        self.name = w.Text(
            description="Your name, as it should appear",
            placeholder="Type your name",
            style={"description_width": "initial"},
            layout=w.Layout(width="100%"),
        )
        self.button = w.Button(
            description="Make my certificate",
            tooltip="Write my-certificate.pdf beside this notebook",
            button_style="primary",
            layout=w.Layout(width="auto"),
        )
        self.button.on_click(lambda _b: self.make())
        self.status = w.HTML()
        self.widget = w.VBox([self.name, self.button, self.status])
        self.path: Path | None = None

    def make(self) -> Path | None:
        """Write the certificate; say what happened in the status line. None if nothing was written."""
        from affirming_care.grading.certificates import CertificateError, self_paced_certificate

        name = self.name.value.strip()
        if not name:
            self._say("Type your name in the box first, then press the button again.")
            return None
        progress = read_progress(self.folder)
        if not progress.complete:
            self._say(
                "Complete at least one module first: every case finished (not skipped), the reflection "
                "written within its word range, and the module's post-test handed in, graded and passed. "
                "This page shows what is left in each module."
            )
            return None
        try:
            self.path = self_paced_certificate(progress, name, self.folder / CERTIFICATE_FILE, on=self.on)
        except CertificateError as exc:
            self._say(str(exc))
            return None
        n = len(progress.complete)
        self.status.value = (
            '<div role="status" aria-live="polite"><p>Your certificate lists the '
            f"{n} module{'s' if n != 1 else ''} you completed. It is saved as "
            f'<a href="{CERTIFICATE_FILE}" target="_blank" rel="noopener">{CERTIFICATE_FILE}</a>, '
            "beside this notebook (find it in the file browser on the left). It says "
            "<em>unverified: self-reported completion</em>, because no facilitator checked the work.</p></div>"
        )
        return self.path

    def _say(self, text: str) -> None:
        self.status.value = f'<div role="status" aria-live="polite"><p>{escape(text)}</p></div>'
        return None

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def certificate_maker(folder: Path | str | None = None) -> CertificateMaker:
    """The certificate box for the progress notebook."""
    return CertificateMaker(folder)


def course_summary_script(course: Course | None = None) -> str:
    """The course summary as ``<script type="application/json" id="ac-course-summary">`` for the book page."""
    import json

    data = json.dumps(course_summary(course or cached_course()), ensure_ascii=False, sort_keys=True)
    data = data.replace("</", "<\\/")  # inside a <script> element only "</" could end it early
    return f'<script type="application/json" id="ac-course-summary">{data}</script>'


def show_course_summary() -> None:
    """Put the course summary into a book page (``book/my-progress.md`` runs this when the book is built)."""
    from IPython.display import HTML, display

    display(HTML(course_summary_script()))


# Clearing answers on a shared computer ----------------------------------------------------------------

ASIDE_PREFIX = "cleared-answers-"


def answer_files(folder: Path | str | None = None) -> list[Path]:
    """Every answer file in ``folder``: each module's ``mNN-answers.json`` and the damaged copies kept aside."""
    where = answers_folder(folder)
    found = set(where.glob("m[0-9][0-9]-answers.json")) | set(
        where.glob("m[0-9][0-9]-answers.DAMAGED-*.json")
    )
    found |= set(where.glob("m[0-9][0-9]-answers.json.damaged-*"))
    return sorted(p for p in found if p.is_file())


def move_answers_aside(folder: Path | str | None = None, at: datetime | None = None) -> Path | None:
    """Move every answer file into a new dated folder ``cleared-answers-YYYY-MM-DD-HHMMSS`` beside them.

    Nothing is deleted: the learner (or whoever looks after the computer) deletes that folder, or
    moves the files back to undo. Returns the folder, or None when there was nothing to move.
    """
    files = answer_files(folder)
    if not files:
        return None
    stamp = (at or datetime.now()).strftime("%Y-%m-%d-%H%M%S")
    aside = answers_folder(folder) / f"{ASIDE_PREFIX}{stamp}"
    aside.mkdir()  # an existing folder of the same second is an error, never overwritten
    for path in files:
        path.rename(aside / path.name)
    return aside


class AnswersClearer:
    """A button that moves this folder's answer files aside, after a confirmation that says what goes."""

    def __init__(self, folder: Path | str | None = None) -> None:
        import ipywidgets as w

        self.folder = answers_folder(folder)
        self.button = w.Button(description="Move my answers aside", layout=w.Layout(width="auto"))
        self.yes = w.Button(
            description="Yes, move them aside", button_style="danger", layout=w.Layout(width="auto")
        )
        self.no = w.Button(description="Keep my answers", layout=w.Layout(width="auto"))
        self.button.on_click(lambda _b: self.ask())
        self.yes.on_click(lambda _b: self.clear())
        self.no.on_click(lambda _b: self.keep())
        self.confirm = w.HBox([self.yes, self.no], layout=w.Layout(display="none"))
        self.status = w.HTML()
        self.widget = w.VBox([self.button, self.confirm, self.status])
        self.aside: Path | None = None

    def ask(self) -> None:
        """Say which files would go; offer to go on only if there are any."""
        files = answer_files(self.folder)
        if not files:
            self._say("There are no saved answers in this folder, so there is nothing to move.")
            return
        names = ", ".join(p.name for p in files)
        self._say(
            f"Move {len(files)} answer file{'s' if len(files) != 1 else ''} ({names}) into a new dated folder? "
            "The module notebooks then start empty. Nothing is deleted until you delete that folder."
        )
        self.confirm.layout.display = "flex"

    def keep(self) -> None:
        self.confirm.layout.display = "none"
        self._say("Nothing was moved: your answers are as they were.")

    def clear(self) -> Path | None:
        """Move the files aside and say where they went."""
        self.confirm.layout.display = "none"
        moved = answer_files(self.folder)
        self.aside = move_answers_aside(self.folder)
        if self.aside is None:
            self._say("There are no saved answers in this folder, so there is nothing to move.")
            return None
        self._say(
            f"Moved {len(moved)} answer file{'s' if len(moved) != 1 else ''} into {self.aside.name}. "
            "Restart the kernel of any module notebook you have open (Kernel, Restart) before you go on "
            f"there. To delete the answers for good, delete the folder {self.aside.name} in the file browser."
        )
        return self.aside

    def _say(self, text: str) -> None:
        self.status.value = f'<div role="status" aria-live="polite"><p>{escape(text)}</p></div>'

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def answers_clearer(folder: Path | str | None = None) -> AnswersClearer:
    """The "Move my answers aside" button for the progress notebook."""
    return AnswersClearer(folder)
