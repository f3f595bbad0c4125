"""Self-hosted license keys: compact Ed25519-signed tokens, verified offline."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import delete, select

from app.db import get_session
from app.entitlements import Edition, EditionGrant
from app.errors import ValidationError
from billing.contracts import now, parse_edition, setting
from billing.models import InstanceLicense

PREFIX = "burrow-license-v1"
# Burrow's license-signing public key; the private half never enters the repository.
SHIPPED_PUBLIC_KEY = "IY8BUYsvTJR8rKCMJ4F+spheuZs2zEsvFYnMhM+3m9o="


class LicenseInvalid(ValueError):
    """The token is malformed, forged, or signed by another key."""


@dataclass(frozen=True)
class License:
    edition: Edition
    licensee: str
    issued: date
    expiry: date

    def expired(self, today: date) -> bool:
        return today > self.expiry

    def as_dict(self, today: date) -> dict[str, Any]:
        return {
            "edition": self.edition.label,
            "licensee": self.licensee,
            "issued": self.issued.isoformat(),
            "expiry": self.expiry.isoformat(),
            "expired": self.expired(today),
        }


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_keypair() -> tuple[str, str]:
    """(private, public) raw Ed25519 keys, standard base64."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(private).decode(), base64.b64encode(public).decode()


def issue(*, private_key: str, edition: Edition, licensee: str, issued: date, expiry: date) -> str:
    """Sign a license token with the issuer's private key."""
    body = {
        "edition": edition.label,
        "licensee": licensee,
        "issued": issued.isoformat(),
        "expiry": expiry.isoformat(),
    }
    payload = _b64e(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    signer = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key))
    signature = signer.sign(f"{PREFIX}.{payload}".encode())
    return f"{PREFIX}.{payload}.{_b64e(signature)}"


def _public_key() -> Ed25519PublicKey:
    raw = setting("LICENSE_PUBLIC_KEY", "") or SHIPPED_PUBLIC_KEY
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(raw))


def verify(token: str) -> License:
    """The license in a token, or LicenseInvalid with a human reason."""
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise LicenseInvalid("This is not a Burrow license key.")
    try:
        _public_key().verify(_b64d(parts[2]), f"{PREFIX}.{parts[1]}".encode())
        body = json.loads(_b64d(parts[1]))
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise LicenseInvalid("The license key's signature is not valid.") from exc
    edition = parse_edition(body.get("edition"))
    try:
        issued, expiry = date.fromisoformat(body["issued"]), date.fromisoformat(body["expiry"])
    except (KeyError, TypeError, ValueError) as exc:
        raise LicenseInvalid("The license key has no valid dates.") from exc
    if edition is None or edition == Edition.FREE:
        raise LicenseInvalid("The license key names no paid edition.")
    return License(edition, str(body.get("licensee", "")), issued, expiry)


def current() -> License | None:
    """The installed license, if any (even expired); a corrupted one counts as none."""
    row = get_session().scalar(select(InstanceLicense).order_by(InstanceLicense.created_at.desc()))
    if row is None:
        return None
    try:
        return verify(row.token)
    except LicenseInvalid:
        return None


def install(*, token: str, user_id: uuid.UUID | None) -> License:
    """Replace the instance's license with a valid, unexpired one (400 otherwise)."""
    try:
        lic = verify(token)
    except LicenseInvalid as exc:
        raise ValidationError(str(exc), attr="key", code="invalid_license") from exc
    if lic.expired(now().date()):
        raise ValidationError(
            f"This license expired on {lic.expiry.isoformat()}.", attr="key", code="license_expired"
        )
    remove()
    get_session().add(InstanceLicense(token=token.strip(), installed_by=user_id))
    return lic


def remove() -> None:
    get_session().execute(delete(InstanceLicense))


def license_resolver(_organization_id: uuid.UUID) -> EditionGrant | None:
    """Self-hosted: a valid, unexpired license grants its edition to every organization."""
    lic = current()
    if lic is None or lic.expired(now().date()):
        return None
    return EditionGrant(
        lic.edition, "license", {"licensee": lic.licensee, "expiry": str(lic.expiry)}
    )
