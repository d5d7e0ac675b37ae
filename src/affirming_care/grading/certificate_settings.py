"""What a provider puts on its certificates: ``certificate.yaml`` in the course folder (issue 14).

A licensing board or an approving body looks for particular things on a continuing-education
certificate. The provider writes them once, in the course folder:

.. code-block:: yaml

    provider:
      name: Harbour Community Health
      approval_number: "CE-2026-0142"        # only an approval you actually hold
    approval_statement: >-
      Harbour Community Health is approved by ... to offer continuing education. (Your board's wording.)
    course_title: Sex Work–Affirming Care          # optional; the course's own title otherwise
    hours:
      unit: contact hours                          # hours, CE credits or contact hours
      rounding: half                               # quarter, half or whole
    delivery_format: home study                    # home study or live interactive
    signature:
      name: Dr Jo Rivera
      role: Director of education
      image: signature.png                         # a PNG, beside this file (optional)
    verification:
      url: https://harbour.example/verify/{code}   # where a board checks a code (optional)
      status_list_url: https://harbour.example/credentials/status-list.jwt   # optional

Every key is optional. Nothing is invented: without an approval number the certificate says
plainly that no board has approved the course (:data:`NO_APPROVAL`). An approval number without
the approval statement that goes with it is an error, not a guess. Problems are reported as
``FILE:LINE: field: what was expected``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from affirming_care._yaml import YamlSyntaxError, line_of, load_with_lines
from affirming_care.grading.certificates import CertificateError

SETTINGS_FILE = "certificate.yaml"
NO_APPROVAL = "This course has not been approved for continuing-education credit by any board."
Unit = Literal["hours", "CE credits", "contact hours"]
Rounding = Literal["quarter", "half", "whole"]
STEPS: dict[str, int] = {"quarter": 4, "half": 2, "whole": 1}


class SettingsError(CertificateError):
    """``certificate.yaml`` is not valid; the message names the file, line and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Provider(_Strict):
    name: str | None = Field(default=None, min_length=1)
    approval_number: str | None = Field(default=None, min_length=1)


class Hours(_Strict):
    unit: Unit = "hours"
    rounding: Rounding = "quarter"


class Signature(_Strict):
    name: str | None = Field(default=None, min_length=1)
    role: str | None = None
    image: Path | None = None
    """A PNG image of the signature, relative to the folder of ``certificate.yaml``."""


class Verification(_Strict):
    url: str | None = None
    """Where a board checks a verification code; ``{code}`` is replaced by the code."""
    status_list_url: str | None = None
    """Where the signed revocation list (``credentials/status-list.jwt``) is published."""

    @field_validator("url", "status_list_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError(f"expected an https:// address, got {value!r}")
        return value


class CertificateSettings(_Strict):
    provider: Provider = Field(default_factory=Provider)
    approval_statement: str | None = Field(default=None, min_length=1)
    course_title: str | None = Field(default=None, min_length=1)
    hours: Hours | None = None
    """None: the certificate shows only the estimated hours, to the quarter hour."""
    delivery_format: Literal["home study", "live interactive"] = "home study"
    signature: Signature = Field(default_factory=Signature)
    verification: Verification = Field(default_factory=Verification)

    @model_validator(mode="after")
    def _approval_needs_its_statement(self) -> CertificateSettings:
        if self.provider.approval_number and not self.approval_statement:
            raise ValueError(
                "approval_statement is required with provider.approval_number: copy the statement "
                "your approving body gives you, word for word"
            )
        return self

    @property
    def statement(self) -> str:
        """The approval statement, or the plain default that no board has approved the course."""
        return self.approval_statement or NO_APPROVAL


def settings_file(root: Path) -> Path:
    return root / SETTINGS_FILE


def load_certificate_settings(root: Path) -> CertificateSettings:
    """The course folder's ``certificate.yaml``, or the defaults when there is none."""
    path = settings_file(root)
    if not path.exists():
        return CertificateSettings()
    try:
        data, lines = load_with_lines(path)
    except YamlSyntaxError as exc:
        raise SettingsError(str(exc)) from None
    if data is None:
        return CertificateSettings()
    try:
        settings = CertificateSettings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            field = ".".join(str(p) for p in loc) or "(top level)"
            problems.append(f"{path}:{line_of(lines, loc)}: {field}: {err['msg']}")
        raise SettingsError("\n".join(problems)) from None
    _check_signature_image(path, settings, lines)
    return settings


def _check_signature_image(path: Path, settings: CertificateSettings, lines: dict) -> None:
    image = settings.signature.image
    if image is None:
        return
    full = image if image.is_absolute() else path.parent / image
    where = f"{path}:{line_of(lines, ('signature', 'image'))}: signature.image"
    if not full.is_file():
        raise SettingsError(f"{where}: {full} is not a file; give the path of a PNG image")
    if full.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
        raise SettingsError(f"{where}: {full} is not a PNG image")
    settings.signature.image = full


# Hours --------------------------------------------------------------------------------------------------


def rounded_hours(minutes: int, rounding: Rounding) -> float:
    """Minutes as hours to the nearest quarter, half or whole hour (halves round up)."""
    step = STEPS[rounding]
    return int(minutes * step / 60 + 0.5) / step


def units_label(value: float, unit: Unit) -> str:
    """``1.5 contact hours``, ``1 CE credit``, ``2 hours``."""
    number = f"{value:.2f}".rstrip("0").rstrip(".")
    singular = {"hours": "hour", "CE credits": "CE credit", "contact hours": "contact hour"}[unit]
    return f"{number} {singular if value == 1 else unit}"


def hours_line(minutes: int, hours: Hours) -> str:
    """The awarded-hours line, naming the unit and the rounding so no one has to guess."""
    value = rounded_hours(minutes, hours.rounding)
    label = units_label(value, hours.unit)
    to = {"quarter": "quarter hour", "half": "half hour", "whole": "whole hour"}[hours.rounding]
    return f"Awarded: {label} (learner time rounded to the nearest {to})"
