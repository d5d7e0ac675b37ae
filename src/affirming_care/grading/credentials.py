"""Verifiable certificates: each cohort certificate is also an Open Badges 3.0 credential (issue 14).

    affirming_care credentials keygen --course DIR     make the issuer's Ed25519 key and its did:key
    affirming_care credentials verify FILE             check a credential: signature, issuer, dates, revocation
    affirming_care credentials revoke --course DIR ID  revoke one (a signed Bitstring Status List)

Issuing is done by ``affirming_care cohort certificates`` once the course folder has a key: each
verified PDF gets a ``.credential.jwt`` beside it, and carries a QR code and a short verification code.

**The library.** `openbadgeslib <https://pypi.org/project/openbadgeslib/>`_ (4.6, LGPL-3.0, used
as an unmodified dependency) implements Open Badges 3.0 itself, not only 2.0: it builds the
``OpenBadgeCredential`` with the W3C Verifiable Credentials 2.0 and OB 3.0 contexts, signs it as a
VC-JWT (JWS compact, the proof format OB 3.0 allows) with an Ed25519 key (``EdDSA``), resolves
``did:key`` issuers offline, and builds, signs and checks W3C Bitstring Status Lists, verifying the
list's own signature against the badge's issuer. It sits on PyJWT and ``cryptography``, which we
would otherwise have used directly, so choosing it means none of the credential format, the status
list bit layout or the verification rules are written here: this module only keeps the course
folder's files (key, DID document, the list of what was issued, the status list) and says what
happened in plain words.

**Files in the course folder.** ``.affirming-care/issuer-ed25519.pem`` (the private key, mode 0600,
never copied anywhere); ``credentials/issuer.did.json`` and ``credentials/issuer-public.pem`` (the
public side, to publish); ``credentials/issued.json`` (credential id, status index and verification
code per certificate number); ``credentials/status-list.jwt`` (the signed revocation list, to
publish at ``verification.status_list_url`` of ``certificate.yaml``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from affirming_care.grading.certificates import CertificateError

if TYPE_CHECKING:
    from affirming_care.grading.certificate_settings import CertificateSettings
    from affirming_care.grading.certificates import Certificate

KEY_FILE = "issuer-ed25519.pem"
PUBLIC_DIR = "credentials"
DID_FILE = "issuer.did.json"
PUBLIC_PEM = "issuer-public.pem"
REGISTRY_FILE = "issued.json"
STATUS_FILE = "status-list.jwt"
LIST_BITS = 131072
"""The status list's length: the W3C minimum (16 KiB), so the list hides how many were issued."""


class CredentialError(CertificateError):
    """A credential step could not be done; the message says why and what to do."""


# Keys -----------------------------------------------------------------------------------------------


def key_path(root: Path) -> Path:
    return root / ".affirming-care" / KEY_FILE


def public_dir(root: Path) -> Path:
    return root / PUBLIC_DIR


def has_issuer_key(root: Path) -> bool:
    return key_path(root).is_file()


@dataclass
class IssuerKey:
    did: str
    private: Path
    did_document: Path
    public_pem: Path


def keygen(root: Path, *, force: bool = False) -> IssuerKey:
    """Make the issuer's Ed25519 key (private file mode 0600) and write its public did:key document."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not root.is_dir():
        raise CredentialError(f"{root} is not a folder; give the course folder with --course DIR.")
    path = key_path(root)
    if path.exists() and not force:
        raise CredentialError(
            f"{path} already exists. Credentials issued with it stop verifying if it is replaced; "
            "pass --force only if the key was lost or exposed."
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return write_public_files(root)


def _private_pem(root: Path) -> bytes:
    path = key_path(root)
    if not path.is_file():
        raise CredentialError(
            f"No issuer key in {root}. Run `affirming_care credentials keygen --course {root}` first."
        )
    if path.stat().st_mode & 0o077:
        raise CredentialError(f"{path} can be read by other users; run `chmod 600 {path}`.")
    return path.read_bytes()


def _public_pem(private_pem: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def issuer_did(root: Path) -> str:
    from openbadgeslib.ob3 import did_key_from_pem

    return str(did_key_from_pem(_public_pem(_private_pem(root))))


def write_public_files(root: Path) -> IssuerKey:
    """The DID document and public key, in the course folder's ``credentials/``, ready to publish."""
    from openbadgeslib.keys import public_jwk_from_pem
    from openbadgeslib.ob3 import build_did_document

    public = _public_pem(_private_pem(root))
    did = issuer_did(root)
    fragment = did.removeprefix("did:key:")
    document = build_did_document(did, [(fragment, public_jwk_from_pem(public))])
    folder = public_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DID_FILE).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    (folder / PUBLIC_PEM).write_bytes(public)
    return IssuerKey(did, key_path(root), folder / DID_FILE, folder / PUBLIC_PEM)


