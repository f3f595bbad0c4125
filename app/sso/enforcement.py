"""SSO enforcement: who must log in through SSO, and the grace period when the plan lapses."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.access import Principal
from app.activity import service as activity
from app.auth.models import User
from app.db import get_session, utcnow
from app.entitlements import Edition, has_feature
from app.errors import AuthenticationError
from app.mail import send_mail
from app.organizations.models import Level, Membership, Organization
from app.sso.domains import owner_of
from app.sso.models import SAMLConfig, SSOIdentity
from app.tenancy import tenant_scope, unscoped

DEFAULT_GRACE_DAYS = 14


def _grace() -> timedelta:
    days = current_app.config["BURROW"].extra.get("SSO_ENFORCEMENT_GRACE_DAYS", DEFAULT_GRACE_DAYS)
    return timedelta(days=int(days))


def is_active(config: SAMLConfig) -> bool:
    """Enforced, and either entitled or still inside the warned grace period."""
    if not config.enforce_sso:
        return False
    if has_feature(config.organization_id, "sso_enforcement"):
        return True
    grace = config.enforcement_grace_until
    return grace is None or utcnow() < grace


def config_for_email(email: str) -> SAMLConfig | None:
    """The SAML config enforcing SSO for this email's domain, if enforcement is active."""
    domain = email.rpartition("@")[2].strip().lower()
    org_id = owner_of(domain) if domain else None
    if org_id is None:
        return None
    with tenant_scope(org_id):
        config = get_session().scalar(select(SAMLConfig))
    return config if config is not None and is_active(config) else None


def enforcing_config(user: User) -> SAMLConfig | None:
    """The config that binds this user to SSO (None for break-glass owners and free domains)."""
    config = config_for_email(user.email)
    if config is None or config.break_glass_user_id == user.id:
        return None
    return config


def check_password_login(user: User) -> None:
    """PASSWORD_LOGIN_CHECKS hook: enforced domains log in only through SSO."""
    if enforcing_config(user) is not None:
        raise AuthenticationError(
            "Your organization requires logging in with SSO. Use 'Log in with SSO'.",
            code="sso_enforced",
        )


def check_principal(principal: Principal) -> None:
    """PRINCIPAL_CHECKS hook: enforced users' personal keys need an SSO login since enforcement."""
    if principal.kind != "personal_key" or principal.user is None:
        return
    config = enforcing_config(principal.user)
    if config is None:
        return
    with tenant_scope(config.organization_id):
        last = get_session().scalar(
            select(SSOIdentity.last_login_at).where(SSOIdentity.user_id == principal.user.id)
        )
    since = config.enforced_at
    if last is None or (since is not None and last < since):
        raise AuthenticationError(
            "Log in through your organization's SSO to use personal API keys again.",
            code="sso_login_required",
        )


def admins_of(org_id: uuid.UUID) -> list[User]:
    with tenant_scope(org_id):
        stmt = (
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.level >= int(Level.ADMIN))
        )
        return list(get_session().scalars(stmt))


def start_grace(config: SAMLConfig) -> None:
    """The plan lost sso_enforcement: keep enforcing for a grace period and warn the admins."""
    if config.enforcement_grace_until is not None:
        return
    config.enforcement_grace_until = utcnow() + _grace()
    org = get_session().get(Organization, config.organization_id)
    name = org.name if org else str(config.organization_id)
    until = config.enforcement_grace_until.date().isoformat()
    for admin in admins_of(config.organization_id):
        send_mail(
            admin.email,
            f"SSO enforcement for {name} ends on {until}",
            f"Your plan no longer includes SSO enforcement. Members of {name} will be able to "
            f"log in with passwords again after {until} unless the plan is upgraded.",
        )
    activity.record(
        action="sso_enforcement_grace_started",
        scope="SAMLConfig",
        item_id=config.id,
        name=name,
        organization_id=config.organization_id,
        extra={"until": until},
    )


def end_grace(config: SAMLConfig) -> None:
    config.enforcement_grace_until = None


def sync_entitlement(org_id: uuid.UUID, entitled: bool | None = None) -> None:
    """Start or clear the grace period to match whether the org has sso_enforcement."""
    with tenant_scope(org_id):
        config = get_session().scalar(select(SAMLConfig))
        if config is None or not config.enforce_sso:
            return
        has = has_feature(org_id, "sso_enforcement") if entitled is None else entitled
        (end_grace if has else start_grace)(config)


def on_edition_change(org_id: uuid.UUID, old_edition: Edition, new_edition: Edition) -> None:
    """billing.EDITION_CHANGE_HOOKS entry: losing Ultimate starts the warned grace period."""
    sync_entitlement(org_id, entitled=int(new_edition) >= Edition.ULTIMATE)


def enforced_org_ids() -> list[uuid.UUID]:
    with unscoped():
        stmt = select(SAMLConfig.organization_id).where(SAMLConfig.enforce_sso.is_(True))
        return list(get_session().scalars(stmt))
