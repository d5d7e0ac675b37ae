"""The post-test part of a learner's feedback page, and their ``mNN-result.json`` (issue 11).

After grading, each post-test item shows the options the learner chose, the right answer, the
points earned (partial credit by the rule in :mod:`affirming_care.posttest`), the variant's
rationale and every option's feedback. It is built from the course folder's own bank
(``COURSE/posttest/mNN.yml``) and the learner's handed-in answer file, read only through
``store.read_answer_file``. Which variant a learner answered comes from their seed through
``posttest.draw``, never from the file. Every piece of text is escaped; option ids from the file
are only ever compared with the bank's, never shown.

The result record's figures come from the gradebook (:func:`affirming_care.grading.exports.module_grade`)
and the pass rule (:mod:`affirming_care.grading.pass_rule`), so the page, the result file and the
exports show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from html import escape
from pathlib import Path

from affirming_care.grading.exports import ModuleGrade
from affirming_care.grading.pass_rule import PassRule
from affirming_care.posttest import Bank, Variant, draw, drawn_variant, score_variant
from affirming_care.result_file import ModuleResult, PostTestPart, ReflectionPart
from affirming_care.store import AnswerFile, DamagedStore, read_answer_file, store_filename


@dataclass(frozen=True)
class ItemFeedback:
    number: int
    slot_id: str
    points: int
    variant: Variant
    order: tuple[str, ...]
    chosen: frozenset[str]
    earned: Fraction
    problem: str | None = None


def points_text(x: float | Fraction) -> str:
    """``0.5``, ``1``, ``3.25``: the same figure the exports print (two decimals at most)."""
    return f"{round(float(x), 2):g}"


def read_hand_in(root: Path, learner: str, module: str) -> tuple[AnswerFile | None, str | None]:
    """The learner's answer file as handed in (``submitted/``, else ``autograded/``), and a note if unreadable."""
    for step in ("submitted", "autograded"):
        path = root / step / learner / module / store_filename(module)
        try:
            data = read_answer_file(path, module)
        except DamagedStore as exc:
            return None, f"Your answer file {store_filename(module)} could not be read ({exc.reason})."
        if data is not None:
            return data, None
    return None, f"No answer file {store_filename(module)} was handed in."


def item_feedback(bank: Bank, data: AnswerFile | None) -> list[ItemFeedback]:
    """One entry per slot of the learner's drawn test; empty without a post-test section (no seed)."""
    record = data.posttest if data is not None else None
    if record is None:
        return []
    items = []
    for n, drawn in enumerate(draw(bank, record.seed), start=1):
        slot = bank.slot(drawn.slot_id)
        variant = drawn_variant(bank, drawn)
        if not isinstance(variant, Variant):  # a full bank always gives full variants
            continue
        chosen = frozenset(record.answers.get(slot.id, ()))
        problem = None
        try:
            earned = score_variant(variant, chosen) * slot.points
        except ValueError:
            earned, problem = (
                Fraction(0),
                "Your saved answer names an option this item does not have; it earns 0.",
            )
            chosen = frozenset(chosen & {o.id for o in variant.options})
        items.append(
            ItemFeedback(n, slot.id, slot.points, variant, drawn.option_order, chosen, earned, problem)
        )
    return items


def _noun(x: float | Fraction) -> str:
    return "point" if float(x) == 1 else "points"


def _item_html(item: ItemFeedback) -> str:
    v = item.variant
    how = "Choose one." if v.kind == "single" else "Choose all that apply."
    rows = []
    for oid in item.order:
        option = v.option(oid)
        if option is None:
            continue
        yours = "Yes" if oid in item.chosen else "No"
        right = "Yes" if option.correct else "No"
        rows.append(
            f'<tr><th scope="row">{escape(option.text)}</th><td>{yours}</td><td>{right}</td>'
            f"<td>{escape(option.feedback)}</td></tr>"
        )
    note = f'<p class="ac-ptf-note">{escape(item.problem)}</p>' if item.problem else ""
    unanswered = "" if item.chosen else "<p>You did not answer this item.</p>"
    return (
        f'<li class="ac-ptf-item" id="ac-ptf-{escape(item.slot_id)}">'
        f"<h3>Item {item.number}: you earned {points_text(item.earned)} of {item.points} {_noun(item.points)}</h3>"
        f"<p>{escape(v.stem)} <em>{how}</em></p>{unanswered}{note}"
        f'<table class="ac-ptf-options"><caption>Item {item.number}: the options, your choice and the right answer'
        "</caption><thead><tr>"
        '<th scope="col">Option</th><th scope="col">You chose it</th><th scope="col">Right answer</th>'
        '<th scope="col">Why</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="ac-ptf-rationale"><strong>About this item:</strong> {escape(v.rationale)}</p></li>'
    )


_CSS = (
    "<style>.ac-posttest-feedback{max-width:60em;margin:2em auto;padding:0 1em;font-size:1rem}"
    ".ac-ptf-options{border-collapse:collapse;margin:.5em 0}.ac-ptf-options th,.ac-ptf-options td"
    "{border:1px solid #767676;padding:.3em .5em;text-align:left;vertical-align:top}"
    ".ac-ptf-options caption{text-align:left;font-weight:bold}</style>"
)