# What was issued --------------------------------------------------------------------------------------


class IssuedEntry(BaseModel):
    credential_id: str
    index: int = Field(ge=0, lt=LIST_BITS)
    learner_id: str
    name: str
    code: str
    file: str
    revoked: bool = False


class Registry(BaseModel):
    list_url: str
    issuer: str
    entries: dict[str, IssuedEntry] = Field(default_factory=dict)
    """By certificate number."""


def _registry_path(root: Path) -> Path:
    return public_dir(root) / REGISTRY_FILE


def load_registry(root: Path, did: str, settings: CertificateSettings | None = None) -> Registry:
    path = _registry_path(root)
    if path.exists():
        try:
            return Registry.model_validate_json(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise CredentialError(f"{path} is damaged ({exc}); restore it from a backup.") from None
    configured = settings.verification.status_list_url if settings else None
    # Without a published address the list has a stable URN and is checked from a local copy.
    list_url = configured or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, did + '#status-list')}"
    return Registry(list_url=list_url, issuer=did)


def save_registry(root: Path, registry: Registry) -> None:
    path = _registry_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(registry.model_dump_json(indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def _free_index(registry: Registry) -> int:
    """A random unused index: the order of issue cannot be read from the list."""
    used = {e.index for e in registry.entries.values()}
    while True:
        index = secrets.randbelow(LIST_BITS)
        if index not in used:
            return index


def write_status_list(root: Path, registry: Registry) -> Path:
    """Sign the revocation list (every revoked index set) and write ``credentials/status-list.jwt``."""
    from openbadgeslib.ob3 import build_status_list_credential, sign_status_list_credential

    revoked = [e.index for e in registry.entries.values() if e.revoked]
    document = build_status_list_credential(
        registry.issuer, registry.list_url, "revocation", revoked, LIST_BITS
    )
    token = sign_status_list_credential(document, _private_pem(root), "EdDSA")
    path = public_dir(root) / STATUS_FILE
    path.write_text(token + "\n", encoding="utf-8")
    return path


# Issuing ----------------------------------------------------------------------------------------------


def verification_code(token: str) -> str:
    """Ten base32 characters of the credential's SHA-256, in two groups: ``K7Q2M-XR4TA``."""
    text = base64.b32encode(hashlib.sha256(token.strip().encode("ascii")).digest()).decode()[:10]
    return f"{text[:5]}-{text[5:]}"


@dataclass
class Issued:
    path: Path
    token: str
    code: str
    url: str | None
    credential_id: str


def build_credential(
    cert: Certificate, did: str, credential_id: str, status: dict[str, Any], settings: CertificateSettings
) -> Any:
    """The unsigned ``OpenBadgeCredential`` for a certificate (openbadgeslib's model)."""
    from openbadgeslib.ob3 import Achievement, IdentityObject, Issuer, OpenBadgeCredential

    from affirming_care.grading.certificate_settings import rounded_hours

    modules = "; ".join(m.label for m in cert.modules)
    hours = settings.hours
    credits = rounded_hours(cert.minutes, hours.rounding) if hours else cert.hours
    achievement = Achievement(
        id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, did + '#' + cert.course_title)}",
        name=cert.course_title,
        description=f"Modules completed: {modules}. Delivery format: {settings.delivery_format}. {settings.statement}",
        criteria_narrative=cert.completion_rule
        or "Each listed module was handed in and graded: its post-test reached the course's pass mark "
        "on its own, and its reflection, graded by a person, reached the course's reflection threshold.",
        achievement_type="Certificate",
        credits_available=credits,
    )
    return OpenBadgeCredential(
        issuer=Issuer(id=did, name=cert.issuer),
        recipient_id=None,
        identifiers=[IdentityObject(identity_hash=cert.name, identity_type="name", hashed=False)],
        achievement=achievement,
        id=credential_id,
        name=f"Certificate of completion: {cert.course_title}",
        issuance_date=datetime.combine(cert.on, time(), tzinfo=UTC),
        credential_status=[status],
        credits_earned=credits,
    )


