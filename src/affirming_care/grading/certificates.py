"""Completion certificates as PDF files (fpdf2).

Two kinds:

* **cohort** (verified) certificates, one per learner who passed, from the instructor's nbgrader
  gradebook (``affirming_care cohort certificates``). "Passed" is the course's one pass rule
  (:mod:`affirming_care.grading.pass_rule`, through
  :meth:`affirming_care.grading.exports.ModuleGrade.passed`): the post-test on its own reaches the
  pass mark and the reflection, graded by a person, reaches the reflection threshold. So the
  certificates, their Open Badges credentials and ``completion.csv`` agree.
* a **self-paced** certificate from the "My progress" notebook, which says plainly that it is
  unverified (self-issued). It lists only *complete* modules (:func:`affirming_care.progress.module_progress`):
  a returned post-test result that passed, a reflection within the prompt's word range, and every
  case finished. Nobody checked the reflection or the cases.

Each certificate gives the learner's name, the course title, the modules completed, the estimated
hours (the modules' estimated minutes, to the quarter hour), the date and the issuer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from affirming_care.grading.pass_rule import PassRule
from affirming_care.grading.sanitise import printable, safe_csv_writer

if TYPE_CHECKING:
    from affirming_care.grading.certificate_extras import CertificateExtras
    from affirming_care.grading.exports import GradeTable, ModuleGrade
    from affirming_care.progress import CourseProgress

COURSE_TITLE = "Sex Work–Affirming Care: A Course for Therapists and Other Professionals"
DEFAULT_ISSUER = "The Sex Work–Affirming Care course team"
UNVERIFIED = "Unverified: self-reported completion"


SELF_PACED_RULE = (
    "Each listed module: its post-test was graded and passed, its reflection was written within the "
    "prompt's word range (not graded by a person), and every case was finished."
)


def cohort_rule(mark: float, threshold: float, reflection_max: float = 12) -> str:
    """The verified certificate's sentence: the gradebook pass rule with this course's figures."""
    return (
        f"Each listed module: its post-test reached {mark:.0%} of its points on its own, and its "
        f"reflection, graded by a person against the rubric, reached {threshold:g} of {reflection_max:g} points."
    )


class CertificateError(Exception):
    """A certificate could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class ModuleDone:
    number: int | None
    title: str
    minutes: int

    @property
    def label(self) -> str:
        return f"Module {self.number}: {self.title}" if self.number is not None else self.title


@dataclass
class Certificate:
    name: str
    modules: list[ModuleDone]
    on: date
    issuer: str
    course_title: str = COURSE_TITLE
    verified: bool = True
    of_modules: int | None = None
    """How many modules the course has (from its content, not how many were released), to say
    "4 of 13"; None when unknown, and then the certificate never says the course was completed."""
    number: str | None = None
    """A certificate number the issuer can look up in their certificates.csv."""
    extras: CertificateExtras | None = None
    """Provider fields, QR code and verification code (issue 14: grading/certificate_extras.py)."""
    completion_rule: str | None = None
    """What "completed" means for each listed module, in one sentence printed under the list."""

    @property
    def minutes(self) -> int:
        return sum(m.minutes for m in self.modules)

    @property
    def whole_course(self) -> bool:
        """Every module of the course is on the certificate."""
        return self.of_modules is not None and len({m.label for m in self.modules}) >= self.of_modules

    def completed_line(self) -> str:
        """ "has completed" the course only when every module is done; else "N of M modules of"."""
        verb = "has completed" if self.verified else "reports having completed"
        if self.whole_course:
            return verb
        count = len(self.modules)
        noun = "module" if (self.of_modules or count) == 1 else "modules"  # "1 of 13 modules"
        of = f" of {self.of_modules}" if self.of_modules else ""
        return f"{verb} {count}{of} {noun} of"

    @property
    def hours(self) -> float:
        return quarter_hours(self.minutes)


def quarter_hours(minutes: int) -> float:
    """Minutes as hours, to the nearest quarter hour (halves round up): 100 -> 1.75."""
    return int(minutes / 15 + 0.5) / 4


def hours_label(hours: float) -> str:
    return f"{hours:.2f}".rstrip("0").rstrip(".") + (" hour" if hours == 1 else " hours")


def date_label(on: date) -> str:
    """``26 November 2026``: no day-month order to misread."""
    return f"{on.day} {on:%B %Y}"


# Fonts ------------------------------------------------------------------------------------------------


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def default_fonts() -> tuple[Path, Path]:
    """DejaVu Serif, which matplotlib ships: it draws accented Latin, Greek and Cyrillic names."""
    d = _font_dir()
    return d / "DejaVuSerif.ttf", d / "DejaVuSerif-Bold.ttf"


def missing_glyphs(font: Path, text: str) -> list[str]:
    """Characters of ``text`` that ``font`` has no glyph for (spaces aside)."""
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(font), lazy=True).getBestCmap() or {}
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


# Drawing ----------------------------------------------------------------------------------------------


