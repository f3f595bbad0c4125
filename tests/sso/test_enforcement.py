"""Enforcement: SSO-only login for the domain, keys need a fresh SSO login, break-glass, grace."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from app.db import get_session, utcnow
from app.sso.models import SAMLConfig
from app.tenancy import tenant_scope
from tests.helpers import PASSWORD, Account, error
from tests.sso.conftest import Editions, SSOOrg, error_code
from workers import runner


def _password_login(sso_org: SSOOrg, email: str) -> Any:
    return sso_org.api.new_client().post("/api/login/", json={"email": email, "password": PASSWORD})


def _sso_login(sso_org: SSOOrg, email: str) -> None:
    assert error_code(sso_org.login(sso_org.api.new_client(), email)) is None


@pytest.fixture
def enforced(sso_org: SSOOrg) -> tuple[SSOOrg, Account, str]:
    bob = sso_org.api.invite_and_join(sso_org.admin, email="bob@acme.example.com")
    key = sso_org.api.create_key(bob, scopes=["*"])
    _sso_login(sso_org, "admin@acme.example.com")
    sso_org.configure(enforce_sso=True)
    return sso_org, bob, key


def test_enforcement_needs_an_admin_sso_login_first(sso_org: SSOOrg) -> None:
    resp = sso_org.api.patch(
        sso_org.admin, f"/api/organizations/{sso_org.org_id}/saml/", {"enforce_sso": True}
    )
    assert resp.status_code == 409 and error(resp)["code"] == "sso_login_required_first"
    # A member's SSO login does not unlock it; an admin's does.
    _sso_login(sso_org, "ada@acme.example.com")
    resp = sso_org.api.patch(
        sso_org.admin, f"/api/organizations/{sso_org.org_id}/saml/", {"enforce_sso": True}
    )
    assert resp.status_code == 409
    _sso_login(sso_org, "admin@acme.example.com")
    assert sso_org.configure(enforce_sso=True)["enforcement_active"] is True


def test_password_login_and_reset_blocked(enforced: tuple[SSOOrg, Account, str]) -> None:
    sso_org, bob, _key = enforced
    resp = _password_login(sso_org, bob.email)
    assert resp.status_code == 401 and error(resp)["code"] == "sso_enforced"
    outbox = sso_org.api.app.extensions["mail_outbox"]
    before = len(outbox)
    assert sso_org.api.post(None, "/api/reset/", {"email": bob.email}).status_code == 200
    assert len(outbox) == before
    # Other domains are not affected.
    outsider = sso_org.api.signup(email="someone@example.com")
    assert _password_login(sso_org, outsider.email).status_code == 200


def test_personal_keys_need_sso_login_since_enforcement(
    enforced: tuple[SSOOrg, Account, str],
) -> None:
    sso_org, bob, key = enforced
    resp = sso_org.api.get(key, "/api/personal_api_keys/@current/")
    assert resp.status_code == 401 and error(resp)["code"] == "sso_login_required"
    _sso_login(sso_org, bob.email)
    assert sso_org.api.get(key, "/api/personal_api_keys/@current/").status_code == 200


def test_break_glass_owner_keeps_password_login(enforced: tuple[SSOOrg, Account, str]) -> None:
    sso_org, bob, _key = enforced
    assert _password_login(sso_org, sso_org.admin.email).status_code == 401
    resp = sso_org.api.patch(
        sso_org.admin,
        f"/api/organizations/{sso_org.org_id}/saml/",
        {"break_glass_user_id": bob.user_id},
    )
    assert resp.status_code == 400 and error(resp)["attr"] == "break_glass_user_id"
    sso_org.configure(break_glass_user_id=sso_org.admin.user_id)
    assert _password_login(sso_org, sso_org.admin.email).status_code == 200
    assert _password_login(sso_org, bob.email).status_code == 401


def _config(sso_org: SSOOrg) -> SAMLConfig:
    with sso_org.api.app.app_context(), tenant_scope(uuid.UUID(sso_org.org_id)):
        config = get_session().scalar(select(SAMLConfig))
        assert config is not None
        return config


def test_losing_the_plan_warns_admins_and_lapses_after_grace(
    enforced: tuple[SSOOrg, Account, str], editions: Editions
) -> None:
    sso_org, bob, _key = enforced
    app = sso_org.api.app
    editions.revoke(sso_org.org_id)
    with app.app_context():
        result = runner.run("workers.jobs.sso.maintenance", None, None, {})
    assert result["enforcing_orgs"] == 1
    warning = [m for m in app.extensions["mail_outbox"] if m.to == sso_org.admin.email][-1]
    assert "SSO enforcement" in warning.subject
    grace_until = _config(sso_org).enforcement_grace_until
    assert grace_until is not None and grace_until > utcnow() + timedelta(days=13)
    assert _password_login(sso_org, bob.email).status_code == 401  # still enforced in grace
    with app.app_context(), tenant_scope(uuid.UUID(sso_org.org_id)):
        get_session().execute(
            update(SAMLConfig).values(enforcement_grace_until=utcnow() - timedelta(minutes=1))
        )
        get_session().commit()
    assert _password_login(sso_org, bob.email).status_code == 200


def test_billing_edition_hook_starts_and_clears_grace(
    enforced: tuple[SSOOrg, Account, str],
) -> None:
    import billing
    from app.entitlements import Edition
    from app.sso.enforcement import on_edition_change

    sso_org, _bob, _key = enforced
    assert on_edition_change in billing.EDITION_CHANGE_HOOKS
    org_id = uuid.UUID(sso_org.org_id)
    with sso_org.api.app.app_context():
        for hook in billing.EDITION_CHANGE_HOOKS:
            if hook is on_edition_change:
                hook(org_id, Edition.ULTIMATE, Edition.GROWTH)
        get_session().commit()
    assert _config(sso_org).enforcement_grace_until is not None
    with sso_org.api.app.app_context():
        on_edition_change(org_id, Edition.GROWTH, Edition.ULTIMATE)
        get_session().commit()
    assert _config(sso_org).enforcement_grace_until is None
