"""Browser plumbing shared by SAML and social logins: redirects with codes, session cookies."""

from __future__ import annotations

import secrets

from flask import current_app, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from app.auth.models import User
from app.auth.routes import login_response

BIND_COOKIE = "burrow_sso_bind"
BIND_MAX_AGE = 600


def site_url(path: str) -> str:
    site: str = current_app.config["BURROW"].SITE_URL
    return site.rstrip("/") + path


def error_redirect(code: str) -> BaseResponse:
    """Browser flows end on the login page with a short, specific error code."""
    return redirect(site_url(f"/login?error={code}"), code=302)


def login_redirect(user: User, method: str, path: str) -> BaseResponse:
    """Start the session (rotated cookie + CSRF cookie) and send the browser on."""
    session_response = login_response(user, method)
    response = redirect(site_url(path), code=302)
    for cookie in session_response.headers.getlist("Set-Cookie"):
        response.headers.add("Set-Cookie", cookie)
    return response


def browser_nonce() -> str:
    """This browser's SSO binding nonce (reused across tabs so parallel logins both work)."""
    existing = request.cookies.get(BIND_COOKIE, "")
    return existing if 20 <= len(existing) <= 64 else secrets.token_urlsafe(24)


def set_bind_cookie(response: BaseResponse, nonce: str) -> None:
    """SameSite=None on https: the IdP's POST to the ACS is cross-site and must carry it."""
    https = current_app.config["BURROW"].SITE_URL.startswith("https://")
    response.set_cookie(
        BIND_COOKIE,
        nonce,
        max_age=BIND_MAX_AGE,
        httponly=True,
        secure=https,
        samesite="None" if https else "Lax",
        path="/",
    )


def redirect_to(url: str) -> BaseResponse:
    """Redirect to an external URL we built ourselves (the IdP's SSO URL)."""
    return redirect(url, code=302)
