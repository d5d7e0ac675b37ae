"""The parts of a certificate that approvers require and that make it checkable (issue 14).

:mod:`affirming_care.grading.certificates` draws the certificate; it calls :func:`draw_extras` for
what is here, so the drawing of the core certificate and of these additions stay apart:

* the provider's fields from ``certificate.yaml`` (:mod:`.certificate_settings`): provider and
  approval number, the approval statement (or the plain default that no board approved the
  course), delivery format, awarded hours in the provider's unit and rounding, a signature line;
* for a verified (cohort) certificate signed as an Open Badges 3.0 credential
  (:mod:`.credentials`): a QR code (drawn with segno, pure Python) and a short verification code;
* for a self-paced certificate: the plain sentence that it is not verified.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from affirming_care.grading.certificate_settings import (
    NO_APPROVAL,
    CertificateSettings,
    hours_line,
    load_certificate_settings,
)

if TYPE_CHECKING:
    from affirming_care.grading.certificates import Certificate

SELF_PACED_NOTE = "Not verified: issued by the learner's own copy of the course."
"""Said plainly on every self-paced certificate."""


@dataclass
class CertificateExtras:
    lines: list[str] = field(default_factory=list)
    """Short lines under the issuer: provider and approval number, delivery format, awarded hours."""
    statement: str = NO_APPROVAL
    """The approval statement, or the plain default that no board approved the course."""
    signature_name: str | None = None
    signature_role: str | None = None
    signature_image: Path | None = None
    verification_code: str | None = None
    verification_url: str | None = None
    qr_payload: str | None = None
    """What the QR code holds: the verification URL, or else the verification code."""


def qr_png(payload: str) -> bytes:
    """A QR code (error correction M) as PNG bytes."""
    import segno

    buf = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buf, kind="png", scale=8, border=2)
    return buf.getvalue()


# Building the extras --------------------------------------------------------------------------------


def provider_lines(settings: CertificateSettings, minutes: int) -> list[str]:
    lines = []
    provider = settings.provider
    if provider.name and provider.approval_number:
        lines.append(f"Provider: {provider.name}; approval number {provider.approval_number}")
    elif provider.approval_number:
        lines.append(f"Approval number: {provider.approval_number}")
    lines.append(f"Delivery format: {settings.delivery_format}")
    if settings.hours is not None:
        lines.append(hours_line(minutes, settings.hours))
    return lines


def extras_from_settings(settings: CertificateSettings, minutes: int) -> CertificateExtras:
    return CertificateExtras(
        lines=provider_lines(settings, minutes),
        statement=settings.statement,
        signature_name=settings.signature.name,
        signature_role=settings.signature.role,
        signature_image=settings.signature.image,
    )


def with_provider_fields(root: Path, cert: Certificate, learner_id: str, pdf: Path) -> Certificate:
    """``cert`` with the course folder's certificate settings, and signed when a key exists.

    The provider's name (when configured) becomes the issuer and its course title the title. When
    the course folder has an issuer key (``affirming_care credentials keygen``), the certificate is
    also issued as an Open Badges 3.0 credential, written beside ``pdf`` as
    ``<name>.credential.jwt``, and the PDF gets the QR code and verification code.
    """
    from affirming_care.grading.credentials import has_issuer_key, issue_for_certificate

    settings = load_certificate_settings(root)
    cert = dataclasses.replace(
        cert,
        issuer=settings.provider.name or cert.issuer,
        course_title=settings.course_title or cert.course_title,
    )
    extras = extras_from_settings(settings, cert.minutes)
    if has_issuer_key(root):
        issued = issue_for_certificate(root, cert, learner_id, pdf.with_suffix(".credential.jwt"), settings)
        extras.verification_code = issued.code
        extras.verification_url = issued.url
        extras.qr_payload = issued.url or issued.code
    return dataclasses.replace(cert, extras=extras)


def self_paced_extras() -> CertificateExtras:
    """A learner's own copy knows no provider settings: no approval, and not verified."""
    return CertificateExtras(lines=[SELF_PACED_NOTE])


# Drawing ----------------------------------------------------------------------------------------------


def draw_extras(pdf: Any, extras: CertificateExtras) -> None:
    """Draw the extras on the current page of ``pdf`` (fpdf2, with the "Body" font registered).

    The lines and the statement flow on from the cursor; the QR code and the signature sit in the
    band below the text and above the footer (from y 212 mm at the highest).
    """
    from fpdf.enums import Align, XPos, YPos

    def text(line: str, size: float, style: str = "", height: float | None = None) -> None:
        pdf.set_font("Body", style, size)
        pdf.multi_cell(0, height or size * 0.48, line, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.ln(1.5)
    for line in extras.lines:
        text(line, 10)
        pdf.ln(0.8)
    pdf.ln(1.5)
    text(extras.statement, 9, "B" if extras.statement == NO_APPROVAL else "", height=4.3)
    band = pdf.get_y()
    _draw_verification(pdf, extras)
    pdf.set_y(band)
    _draw_signature(pdf, extras)


def _band_top(pdf: Any) -> float:
    """Where the QR code and the signature start: below the text, and above the footer (y 250)."""
    return max(float(pdf.get_y()) + 3.0, 212.0)


def _draw_verification(pdf: Any, extras: CertificateExtras) -> None:
    if not extras.verification_code:
        return
    top = _band_top(pdf)
    size = max(18.0, min(30.0, 249.0 - top))
    if extras.qr_payload:
        pdf.image(io.BytesIO(qr_png(extras.qr_payload)), x=22, y=top, w=size, h=size)
    left = 22 + size + 3
    pdf.set_xy(left, top + 3)
    pdf.set_font("Body", "B", 10)
    pdf.multi_cell(116 - left, 5, f"Verification code: {extras.verification_code}", align="L")
    pdf.set_x(left)
    pdf.set_font("Body", "", 8)
    how = (
        f"Check it at {extras.verification_url}"
        if extras.verification_url
        else "Ask the issuer to check this code, or verify the credential file that came with it."
    )
    pdf.multi_cell(116 - left, 3.8, how, align="L")


def _draw_signature(pdf: Any, extras: CertificateExtras) -> None:
    if not (extras.signature_name or extras.signature_image):
        return
    left, width = 120.0, 68.0
    rule = min(_band_top(pdf) + 22.0, 244.0)
    if extras.signature_image:
        pdf.image(str(extras.signature_image), x=left, y=rule - 19, w=width, h=18, keep_aspect_ratio=True)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    pdf.line(left, rule, left + width, rule)
    pdf.set_xy(left, rule + 1)
    pdf.set_font("Body", "", 9.5)
    caption = ", ".join(p for p in (extras.signature_name, extras.signature_role) if p) or "Signature"
    pdf.multi_cell(width, 4.5, caption, align="C")
