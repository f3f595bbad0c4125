"""Signup, login/logout, the current user, email verification, password reset, 2FA."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, session

from app.access import require_user
from app.audit import events as audit_events
from app.auth import service
from app.auth.models import User
from app.auth.schemas import (
    LoginIn,
    MeUpdate,
    ResetCompleteIn,
    ResetRequestIn,
    SignupIn,
    TokenIn,
    UserRead,
    VerifyEmailIn,
)
from app.db import get_session, utcnow
from app.errors import AuthenticationError, Forbidden, ValidationError
from app.http import csrf_exempt, doc, parse, public
from app.members import service as members
from app.organizations.service import memberships_of
from app.ratelimit import client_ip, hit
from app.security import sha256_hex, verify_password

bp = Blueprint("auth", __name__)
PENDING_2FA_SECONDS = 600


def _login_response(user: User, method: str, status: int = 200) -> Response:
    """Rotate the session cookie and return the user with the CSRF token for later writes."""
    raw, user_session = service.start_session(
        user, method=method, ip=request.remote_addr, user_agent=request.user_agent.string
    )
    audit_events.login_succeeded(user, method)
    get_session().commit()
    session.clear()
    session["sid"] = raw
    session.permanent = True
    response = jsonify({**_me(user), "csrf_token": user_session.csrf_token})
    response.status_code = status
    response.set_cookie("burrow_csrftoken", user_session.csrf_token, samesite="Lax", httponly=False)
    return response


login_response = _login_response  # public name for other login flows (SSO, social)


def _me(user: User) -> dict[str, Any]:
    orgs = memberships_of(user.id)
    current = next(
        (o for o, _ in orgs if o.id == user.last_organization_id), orgs[0][0] if orgs else None
    )
    return UserRead.of(
        user,
        organization={"id": str(current.id), "name": current.name, "slug": current.slug}
        if current
        else None,
        project={"id": user.last_project_id} if user.last_project_id else None,
        organizations=[
            {"id": str(o.id), "name": o.name, "slug": o.slug, "level": lvl} for o, lvl in orgs
        ],
    ).model_dump()


@bp.post("/api/signup/")
@public
@csrf_exempt
@doc(request_model=SignupIn, response_model=UserRead, tag="auth")
def signup() -> Response:
    """Create an account, an organization (you are owner) and a first project; log in."""
    hit(f"signup:ip:{client_ip()}", limit=5, window=3600)
    data = parse(SignupIn)
    if data.invite_token:
        invite = members.invite_for_token(data.invite_token)
        user = service.create_user(
            email=data.email,
            password=data.password,
            first_name=data.first_name,
            last_name=data.last_name,
            preferences=data.preferences,
            is_email_verified=invite.target_email.lower() == data.email.lower(),
        )
        members.accept_invite(token=data.invite_token, user=user)
    else:
        user, _org_id, _project_id = service.signup(
            email=data.email,
            password=data.password,
            first_name=data.first_name,
            last_name=data.last_name,
            organization_name=data.organization_name,
            preferences=data.preferences,
        )
    return _login_response(user, "password", status=201)


@bp.post("/api/login/")
@public
@csrf_exempt
@doc(request_model=LoginIn, response_model=UserRead, tag="auth")
def login() -> Response:
    """Log in with email and password; answers 401 `2fa_required` when TOTP is on."""
    data = parse(LoginIn)
    hit(f"login:ip:{client_ip()}", limit=60, window=60)
    hit(f"login:account:{sha256_hex(data.email.lower())}", limit=10, window=900)
    try:
        user = service.authenticate_password(data.email, data.password)
    except AuthenticationError:
        audit_events.login_failed(data.email, "password")
        get_session().commit()
        raise
    if user.totp_enabled:
        session.clear()
        session["pending_2fa"] = {"uid": str(user.id), "at": utcnow().timestamp()}
        raise AuthenticationError(
            "Enter the code from your authenticator app.", code="2fa_required"
        )
    return _login_response(user, "password")


@bp.post("/api/login/token/")
@public
@csrf_exempt
@doc(request_model=TokenIn, response_model=UserRead, tag="auth")
def login_token() -> Response:
    """Second step of a 2FA login: the TOTP code."""
    data = parse(TokenIn)
    pending = session.get("pending_2fa")
    if (
        not isinstance(pending, dict)
        or utcnow().timestamp() - pending.get("at", 0) > PENDING_2FA_SECONDS
    ):
        raise AuthenticationError("Log in with your password first.", code="2fa_not_started")
    hit(f"login2fa:{pending['uid']}", limit=5, window=300)
    user = get_session().get(User, uuid.UUID(pending["uid"]))
    if user is None or not service.totp_valid(user, data.token):
        if user is not None:
            audit_events.login_failed(user.email, "totp")
            get_session().commit()
        raise AuthenticationError("The code is not valid.", code="invalid_2fa_code")
    return _login_response(user, "password+totp")


@bp.post("/api/logout/")
@doc(tag="auth")
def logout() -> Response:
    """End this session."""
    principal = g.principal
    if principal.user_session is not None:
        principal.user_session.revoked_at = utcnow()
        get_session().commit()
    session.clear()
    return Response(status=204)


@bp.post("/api/logout/all/")
@doc(tag="auth")
def logout_all() -> Response:
    """End every session of this user, everywhere."""
    service.revoke_sessions(require_user().id)
    get_session().commit()
    session.clear()
    return Response(status=204)


@bp.get("/api/users/@me/")
@doc(response_model=UserRead, tag="auth")
def me() -> Response:
    """The current user, their organizations and preferences."""
    return jsonify(_me(require_user()))


@bp.patch("/api/users/@me/")
@doc(request_model=MeUpdate, response_model=UserRead, tag="auth")
def update_me() -> Response:
    """Update profile, mailing preferences, password (needs current_password) or current org."""
    user = require_user()
    data = parse(MeUpdate)
    _apply_me_update(user, data)
    get_session().commit()
    return jsonify(_me(user))


def _apply_me_update(user: User, data: MeUpdate) -> None:
    _apply_profile(user, data)
    _apply_credentials(user, data)
    _apply_current(user, data)


def _apply_profile(user: User, data: MeUpdate) -> None:
    if data.first_name is not None:
        user.first_name = data.first_name
    if data.last_name is not None:
        user.last_name = data.last_name
    if data.preferences is not None:
        user.pref_community_invite = data.preferences.community_invite
        user.pref_newsletter = data.preferences.newsletter
        user.pref_security_updates = data.preferences.security_updates


def _apply_credentials(user: User, data: MeUpdate) -> None:
    """Email and password changes need the current password; a new email must be re-verified."""
    if data.password is None and data.email is None:
        return
    if not data.current_password or not verify_password(user.password_hash, data.current_password):
        raise ValidationError("Your current password is wrong.", attr="current_password")
    if data.email is not None and data.email.lower() != user.email.lower():
        if service.find_user_by_email(data.email) is not None:
            raise ValidationError("That email is in use.", attr="email", code="unique")
        user.email, user.is_email_verified = data.email, False
        service.send_verification(user)
    if data.password is not None:
        current = g.principal.user_session
        service.set_password(user, data.password)
        if current is not None:
            current.revoked_at = None  # keep the session that changed the password


def _apply_current(user: User, data: MeUpdate) -> None:
    if data.set_current_organization is not None:
        ids = {str(o.id) for o, _ in memberships_of(user.id)}
        if data.set_current_organization not in ids:
            raise ValidationError("Not one of your organizations.", attr="set_current_organization")
        user.last_organization_id = uuid.UUID(data.set_current_organization)
    if data.set_current_project is not None:
        user.last_project_id = data.set_current_project


@bp.post("/api/users/@me/verify_email/request/")
@doc(tag="auth")
def request_verification() -> Response:
    """Send a new verification link."""
    user = require_user()
    hit(f"verify:{user.id}", limit=5, window=3600)
    service.send_verification(user)
    return jsonify({"sent": True})


@bp.post("/api/users/verify_email/")
@public
@csrf_exempt
@doc(request_model=VerifyEmailIn, tag="auth")
def verify_email() -> Response:
    """Confirm an email address from the signed link."""
    user = service.verify_email(parse(VerifyEmailIn).token)
    get_session().commit()
    return jsonify({"email": user.email, "is_email_verified": True})


@bp.post("/api/reset/")
@public
@csrf_exempt
@doc(request_model=ResetRequestIn, tag="auth")
def reset_request() -> Response:
    """Mail a password reset link (same answer whether or not the account exists)."""
    data = parse(ResetRequestIn)
    hit(f"reset:ip:{client_ip()}", limit=10, window=3600)
    hit(f"reset:account:{sha256_hex(data.email.lower())}", limit=3, window=3600)
    service.request_password_reset(data.email)
    return jsonify({"success": True})


@bp.post("/api/reset/complete/")
@public
@csrf_exempt
@doc(request_model=ResetCompleteIn, tag="auth")
def reset_complete() -> Response:
    """Set a new password from a reset link; every session is logged out."""
    data = parse(ResetCompleteIn)
    hit(f"reset-complete:ip:{client_ip()}", limit=20, window=3600)
    service.complete_password_reset(data.token, data.password)
    get_session().commit()
    return jsonify({"success": True})


@bp.post("/api/users/@me/two_factor/setup/")
@doc(tag="auth")
def totp_setup() -> Response:
    """Start TOTP enrolment: returns the secret and otpauth URI once."""
    user = require_user()
    if user.totp_enabled:
        raise Forbidden("Two-factor authentication is already on.", code="2fa_already_enabled")
    secret = service.begin_totp(user)
    get_session().commit()
    return jsonify(secret)


@bp.post("/api/users/@me/two_factor/enable/")
@doc(request_model=TokenIn, tag="auth")
def totp_enable() -> Response:
    """Confirm enrolment with a current code."""
    user = require_user()
    service.confirm_totp(user, parse(TokenIn).token)
    get_session().commit()
    return jsonify({"two_factor_enabled": True})


@bp.post("/api/users/@me/two_factor/disable/")
@doc(request_model=TokenIn, tag="auth")
def totp_disable() -> Response:
    """Turn 2FA off (needs a current code)."""
    user = require_user()
    service.disable_totp(user, parse(TokenIn).token)
    get_session().commit()
    return jsonify({"two_factor_enabled": False})