def render_certificate(cert: Certificate, path: Path, font: Path | None = None) -> Path:
    """Write ``cert`` as a one-page A4 PDF at ``path``.

    ``font`` is a TrueType font to use for everything (for names in a script DejaVu lacks).
    """
    from fpdf import FPDF
    from fpdf.enums import Align, XPos, YPos

    cert.name = printable(cert.name).strip()
    regular, bold = (font, font) if font else default_fonts()
    if font is not None and not font.exists():
        raise CertificateError(f"Font file {font} does not exist; give the path of a .ttf font.")
    missing = missing_glyphs(regular, cert.name)
    if missing:
        raise CertificateError(
            f"The name {cert.name!r} has characters the certificate font cannot draw "
            f"({' '.join(missing)}). Pass --font with a TrueType font that has them "
            "(for example a Noto Sans font for that script)."
        )
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(22, 20, 22)
    pdf.add_font("Body", "", str(regular))
    pdf.add_font("Body", "B", str(bold))
    title = "Certificate of completion"
    pdf.set_title(f"{title}: {cert.name}" + ("" if cert.verified else f" ({UNVERIFIED.lower()})"))
    pdf.set_subject(cert.course_title)
    pdf.set_author(cert.issuer)
    pdf.set_creator("affirming_care")
    pdf.set_lang("en")
    pdf.add_page()

    # A double frame.
    pdf.set_draw_color(40, 70, 110)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 190, 277)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, 184, 271)

    def line(text: str, size: float, style: str = "", gap: float = 2.0, height: float | None = None) -> None:
        pdf.set_font("Body", style, size)
        pdf.multi_cell(0, height or size * 0.5, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    pdf.set_y(30)
    pdf.set_text_color(40, 70, 110)
    line(title, 24, "B", gap=4)
    pdf.set_text_color(0, 0, 0)
    if not cert.verified:
        pdf.set_fill_color(255, 243, 205)
        pdf.set_font("Body", "B", 12)
        pdf.multi_cell(
            0, 8, UNVERIFIED, border=1, align=Align.C, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.ln(4)
    line("This certifies that", 12, gap=3)
    line(cert.name, 22, "B", gap=3, height=11)
    line(cert.completed_line(), 12, gap=3)
    line(cert.course_title, 15, "B", gap=6, height=7.5)

    count = len(cert.modules)
    of = f" of {cert.of_modules}" if cert.of_modules else ""
    line(f"Modules completed ({count}{of}):", 11, "B", gap=1)
    size = 10 if count <= 9 else 9
    pdf.set_font("Body", "", size)
    for m in cert.modules:
        pdf.multi_cell(0, size * 0.5, m.label, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if cert.completion_rule:
        pdf.ln(1.5)
        line(cert.completion_rule, 8.5, gap=0, height=4.2)
    pdf.ln(5)
    line(f"Estimated hours: {hours_label(cert.hours)}", 12, "B", gap=2)
    line(f"Date: {date_label(cert.on)}", 11, gap=1.5)
    line(f"Issued by: {cert.issuer}", 11, gap=1.5)
    if cert.number:
        line(f"Certificate number: {cert.number}", 9, gap=1)
    if cert.extras is not None:
        from affirming_care.grading.certificate_extras import draw_extras

        draw_extras(pdf, cert.extras)

    pdf.set_y(252)
    pdf.set_text_color(70, 70, 70)
    note = (
        "Estimated hours are the modules' estimated learner time, to the nearest quarter hour. "
        "This course gives no legal advice."
    )
    if not cert.verified:
        note = (
            "The learner made this certificate in the course's My progress notebook from their own "
            "saved answers. No facilitator has checked the work. " + note
        )
    line(note, 8.5, gap=0, height=4.2)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


# Self-paced ---------------------------------------------------------------------------------------------


def self_paced_certificate(
    progress: CourseProgress, name: str, path: Path, *, on: date | None = None, font: Path | None = None
) -> Path:
    """An unverified (self-issued) certificate listing only the modules that are complete."""
    from affirming_care.grading.certificate_extras import self_paced_extras

    if not progress.complete:
        raise CertificateError(
            "No module is complete yet, so there is nothing to certify. A module is complete when its "
            "post-test has been graded and passed, its reflection is written, and every case is finished."
        )
    cert = Certificate(
        name=name.strip(),
        modules=[ModuleDone(m.number, m.title, m.minutes) for m in progress.complete],
        on=on or date.today(),
        issuer="Self-issued from the course's My progress notebook",
        course_title=progress.title,
        verified=False,
        of_modules=len(progress.modules),
        extras=self_paced_extras(),
        completion_rule=SELF_PACED_RULE,
    )
    return render_certificate(cert, path, font)


# Cohort -------------------------------------------------------------------------------------------------


@dataclass
class NotYet:
    learner_id: str
    reason: str


@dataclass
class CohortCertificates:
    out: Path
    written: list[tuple[str, Path]] = field(default_factory=list)
    not_yet: list[NotYet] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    pass_mark: float = 0.75
    manifest: Path | None = None


def certificate_number(course_id: str, learner_id: str, modules: Sequence[str], on: date) -> str:
    digest = hashlib.sha256(f"{course_id}|{learner_id}|{','.join(modules)}|{on}".encode()).hexdigest()
    return "-".join(digest[i : i + 4] for i in range(0, 12, 4)).upper()


def _safe(learner_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@-]", "_", learner_id) or "learner"


def _module_details(table: GradeTable, module: str) -> ModuleDone:
    """Title, number and minutes: the course folder's record, else the course content."""
    info = table.settings.modules.get(module)
    number = info.number if info else None
    title = info.title if info else module
    minutes = info.minutes if info else None
    if minutes is None or info is None:
        try:
            from affirming_care.loader import cached_course

            meta = cached_course().module(module).meta
            number, title, minutes = meta.number, meta.title, meta.minutes
        except Exception as exc:  # the content may be elsewhere; say which module lacks minutes
            raise CertificateError(
                f"No estimated minutes for {module}: the course folder does not record them and the "
                f"course content could not give them ({exc}). Run `affirming_care grade init` again "
                "from the course repository to record them."
            ) from None
    return ModuleDone(number, title, minutes)


def course_module_count() -> int | None:
    """How many modules the course has, from its content; None if the content cannot be read.

    A certificate says "has completed" the course only against this count, never against the
    modules released so far, and says nothing of the kind when the count is unknown.
    """
    try:
        from affirming_care.loader import cached_course

        return len(cached_course().modules)
    except Exception:  # the content may be elsewhere: then no certificate claims the whole course
        return None


def _passed_and_missing(
    table: GradeTable, grades: dict[str, ModuleGrade], mark: float
) -> tuple[list[str], list[str]]:
    passed = [m for m in table.modules if grades[m].passed(mark)]
    return passed, [m for m in table.modules if m not in passed]


def _not_passed_reason(module: str, g: ModuleGrade, mark: float) -> str:
    """Why a module does not count yet, by the pass rule's parts."""
    verdict = g.verdict(mark)
    if verdict == "not submitted":
        return f"{module} not submitted"
    if verdict == "waiting":
        return f"{module} waits for a grader"
    reasons = []
    if not PassRule(mark).posttest_passed(g.posttest_score, g.posttest_max):
        reasons.append(f"post-test {g.posttest_score or 0:g} of {g.posttest_max:g}, below {mark:.0%}")
    if g.reflection_max is not None and (g.reflection_score or 0) < g.reflection_threshold - 1e-9:
        reasons.append(
            f"reflection {g.reflection_score or 0:g} of {g.reflection_max:g}, below {g.reflection_threshold:g}"
        )
    return f"{module}: " + " and ".join(reasons)


def _write_manifest(out: Path, rows: list[list[str | None]]) -> Path:
    manifest = out / "certificates.csv"
    out.mkdir(parents=True, exist_ok=True)
    with manifest.open("w", newline="", encoding="utf-8") as fh:
        writer = safe_csv_writer(fh)
        writer.writerow(["Certificate number", "Learner ID", "Name", "Modules", "Hours", "Date", "File"])
        writer.writerows(rows)
    return manifest


def cohort_certificates(
    root: Path,
    *,
    out: Path | None = None,
    issuer: str = DEFAULT_ISSUER,
    on: date | None = None,
    pass_mark: float | None = None,
    partial: bool = False,
    font: Path | None = None,
) -> CohortCertificates:
    """One certificate per learner who passed every module released to the cohort.

    With ``partial``, every learner who passed at least one module gets a certificate listing
    those modules (and the hours they earn). Learners who do not qualify yet are listed with the
    reason, for example a reflection still waiting for a grader.
    """
    from affirming_care.grading.certificate_extras import with_provider_fields
    from affirming_care.grading.exports import grade_table

    table = grade_table(root)
    mark = table.settings.pass_mark if pass_mark is None else pass_mark
    on = on or date.today()
    out = out or root / "certificates"
    result = CohortCertificates(out=out, modules=list(table.modules), pass_mark=mark)
    if not table.modules:
        raise CertificateError(f"No module has been released in {root}, so no one can have passed yet.")
    details = {m: _module_details(table, m) for m in table.modules}
    of_modules = course_module_count()
    rows = []
    for row in table.learners:
        lid = row.learner.id
        passed, missing = _passed_and_missing(table, row.grades, mark)
        if (missing and not partial) or not passed:
            reasons = [_not_passed_reason(m, row.grades[m], mark) for m in missing]
            result.not_yet.append(NotYet(lid, "; ".join(reasons)))
            continue
        cert = Certificate(
            name=row.learner.name,
            modules=[details[m] for m in passed],
            on=on,
            issuer=issuer,
            verified=True,
            of_modules=of_modules,
            completion_rule=cohort_rule(mark, table.settings.reflection_threshold),
            number=certificate_number(table.settings.course_id, lid, passed, on),
        )
        path = out / f"certificate-{_safe(lid)}.pdf"
        cert = with_provider_fields(root, cert, lid, path)  # certificate.yaml, and a credential if keyed
        path = render_certificate(cert, path, font)
        result.written.append((lid, path))
        rows.append(
            [cert.number, lid, cert.name, " ".join(passed), f"{cert.hours:g}", on.isoformat(), path.name]
        )
    result.manifest = _write_manifest(out, rows)
    return result
