"""Verifiable certificates (issue 14): Open Badges 3.0 credentials, revocation, QR and verification code.

The QR code is decoded from the image embedded in the PDF with zxing-cpp (wheels from PyPI).
"""

from __future__ import annotations

import base64
import io
import json
import stat
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from affirming_care.cli import main
from affirming_care.grading.certificate_extras import with_provider_fields
from affirming_care.grading.certificate_settings import load_certificate_settings
from affirming_care.grading.certificates import Certificate, ModuleDone, render_certificate
from affirming_care.grading.credentials import (
    CredentialError,
    issuer_did,
    key_path,
    keygen,
    revoke,
    verification_code,
    verify_file,
)

ON = date(2026, 12, 1)
MODULES = [ModuleDone(2, "The two most common mistakes", 50), ModuleDone(3, "Language and stigma", 40)]


def a_certificate(number: str = "AB12-CD34-EF56") -> Certificate:
    return Certificate(
        name="Ana Kim", modules=MODULES, on=ON, issuer="Harbour Community Health", number=number
    )


@pytest.fixture
def keyed(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    keygen(root)
    return root


def issue(root: Path, cert: Certificate | None = None) -> tuple[Certificate, Path]:
    cert = cert or a_certificate()
    pdf = root / "certificates" / "certificate-ana.kim.pdf"
    cert = with_provider_fields(root, cert, "ana.kim", pdf)
    render_certificate(cert, pdf)
    return cert, pdf.with_suffix(".credential.jwt")


def payload_of(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_keygen_writes_a_private_key_only_its_owner_can_read_and_a_public_did_document(keyed: Path) -> None:
    mode = stat.S_IMODE(key_path(keyed).stat().st_mode)
    document = json.loads((keyed / "credentials" / "issuer.did.json").read_text())

    assert mode == 0o600
    assert document["id"] == issuer_did(keyed) and document["id"].startswith("did:key:z6Mk")
    assert "PRIVATE" not in (keyed / "credentials" / "issuer-public.pem").read_text()
    with pytest.raises(CredentialError, match="already exists"):
        keygen(keyed)


def test_an_issued_credential_is_an_open_badge_and_verifies(keyed: Path) -> None:
    _, jwt = issue(keyed)
    token = jwt.read_text().strip()
    body = payload_of(token)

    assert body["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        body["@context"][1],
    ] and body["@context"][1].startswith("https://purl.imsglobal.org/spec/ob/v3p0/context")
    assert body["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert body["issuer"]["id"] == issuer_did(keyed)
    assert body["credentialSubject"]["identifier"][0]["identityHash"] == "Ana Kim"
    assert body["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["alg"] == "EdDSA"
    verdict = verify_file(jwt, course=keyed)
    assert verdict.valid, verdict.message
    assert verdict.message.startswith("VALID: ") and "Ana Kim" in verdict.message
    assert verdict.code == verification_code(token)


def flip(text: str, at: int) -> str:
    return text[:at] + ("B" if text[at] == "A" else "A") + text[at + 1 :]


def test_one_changed_byte_in_the_payload_or_the_signature_fails(keyed: Path, tmp_path: Path) -> None:
    _, jwt = issue(keyed)
    header, payload, signature = jwt.read_text().strip().split(".")
    # One byte of the decoded payload: the learner's name.
    body = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).replace(b"Ana Kim", b"Ana Kin")
    forged = base64.urlsafe_b64encode(body).decode().rstrip("=")
    cases = {
        "payload": f"{header}.{forged}.{signature}",
        "payload-text": f"{header}.{flip(payload, len(payload) // 2)}.{signature}",
        "signature": f"{header}.{payload}.{flip(signature, 20)}",
    }
    for name, token in cases.items():
        path = tmp_path / f"{name}.jwt"
        path.write_text(token)
        verdict = verify_file(path, course=keyed)
        assert not verdict.valid, name
        assert verdict.message.startswith("NOT VALID: ")


def test_a_credential_signed_by_another_key_fails_against_the_trusted_issuer(
    keyed: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    keygen(other)
    _, jwt = issue(other)

    verdict = verify_file(
        jwt, issuer=issuer_did(keyed), status_list=other / "credentials" / "status-list.jwt"
    )

    assert not verdict.valid


def test_a_revoked_credential_fails_and_the_others_still_verify(keyed: Path) -> None:
    _, jwt = issue(keyed)
    other_pdf = keyed / "certificates" / "certificate-ben.pdf"
    ben = Certificate(name="Ben Okafor", modules=MODULES, on=ON, issuer="X", number="1111-2222-3333")
    with_provider_fields(keyed, ben, "ben", other_pdf)
    ben_jwt = other_pdf.with_suffix(".credential.jwt")
    assert verify_file(jwt, course=keyed).valid

    number, entry, status_file = revoke(keyed, "AB12-CD34-EF56")

    assert number == "AB12-CD34-EF56" and entry.revoked
    verdict = verify_file(jwt, course=keyed)
    assert not verdict.valid and "revocation" in verdict.message
    # Someone else, with the DID and a copy of the published list, sees the same.
    elsewhere = verify_file(jwt, issuer=issuer_did(keyed), status_list=status_file)
    assert not elsewhere.valid
    assert verify_file(ben_jwt, course=keyed).valid
    with pytest.raises(CredentialError, match="No credential"):
        revoke(keyed, "nothing-like-it")


def test_issuing_the_same_certificate_again_keeps_its_id_and_code(keyed: Path) -> None:
    first = issue(keyed)[1].read_text()
    second = issue(keyed)[1].read_text()

    assert payload_of(first)["id"] == payload_of(second)["id"]
    assert verification_code(first) == verification_code(second)


def test_without_a_trusted_issuer_nothing_is_claimed(keyed: Path) -> None:
    _, jwt = issue(keyed)

    with pytest.raises(CredentialError, match="No trusted issuer"):
        verify_file(jwt)


def qr_in(pdf: Path) -> str:
    import zxingcpp
    from PIL import Image

    images = PdfReader(pdf).pages[0].images
    assert images, "the certificate has no image"
    found = [r.text for img in images for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(img.data)))]
    assert len(found) == 1, found
    return found[0]


def test_the_pdf_carries_a_qr_code_and_the_verification_code(keyed: Path) -> None:
    _, jwt = issue(keyed)
    code = verification_code(jwt.read_text())
    pdf = jwt.with_name("certificate-ana.kim.pdf")
    text = " ".join(PdfReader(pdf).pages[0].extract_text().split())

    assert f"Verification code: {code}" in text
    assert qr_in(pdf) == code
    assert len(code) == 11 and code[5] == "-"


def test_with_a_verification_address_the_qr_holds_it(keyed: Path) -> None:
    (keyed / "certificate.yaml").write_text("verification:\n  url: https://harbour.example/verify/{code}\n")
    _, jwt = issue(keyed)
    code = verification_code(jwt.read_text())

    assert qr_in(jwt.with_name("certificate-ana.kim.pdf")) == f"https://harbour.example/verify/{code}"
    assert load_certificate_settings(keyed).verification.url


def test_the_commands_keygen_verify_and_revoke(
    keyed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert main(["credentials", "keygen", "--course", str(fresh)]) == 0
    assert "Issuer DID: did:key:" in capsys.readouterr().out
    _, jwt = issue(keyed)
    did_doc = keyed / "credentials" / "issuer.did.json"
    status = keyed / "credentials" / "status-list.jwt"

    assert (
        main(["credentials", "verify", str(jwt), "--issuer", str(did_doc), "--status-list", str(status)]) == 0
    )
    assert capsys.readouterr().out.startswith("VALID: ")
    assert main(["credentials", "revoke", "--course", str(keyed), "AB12-CD34-EF56"]) == 0
    capsys.readouterr()
    assert main(["credentials", "verify", str(jwt), "--course", str(keyed)]) == 1
    assert capsys.readouterr().out.startswith("NOT VALID: ")
    assert main(["credentials", "verify", str(jwt)]) == 2
    assert "No trusted issuer" in capsys.readouterr().err


def test_cohort_certificates_issue_a_credential_beside_each_verified_pdf(
    mini_course: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from affirming_care.loader import load_course
    from synthetic_cohort import Grade, make_cohort

    root = tmp_path / "cohort"
    ids = make_cohort(root, load_course(), 3, grades=lambda i, m: Grade(1.0, 12) if i < 2 else Grade(0.0, 0))
    keygen(root)
    out = tmp_path / "pdfs"

    code = main(["cohort", "certificates", "--course", str(root), "--out", str(out), "--date", "2026-12-01"])
    printed = capsys.readouterr().out

    assert code == 0 and "2 signed credentials" in printed
    jwts = sorted(out.glob("*.credential.jwt"))
    assert [p.name for p in jwts] == [f"certificate-{lid}.credential.jwt" for lid in ids[:2]]
    for jwt in jwts:
        verdict = verify_file(jwt, course=root)
        assert verdict.valid, verdict.message
        text = " ".join(PdfReader(jwt.with_suffix("").with_suffix(".pdf")).pages[0].extract_text().split())
        assert f"Verification code: {verdict.code}" in text


def test_when_the_revocation_list_cannot_be_had_the_credential_is_not_called_valid(keyed: Path) -> None:
    _, jwt = issue(keyed)

    verdict = verify_file(jwt, issuer=issuer_did(keyed))

    assert not verdict.valid and "--status-list" in verdict.message


def test_a_credential_dated_in_the_future_is_not_valid_yet(keyed: Path) -> None:
    future = Certificate(
        name="Ana Kim", modules=MODULES, on=date(2099, 1, 1), issuer="X", number="9999-9999-9999"
    )
    _, jwt = issue(keyed, future)

    verdict = verify_file(jwt, course=keyed)

    assert not verdict.valid and "not yet valid" in verdict.message
