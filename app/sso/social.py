"""Social login (Free): Google (OIDC) and GitHub (OAuth) through authlib's Flask client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from app.auth.models import User
from app.auth.service import create_user, find_user_by_email
from app.db import get_session
from app.organizations.service import create_organization
from app.projects.service import create_project
from app.sso import enforcement
from app.sso.errors import SSOLoginError
from app.tenancy import tenant_scope

PROVIDERS = ("google", "github")
GOOGLE_METADATA = "https://accounts.google.com/.well-known/openid-configuration"
GITHUB = {
    "authorize_url": "https://github.com/login/oauth/authorize",
    "access_token_url": "https://github.com/login/oauth/access_token",
    "api_base_url": "https://api.github.com/",
}


@dataclass(frozen=True)
class SocialProfile:
    email: str
    email_verified: bool
    first_name: str
    last_name: str


def init_social(app: Flask) -> None:
    """Register the configured providers on an authlib OAuth registry for this app."""
    extra = app.config["BURROW"].extra
    urls: dict[str, Any] = dict(extra.get("SOCIAL_PROVIDER_URLS") or {})
    oauth = OAuth(app)
    if extra.get("GOOGLE_CLIENT_ID"):
        oauth.register(
            "google",
            client_id=extra["GOOGLE_CLIENT_ID"],
            client_secret=extra.get("GOOGLE_CLIENT_SECRET", ""),
            server_metadata_url=urls.get("google_metadata_url", GOOGLE_METADATA),
            client_kwargs={"scope": "openid email profile"},
        )
    if extra.get("GITHUB_CLIENT_ID"):
        github = {k: urls.get(f"github_{k}", v) for k, v in GITHUB.items()}
        oauth.register(
            "github",
            client_id=extra["GITHUB_CLIENT_ID"],
            client_secret=extra.get("GITHUB_CLIENT_SECRET", ""),
            client_kwargs={"scope": "read:user user:email"},
            **github,
        )
    app.extensions["sso_oauth"] = oauth


def client(provider: str) -> Any:
    """The authlib client for a provider, or None if it is not configured."""
    oauth: OAuth = current_app.extensions["sso_oauth"]
    return oauth.create_client(provider) if provider in PROVIDERS else None


def google_profile(token: dict[str, Any]) -> SocialProfile:
    info = token.get("userinfo") or {}
    return SocialProfile(
        email=str(info.get("email") or ""),
        email_verified=info.get("email_verified") is True,
        first_name=str(info.get("given_name") or ""),
        last_name=str(info.get("family_name") or ""),
    )


def github_profile(oauth_client: Any, token: dict[str, Any]) -> SocialProfile:
    user = oauth_client.get("user", token=token).json()
    emails = oauth_client.get("user/emails", token=token).json()
    primary = next((e for e in emails if e.get("primary") and e.get("verified")), None)
    first, _, last = str(user.get("name") or "").partition(" ")
    return SocialProfile(
        email=str(primary["email"]) if primary else "",
        email_verified=primary is not None,
        first_name=first,
        last_name=last,
    )


def login_or_signup(profile: SocialProfile) -> User:
    """Link by verified email; refuse domains under SSO enforcement; new users get an org."""
    if not profile.email or not profile.email_verified:
        raise SSOLoginError("social_email_unverified", "the provider gave no verified email")
    user = find_user_by_email(profile.email)
    if user is None and enforcement.config_for_email(profile.email) is not None:
        raise SSOLoginError("sso_enforced", "this email domain must log in through SAML SSO")
    if user is not None:
        if enforcement.enforcing_config(user) is not None:
            raise SSOLoginError("sso_enforced", "this email domain must log in through SAML SSO")
        if not user.is_active:
            raise SSOLoginError("social_account_disabled", "the account is disabled")
        user.is_email_verified = True
        return user
    return _signup(profile)


def _signup(profile: SocialProfile) -> User:
    user = create_user(
        email=profile.email,
        password=None,
        first_name=profile.first_name or profile.email.split("@")[0],
        last_name=profile.last_name,
        is_email_verified=True,
    )
    org = create_organization(name=f"{user.first_name}'s organization", owner=user)
    with tenant_scope(org.id):
        project, _secret = create_project(name="Default project")
    user.last_project_id = project.id
    get_session().flush()
    return user