def issue_for_certificate(
    root: Path, cert: Certificate, learner_id: str, path: Path, settings: CertificateSettings
) -> Issued:
    """Sign ``cert`` as an Open Badges 3.0 credential and write it to ``path`` (a compact JWT).

    Issuing the same certificate again (same number) keeps its credential id and status index.
    """
    from openbadgeslib.ob3 import OB3Signer, status_entry

    if not cert.number:
        raise CredentialError("A verified credential needs the certificate's number.")
    pem = _private_pem(root)
    did = issuer_did(root)
    registry = load_registry(root, did, settings)
    known = registry.entries.get(cert.number)
    credential_id = known.credential_id if known else f"urn:uuid:{uuid.uuid4()}"
    index = known.index if known else _free_index(registry)
    status = status_entry(registry.list_url, "revocation", index)
    credential = build_credential(cert, did, credential_id, status, settings)
    token = str(OB3Signer(pem, algorithm="EdDSA").sign(credential))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n", encoding="utf-8")
    code = verification_code(token)
    registry.entries[cert.number] = IssuedEntry(
        credential_id=credential_id,
        index=index,
        learner_id=learner_id,
        name=cert.name,
        code=code,
        file=path.name,
        revoked=known.revoked if known else False,
    )
    save_registry(root, registry)
    if not (public_dir(root) / STATUS_FILE).exists():  # a new credential is never revoked
        write_status_list(root, registry)
    url = settings.verification.url
    return Issued(path, token, code, url.replace("{code}", code) if url else None, credential_id)


# Revoking ---------------------------------------------------------------------------------------------


def revoke(root: Path, which: str) -> tuple[str, IssuedEntry, Path]:
    """Revoke the credential named by its certificate number, verification code or credential id."""
    registry = load_registry(root, issuer_did(root))
    wanted = which.strip().upper()
    for number, entry in registry.entries.items():
        if wanted in (number.upper(), entry.code, entry.credential_id.upper()):
            entry.revoked = True
            save_registry(root, registry)
            return number, entry, write_status_list(root, registry)
    raise CredentialError(
        f"No credential with the number, verification code or id {which!r} in {_registry_path(root)}."
    )


# Verifying --------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    valid: bool
    message: str
    code: str | None = None


