"""SAML login: start an SP-initiated login, and complete any login at the ACS (with JIT)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from app.activity import service as activity
from app.auth.models import User
from app.auth.service import create_user, find_user_by_email
from app.db import get_session, utcnow
from app.entitlements import has_feature
from app.organizations.models import Level, Membership
from app.security import sha256_hex
from app.sso import replay, saml
from app.sso.attributes import Profile, extract_profile
from app.sso.domains import owner_of, verified_domains
from app.sso.errors import SSOLoginError
from app.sso.models import SAMLConfig, SAMLPendingRequest, SSOIdentity
from app.sso.service import idp_of
from app.sso.xmlsafe import peek_response
from app.tenancy import tenant_scope

REQUEST_TTL = timedelta(minutes=10)
# RelayState / next: only these relative paths (no scheme, no host, no '//' or backslashes).
_RELAY_RE = re.compile(r"^/(?:[A-Za-z0-9._~\-]+/?)*(?:\?[A-Za-z0-9=&._~\-%]*)?$")
RELAY_ALLOWED_PREFIXES = ("/project/", "/organization/", "/insights", "/dashboard", "/home")


def safe_relay_path(raw: str | None) -> str:
    """An allow-listed relative path, else '/' (no open redirect)."""
    if not raw or not _RELAY_RE.match(raw) or raw.startswith("//"):
        return "/"
    return raw if raw.startswith(RELAY_ALLOWED_PREFIXES) else "/"


def _usable_config(org_id: uuid.UUID) -> SAMLConfig:
    config: SAMLConfig | None = get_session().scalar(select(SAMLConfig))
    if config is None:
        raise SSOLoginError("saml_not_configured", "this organization has no SAML configuration")
    if not has_feature(org_id, "saml_sso"):
        raise SSOLoginError("saml_not_available", "the organization's plan lacks saml_sso")
    return config


def start_login(*, email: str, next_path: str | None, browser_nonce: str) -> tuple[uuid.UUID, str]:
    """The IdP redirect URL for this email's organization; the request id is stored server-side."""
    org_id = owner_of(email.rpartition("@")[2].lower())
    if org_id is None:
        raise SSOLoginError("sso_not_available", "no organization uses SSO for this email domain")
    with tenant_scope(org_id):
        config = _usable_config(org_id)
        relay = safe_relay_path(next_path)
        url, request_id = saml.login_redirect(org_id, idp_of(config), relay)
        get_session().add(
            SAMLPendingRequest(
                request_id=request_id,
                browser_hash=sha256_hex(browser_nonce),
                relay_path=relay,
                expires_at=utcnow() + REQUEST_TTL,
            )
        )
    return org_id, url


@dataclass(frozen=True)
class LoginResult:
    user: User
    redirect_path: str


def _pending(in_response_to: str | None, browser_nonce: str | None) -> SAMLPendingRequest | None:
    if in_response_to is None:
        return None
    session = get_session()
    row = session.get(SAMLPendingRequest, in_response_to)
    if row is None or row.expires_at < utcnow():
        raise SSOLoginError(
            "saml_in_response_to_mismatch", "InResponseTo names no pending request of ours"
        )
    if browser_nonce is None or row.browser_hash != sha256_hex(browser_nonce):
        raise SSOLoginError(
            "saml_in_response_to_mismatch", "the request was started in another browser"
        )
    session.delete(row)
    return row


def complete_login(
    *, org_id: uuid.UUID, encoded: str, relay_state: str | None, browser_nonce: str | None
) -> LoginResult:
    """Validate a SAMLResponse for this organization's SP and log the user in (JIT if on)."""
    config = _usable_config(org_id)
    peek = peek_response(encoded)
    if peek.assertion_count != 1:
        raise SSOLoginError(
            "saml_assertion_count", f"expected one assertion, got {peek.assertion_count}"
        )
    pending = _pending(peek.in_response_to, browser_nonce)
    if pending is None and not config.allow_idp_initiated:
        raise SSOLoginError("saml_unsolicited", "unsolicited response and IdP-initiated is off")
    assertion = saml.validate(
        org_id, idp_of(config), encoded, pending.request_id if pending else None
    )
    if not replay.claim(org_id, assertion.assertion_id, assertion.not_on_or_after):
        raise SSOLoginError("saml_replayed", f"assertion {assertion.assertion_id} was already used")
    user = _login_user(config, assertion)
    target = pending.relay_path if pending else safe_relay_path(relay_state)
    return LoginResult(user=user, redirect_path=target)


def _login_user(config: SAMLConfig, assertion: saml.Assertion) -> User:
    profile = extract_profile(assertion.attributes, assertion.name_id, config.attribute_mapping)
    domain = profile.email.rpartition("@")[2]
    if not profile.email or domain not in verified_domains():
        raise SSOLoginError(
            "saml_domain_not_verified",
            f"asserted email domain '{domain}' is not verified by this organization",
        )
    identity = get_session().scalar(
        select(SSOIdentity).where(
            SSOIdentity.idp_entity_id == config.idp_entity_id,
            SSOIdentity.name_id == assertion.name_id,
        )
    )
    user = _identity_user(identity) if identity else _link_new_identity(config, profile, assertion)
    level = _ensure_membership(config, user)
    now = utcnow()
    identity = identity or get_session().scalar(
        select(SSOIdentity).where(SSOIdentity.user_id == user.id)
    )
    if identity is not None:
        identity.last_login_at = now
    if level >= Level.ADMIN and config.admin_login_verified_at is None:
        config.admin_login_verified_at = now
    user.last_organization_id = config.organization_id
    activity.record(
        action="sso_login",
        scope="User",
        item_id=user.id,
        name=user.email,
        organization_id=config.organization_id,
        extra={"idp": config.idp_entity_id},
    )
    return user


def _identity_user(identity: SSOIdentity) -> User:
    user = get_session().get(User, identity.user_id)
    if user is None or not user.is_active:
        raise SSOLoginError("saml_account_disabled", "the linked account is disabled")
    return user


def _link_new_identity(config: SAMLConfig, profile: Profile, assertion: saml.Assertion) -> User:
    """First login of this NameID: the email must be on a verified domain (checked above)."""
    email = profile.email
    user = find_user_by_email(email)
    session = get_session()
    if user is not None:
        existing = session.scalar(select(SSOIdentity).where(SSOIdentity.user_id == user.id))
        if existing is not None:
            raise SSOLoginError(
                "saml_identity_conflict",
                "this account is already linked to another identity at this organization's IdP",
            )
        if not user.is_active:
            raise SSOLoginError("saml_account_disabled", "the account is disabled")
    elif not config.jit_enabled:
        raise SSOLoginError("saml_no_account", f"no account for {email} and JIT is off")
    else:
        user = create_user(
            email=email,
            password=None,
            first_name=profile.first_name,
            last_name=profile.last_name,
            is_email_verified=True,
        )
    session.add(
        SSOIdentity(idp_entity_id=config.idp_entity_id, name_id=assertion.name_id, user_id=user.id)
    )
    return user


def _ensure_membership(config: SAMLConfig, user: User) -> int:
    session = get_session()
    level = session.scalar(select(Membership.level).where(Membership.user_id == user.id))
    if level is not None:
        return int(level)
    if not config.jit_enabled:
        raise SSOLoginError("saml_not_member", f"{user.email} is not a member and JIT is off")
    session.add(Membership(user_id=user.id, level=config.default_level))
    activity.record(
        action="joined_via_sso",
        scope="Membership",
        item_id=user.id,
        name=user.email,
        organization_id=config.organization_id,
        extra={"level": config.default_level},
    )
    return int(config.default_level)
