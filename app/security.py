"""Passwords, random keys, key hashing and signed links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 10
_COMMON = frozenset({"password123", "1234567890", "qwertyuiop", "password1234", "letmein123"})


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-time verify; a user without a password (SSO-only) never matches."""
    if not password_hash:
        _hasher.hash(password)  # spend the same time as a real check
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is unacceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 256:
        return "Password must be at most 256 characters."
    if password.lower() in _COMMON or len(set(password)) < 4:
        return "This password is too common."
    if email and password.lower() == email.lower():
        return "Password must differ from the email address."
    return None


def generate_key(prefix: str, nbytes: int = 32) -> str:
    """A high-entropy key with a scanner-recognisable prefix (phc_, phx_, phs_ ...)."""
    return prefix + secrets.token_urlsafe(nbytes).replace("-", "A").replace("_", "B")


def sha256_hex(value: str) -> str:
    """Keys are high-entropy, so a plain SHA-256 lookup is right (no slow hash needed)."""
    return hashlib.sha256(value.encode()).hexdigest()


def constant_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _serializer(salt: str) -> URLSafeTimedSerializer:
    settings = current_app.config["BURROW"]
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return URLSafeTimedSerializer(keys[::-1], salt=salt)


def sign(payload: Any, salt: str) -> str:
    return _serializer(salt).dumps(payload)


def unsign(token: str, salt: str, max_age: int) -> Any | None:
    """The payload of a signed link, or None if forged or expired."""
    try:
        return _serializer(salt).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None


def _fernet() -> Fernet:
    secret = current_app.config["BURROW"].SECRET_KEY.encode()
    digest = hashlib.sha256(b"burrow-field-encryption:" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_field(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt_field(value: str) -> str | None:
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        return None