def trusted_did(issuer: str | None, course: Path | None) -> str | None:
    """The issuer to trust: ``--issuer`` (a did:key, or a DID document file), else the course folder's."""
    if issuer and issuer.startswith("did:"):
        return issuer
    if issuer:
        path = Path(issuer)
        try:
            return str(json.loads(path.read_text(encoding="utf-8"))["id"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CredentialError(
                f"--issuer {issuer}: expected a did:key or a DID document file ({exc})"
            ) from None
    if course is not None:
        return issuer_did(course)
    return None


def status_source(status_list: Path | None, course: Path | None) -> Callable[[str], bytes]:
    """Where the revocation list comes from: a local file, the course folder, or its https address."""

    local, local_url = None, None
    if course is not None and _registry_path(course).exists():
        local, local_url = public_dir(course) / STATUS_FILE, load_registry(course, "").list_url

    def download(url: str) -> bytes:
        if status_list is not None:
            return status_list.read_bytes()
        if local is not None and local.exists() and url == local_url:
            return local.read_bytes()
        if url.startswith("https://"):
            from openbadgeslib.util import download_file

            return bytes(download_file(url))
        raise CredentialError(
            f"the revocation list {url} has no web address; pass --status-list FILE "
            "(the issuer's credentials/status-list.jwt)"
        )

    return download


def verify_token(token: str, did: str, download: Callable[[str], bytes]) -> Verdict:
    """Signature (by ``did``), issuer, dates and revocation; fails closed when status is unknown."""
    from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier

    token = token.strip()
    try:
        credential = OB3Verifier.for_issuer_did(did).verify(
            token, check_status=True, verify_status_list=True, download=download
        )
    except (OB3VerificationError, CredentialError, ValueError) as exc:
        return Verdict(False, f"NOT VALID: {exc}")
    code = verification_code(token)
    name = next((i.identity_hash for i in credential.identifiers if i.identity_type == "name"), "(no name)")
    issued = credential.issuance_date.date().isoformat() if credential.issuance_date else "?"
    return Verdict(
        True,
        f"VALID: {credential.name} for {name}, issued {issued} by {credential.issuer.name} ({did}); "
        f"signature checked, not revoked. Verification code {code}.",
        code,
    )


def verify_file(
    path: Path, *, issuer: str | None = None, course: Path | None = None, status_list: Path | None = None
) -> Verdict:
    try:
        token = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        return Verdict(False, f"NOT VALID: {path} could not be read as a credential ({exc})")
    did = trusted_did(issuer, course)
    if did is None:
        raise CredentialError(
            "No trusted issuer: pass --issuer with the DID (or DID document file) the provider "
            "publishes, or --course DIR on the issuer's own machine."
        )
    return verify_token(token, did, status_source(status_list, course))


# Commands ---------------------------------------------------------------------------------------------


def _root(arg: Path | None) -> Path:
    from affirming_care.grading.course import course_root

    return course_root(arg)


def cmd_keygen(args: Any) -> int:
    """Make the course's issuer key (Ed25519) and write its public did:key document."""
    key = keygen(_root(args.course), force=args.force)
    print(f"Issuer key written to {key.private} (readable by you only; keep a backup, never share it).")
    print(f"Issuer DID: {key.did}")
    print(f"Publish {key.did_document} (or give the DID) so others can check your credentials.")
    return 0


def cmd_verify(args: Any) -> int:
    """Check a credential file: signature, issuer, dates and revocation. Exit status 1 if not valid."""
    course = _root(args.course) if args.course else None
    verdict = verify_file(args.file, issuer=args.issuer, course=course, status_list=args.status_list)
    print(verdict.message)
    return 0 if verdict.valid else 1


def cmd_revoke(args: Any) -> int:
    """Revoke one credential and re-sign the course's revocation list."""
    root = _root(args.course)
    number, entry, path = revoke(root, args.cert_id)
    print(f"Revoked certificate {number} ({entry.name}, code {entry.code}). The signed list is {path}.")
    url = load_registry(root, "").list_url
    if url.startswith("https://"):
        print(f"Publish it at {url} so that others see the revocation.")
    return 0


def _guarded(func: Callable[[Any], int]) -> Callable[[Any], int]:
    def run(args: Any) -> int:
        from affirming_care.grading.course import GradingError

        try:
            return func(args)
        except (CertificateError, GradingError) as exc:
            print(f"Error: {exc}", file=sys.stderr)
            return 2 if func is cmd_verify else 1

    return run


def register(subparsers: Any) -> None:
    """Add ``credentials keygen|verify|revoke`` to the ``affirming_care`` command."""
    parser = subparsers.add_parser(
        "credentials",
        help="verifiable certificates: issuer key, verify a credential, revoke one",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    cmds = parser.add_subparsers(dest="credentials_command", required=True, metavar="COMMAND")
    course_help = "the course folder (default: $AFFIRMING_CARE_COURSE)"

    p = cmds.add_parser("keygen", help="make the issuer key", description=cmd_keygen.__doc__)
    p.add_argument("--course", type=Path, metavar="DIR", help=course_help)
    p.add_argument(
        "--force", action="store_true", help="replace an existing key (old credentials stop verifying)"
    )
    p.set_defaults(func=_guarded(cmd_keygen))

    p = cmds.add_parser("verify", help="check a .credential.jwt file", description=cmd_verify.__doc__)
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--issuer", help="the issuer's DID (did:key:...) or DID document file to trust")
    p.add_argument("--course", type=Path, metavar="DIR", help="trust this course folder's own key and list")
    p.add_argument("--status-list", type=Path, metavar="FILE", help="a copy of the issuer's status-list.jwt")
    p.set_defaults(func=_guarded(cmd_verify))

    p = cmds.add_parser("revoke", help="revoke a credential", description=cmd_revoke.__doc__)
    p.add_argument(
        "cert_id", metavar="CERT-ID", help="certificate number, verification code or credential id"
    )
    p.add_argument("--course", type=Path, metavar="DIR", help=course_help)
    p.set_defaults(func=_guarded(cmd_revoke))
