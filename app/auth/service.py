"""Accounts: signup, login sessions, email verification, password reset, TOTP 2FA."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import pyotp
from flask import current_app
from sqlalchemy import func, select, update

from app.auth.models import User, UserSession
from app.auth.schemas import Preferences
from app.db import get_session, utcnow
from app.errors import AuthenticationError, Conflict, ValidationError
from app.mail import send_mail
from app.organizations.service import create_organization
from app.projects.service import create_project
from app.security import (
    decrypt_field,
    encrypt_field,
    hash_password,
    password_problem,
    sha256_hex,
    sign,
    unsign,
    verify_password,
)
from app.tenancy import tenant_scope

RESET_MAX_AGE = 60 * 60  # a reset link lives an hour
VERIFY_MAX_AGE = 3 * 24 * 60 * 60
RECENT_LOGIN_SECONDS = 60 * 60

# Hooks other domains register: e.g. SSO enforcement refusing password login for a domain.
PASSWORD_LOGIN_CHECKS: list[Any] = []


def find_user_by_email(email: str) -> User | None:
    return get_session().scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _check_password(password: str, email: str) -> None:
    problem = password_problem(password, email)
    if problem:
        raise ValidationError(problem, attr="password", code="password_too_weak")


def create_user(
    *,
    email: str,
    password: str | None,
    first_name: str,
    last_name: str = "",
    preferences: Preferences | None = None,
    is_email_verified: bool = False,
) -> User:
    """A new user; the first user of a self-hosted instance becomes its instance admin."""
    if find_user_by_email(email) is not None:
        raise Conflict(
            "There is already an account with this email address.", attr="email", code="unique"
        )
    if password is not None:
        _check_password(password, email)
    session = get_session()
    settings = current_app.config["BURROW"]
    first = not settings.is_cloud and session.scalar(select(func.count(User.id))) == 0
    prefs = preferences or Preferences()
    user = User(
        id=uuid.uuid4(),
        email=email.strip(),
        first_name=first_name,
        last_name=last_name,
        password_hash=hash_password(password) if password else None,
        password_changed_at=utcnow() if password else None,
        is_staff=bool(first),
        is_email_verified=is_email_verified,
        pref_community_invite=prefs.community_invite,
        pref_newsletter=prefs.newsletter,
        pref_security_updates=prefs.security_updates,
    )
    session.add(user)
    session.flush()
    return user


def signup(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    organization_name: str,
    preferences: Preferences,
) -> tuple[User, uuid.UUID, int]:
    """User + organization (caller is owner) + first project. Returns (user, org id, project id)."""
    user = create_user(
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        preferences=preferences,
    )
    org = create_organization(name=organization_name or f"{first_name}'s organization", owner=user)
    with tenant_scope(org.id):
        project, _secret = create_project(name="Default project")
    user.last_project_id = project.id
    send_verification(user)
    return user, org.id, project.id


def start_session(
    user: User, *, method: str, ip: str | None, user_agent: str | None
) -> tuple[str, UserSession]:
    """A new server-side session; the caller puts the raw id in the (rotated) cookie."""
    raw = secrets.token_urlsafe(32)
    user_session = UserSession(
        id_hash=sha256_hex(raw),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(24),
        auth_method=method,
        ip=ip,
        user_agent=(user_agent or "")[:300],
    )
    get_session().add(user_session)
    return raw, user_session


def revoke_sessions(user_id: uuid.UUID, *, except_hash: str | None = None) -> int:
    """Log a user out everywhere (logout-all, deprovisioning, password change)."""
    stmt = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if except_hash:
        stmt = stmt.where(UserSession.id_hash != except_hash)
    result = get_session().execute(stmt.values(revoked_at=utcnow()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def authenticate_password(email: str, password: str) -> User:
    """The user for these credentials, or a 401 that does not say which part was wrong."""
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        raise AuthenticationError("Invalid email or password.", code="invalid_credentials")
    for check in PASSWORD_LOGIN_CHECKS:
        check(user)
    return user


def is_recent_login(user_session: UserSession | None) -> bool:
    if user_session is None:
        return False
    return (utcnow() - user_session.authenticated_at).total_seconds() <= RECENT_LOGIN_SECONDS


def send_verification(user: User) -> None:
    token = sign({"uid": str(user.id), "email": user.email.lower()}, "verify-email")
    site = current_app.config["BURROW"].SITE_URL
    send_mail(
        user.email,
        "Verify your email for Burrow",
        f"Verify your email: {site}/verify_email/{token}",
    )


def _user_from(data: Any) -> User | None:
    """The user a signed payload names, or None for a forged/expired/malformed one."""
    if not isinstance(data, dict):
        return None
    try:
        return get_session().get(User, uuid.UUID(str(data.get("uid"))))
    except ValueError:
        return None


def verify_email(token: str) -> User:
    data = unsign(token, "verify-email", VERIFY_MAX_AGE) or {}
    user = _user_from(data)
    if user is None or user.email.lower() != data.get("email"):
        raise ValidationError(
            "This verification link is invalid or has expired.", code="invalid_token", attr="token"
        )
    user.is_email_verified = True
    return user


def request_password_reset(email: str) -> None:
    """Mail a signed, expiring reset link; silent for unknown emails (no account enumeration)."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    for check in PASSWORD_LOGIN_CHECKS:
        try:
            check(user)
        except AuthenticationError:
            return
    stamp = user.password_changed_at.isoformat() if user.password_changed_at else ""
    token = sign({"uid": str(user.id), "stamp": sha256_hex(stamp)[:16]}, "password-reset")
    site = current_app.config["BURROW"].SITE_URL
    send_mail(
        user.email, "Reset your Burrow password", f"Reset your password: {site}/reset/{token}"
    )


def complete_password_reset(token: str, password: str) -> User:
    """Set a new password from a reset link; the link dies once the password changes."""
    data = unsign(token, "password-reset", RESET_MAX_AGE) or {}
    user = _user_from(data)
    stamp = user.password_changed_at.isoformat() if user and user.password_changed_at else ""
    if user is None or data.get("stamp") != sha256_hex(stamp)[:16]:
        raise ValidationError(
            "This reset link is invalid or has expired.", code="invalid_token", attr="token"
        )
    set_password(user, password)
    return user


def set_password(user: User, password: str) -> None:
    _check_password(password, user.email)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    revoke_sessions(user.id)


def begin_totp(user: User) -> dict[str, str]:
    """A fresh TOTP secret (not active until confirmed with a code)."""
    secret = pyotp.random_base32()
    user.totp_secret_encrypted = encrypt_field(secret)
    user.totp_enabled = False
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Burrow")
    return {"secret": secret, "otpauth_uri": uri}


def totp_valid(user: User, code: str) -> bool:
    secret = decrypt_field(user.totp_secret_encrypted) if user.totp_secret_encrypted else None
    return bool(secret) and pyotp.TOTP(str(secret)).verify(code.strip(), valid_window=1)


def confirm_totp(user: User, code: str) -> None:
    if not user.totp_secret_encrypted or not totp_valid(user, code):
        raise ValidationError("The code is not valid.", attr="token", code="invalid_2fa_code")
    user.totp_enabled = True


def disable_totp(user: User, code: str) -> None:
    if not user.totp_enabled or not totp_valid(user, code):
        raise ValidationError("The code is not valid.", attr="token", code="invalid_2fa_code")
    user.totp_enabled = False
    user.totp_secret_encrypted = None
