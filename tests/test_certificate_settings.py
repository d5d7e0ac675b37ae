"""What approvers require on a certificate (issue 14): certificate.yaml, its errors, and the PDF text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import segno
from pypdf import PdfReader

from affirming_care.grading.certificate_extras import SELF_PACED_NOTE, with_provider_fields
from affirming_care.grading.certificate_settings import (
    NO_APPROVAL,
    SettingsError,
    load_certificate_settings,
    rounded_hours,
    units_label,
)
from affirming_care.grading.certificates import Certificate, ModuleDone, render_certificate

ON = date(2026, 12, 1)
MODULES = [ModuleDone(2, "The two most common mistakes", 50), ModuleDone(3, "Language and stigma", 45)]

CONFIGURED = """\
provider:
  name: Harbour Community Health
  approval_number: "TEST-0000-1"
approval_statement: >-
  Example wording for this test only: the provider copies its approving body's statement here.
course_title: Affirming Care for Clients Who Do Sex Work
hours:
  unit: contact hours
  rounding: half
delivery_format: live interactive
signature:
  name: Jo Rivera
  role: Director of education
  image: signature.png
"""


def text_of(path: Path) -> str:
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def render(root: Path) -> str:
    cert = Certificate(
        name="Ana Kim", modules=MODULES, on=ON, issuer="Default issuer", number="AB12-CD34-EF56"
    )
    pdf = root / "out" / "certificate.pdf"
    render_certificate(with_provider_fields(root, cert, "ana.kim", pdf), pdf)
    return text_of(pdf)


def course_with(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    (root / "certificate.yaml").write_text(text, encoding="utf-8")
    segno.make("signature").save(root / "signature.png", kind="png", scale=4)
    return root


def test_every_configured_field_is_on_the_certificate(tmp_path: Path) -> None:
    text = render(course_with(tmp_path, CONFIGURED))

    for expected in [
        "Ana Kim",
        "Affirming Care for Clients Who Do Sex Work",
        "Issued by: Harbour Community Health",
        "Provider: Harbour Community Health; approval number TEST-0000-1",
        "Example wording for this test only: the provider copies its approving body's statement here.",
        "Delivery format: live interactive",
        "Awarded: 1.5 contact hours (learner time rounded to the nearest half hour)",
        "1 December 2026",
        "Module 2: The two most common mistakes",
        "Module 3: Language and stigma",
        "Jo Rivera, Director of education",
    ]:
        assert expected in text, expected
    assert NO_APPROVAL not in text


def test_with_nothing_configured_the_certificate_says_no_board_approved_it(tmp_path: Path) -> None:
    root = tmp_path / "course"
    root.mkdir()

    text = render(root)

    assert NO_APPROVAL in text
    assert "Delivery format: home study" in text
    assert "approval number" not in text and "Awarded:" not in text
    assert "Issued by: Default issuer" in text


def test_the_self_paced_certificate_says_it_is_not_verified(tmp_path: Path) -> None:
    from affirming_care.grading.certificate_extras import self_paced_extras

    cert = Certificate(
        name="Ana Kim", modules=MODULES, on=ON, issuer="Self", verified=False, extras=self_paced_extras()
    )
    render_certificate(cert, tmp_path / "mine.pdf")
    text = text_of(tmp_path / "mine.pdf")

    assert SELF_PACED_NOTE in text and NO_APPROVAL in text
    assert "Verification code" not in text


@pytest.mark.parametrize(
    ("minutes", "rounding", "hours"),
    [(95, "quarter", 1.5), (100, "quarter", 1.75), (95, "half", 1.5), (105, "half", 2.0), (89, "whole", 1.0), (90, "whole", 2.0)],
)  # fmt: skip
def test_hours_round_to_the_providers_step(minutes: int, rounding: str, hours: float) -> None:
    assert rounded_hours(minutes, rounding) == hours  # type: ignore[arg-type]


def test_units_are_named_in_the_singular_and_the_plural() -> None:
    assert units_label(1, "CE credits") == "1 CE credit"
    assert units_label(2.5, "contact hours") == "2.5 contact hours"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hours:\n  unit: hours\n  rounding: tenth\n", r"certificate.yaml:3: hours.rounding: Input should be 'quarter', 'half' or 'whole'"),
        ("provider:\n  name: X\n  approval_number: A-1\n", r"certificate.yaml:1: \(top level\): Value error, approval_statement is required"),
        ("delivery_format: online\n", r"certificate.yaml:1: delivery_format: Input should be 'home study' or 'live interactive'"),
        ("provider:\n  nmae: X\n", r"certificate.yaml:2: provider.nmae: Extra inputs are not permitted"),
        ("signature:\n  name: X\n  image: missing.png\n", r"certificate.yaml:3: signature.image: .*missing.png is not a file"),
        ("verification:\n  url: http://x.example/{code}\n", r"certificate.yaml:2: verification.url: Value error, expected an https://"),
        ("hours: [\n", r"certificate.yaml:2: not valid YAML"),
    ],
)  # fmt: skip
def test_a_bad_settings_file_names_the_file_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    root = course_with(tmp_path, text)

    with pytest.raises(SettingsError, match=message):
        load_certificate_settings(root)


def test_a_signature_image_that_is_not_a_png_is_refused(tmp_path: Path) -> None:
    root = course_with(tmp_path, "signature:\n  image: sig.png\n")
    (root / "sig.png").write_text("not an image")

    with pytest.raises(SettingsError, match=r"sig\.png is not a PNG image"):
        load_certificate_settings(root)