def section_html(items: list[ItemFeedback], result: ModuleResult | None, note: str | None = None) -> str:
    """The post-test section for the feedback page (plain, escaped HTML; no script)."""
    lead = ""
    if result is not None:
        pt = result.posttest
        verdict = "reached" if pt.passed else "did not reach"
        lead = (
            f"<p><strong>Post-test: {points_text(pt.earned)} of {points_text(pt.possible)} points.</strong> "
            f"It takes {pt.pass_mark:.0%} of the points to pass; your post-test {verdict} that.</p>"
        )
        lead += _reflection_lead(result)
    body = "".join(_item_html(i) for i in items)
    extra = f"<p>{escape(note)}</p>" if note else ""
    listing = f'<ol class="ac-ptf-items">{body}</ol>' if items else ""
    return (
        f'{_CSS}<section class="ac-posttest-feedback" aria-labelledby="ac-ptf-title">'
        f'<h2 id="ac-ptf-title">Your post-test, item by item</h2>{lead}{extra}{listing}</section>'
    )


def _reflection_lead(result: ModuleResult) -> str:
    r = result.reflection
    if r is None:
        return ""
    if not r.graded or r.score is None:
        return "<p>Your reflection has not been graded yet.</p>"
    verdict = "reached" if r.score >= r.threshold - 1e-9 else "did not reach"
    overall = "You passed this module." if result.passed else "You have not passed this module yet."
    return (
        f"<p>Reflection: {points_text(r.score)} of {points_text(r.max)} rubric points; it takes "
        f"{points_text(r.threshold)} to pass, and yours {verdict} that. {overall}</p>"
    )


def result_of(
    module: str, grade: ModuleGrade, rule: PassRule, at: datetime | None = None
) -> ModuleResult | None:
    """The result record from the gradebook's grade (None when the assignment has no post-test points)."""
    if grade.state == "not submitted" or grade.posttest_max <= 0:
        return None
    reflection = None
    if grade.reflection_max is not None:
        reflection = ReflectionPart(
            score=grade.reflection_score,
            max=grade.reflection_max,
            threshold=rule.reflection_threshold,
            graded=grade.state == "graded",
        )
    earned = grade.posttest_score or 0.0
    return ModuleResult(
        module=module,
        posttest=PostTestPart(
            earned=round(earned, 4),
            possible=grade.posttest_max,
            pass_mark=rule.pass_mark,
            passed=rule.posttest_passed(earned, grade.posttest_max),
        ),
        reflection=reflection,
        passed=grade.verdict(rule.pass_mark, rule.reflection_threshold) == "passed",
        graded_at=(at or datetime.now(UTC)).isoformat(timespec="seconds"),
    )


def module_grades(root: Path, module: str, threshold: float) -> dict[str, ModuleGrade]:
    """Every learner's grade on ``module`` from the gradebook, by the exports' own reader."""
    from nbgrader.api import MissingEntry

    from affirming_care.grading.exports import module_grade
    from affirming_care.grading.gradebook import gradebook

    out: dict[str, ModuleGrade] = {}
    with gradebook(root) as gb:
        assignment = gb.find_assignment(module)
        for student in gb.students:
            try:
                sub = gb.find_submission(module, student.id)
            except MissingEntry:
                sub = None
            out[student.id] = module_grade(assignment, sub, threshold)
    return out


@dataclass
class PostTestPages:
    """What one ``grade feedback`` run adds to each learner's page: the bank, the grades, the rule."""

    root: Path
    module: str
    bank: Bank | None
    grades: dict[str, ModuleGrade]
    rule: PassRule
    at: datetime | None = None

    @classmethod
    def load(cls, root: Path, module: str, rule: PassRule) -> PostTestPages:
        from affirming_care.loader import ContentError
        from affirming_care.posttest import load_banks

        try:
            bank = load_banks(root / "posttest").get(module)
        except ContentError:
            bank = None  # a course folder made before the post-test: nbgrader's page as it was
        return cls(root, module, bank, module_grades(root, module, rule.reflection_threshold), rule)

    def result(self, learner: str) -> ModuleResult | None:
        grade = self.grades.get(learner)
        return result_of(self.module, grade, self.rule, self.at) if grade is not None else None

    def section(self, learner: str, result: ModuleResult | None) -> str | None:
        if self.bank is None:
            return None
        data, note = read_hand_in(self.root, learner, self.module)
        items = item_feedback(self.bank, data)
        if data is not None and not items:
            note = "Your answer file has no post-test answers."
        return section_html(items, result, note)


def add_to_page(page: str, section: str | None, result: ModuleResult | None) -> str:
    """nbgrader's page with the post-test section and the result data before ``</body>``."""
    from affirming_care.result_file import embed

    if section:
        at = page.rfind("</body>")
        page = page + section if at < 0 else page[:at] + section + page[at:]
    return embed(page, result) if result is not None else page
