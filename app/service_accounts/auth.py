"""BEARER_RESOLVERS entry for `phsa_` keys: the service account as the request's principal."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.access import Principal
from app.db import get_session, utcnow
from app.errors import AuthenticationError
from app.security import sha256_hex
from app.service_accounts.models import ServiceAccount, ServiceAccountKey
from app.tenancy import unscoped

KEY_TOUCH_INTERVAL = timedelta(hours=1)


def _invalid() -> AuthenticationError:
    return AuthenticationError("Invalid or expired service account key.", code="invalid_api_key")


def _projects(account: ServiceAccount, key: ServiceAccountKey) -> frozenset[int] | None:
    """Intersection of the account's and the key's project restrictions (None: unrestricted)."""
    sets = [frozenset(int(p) for p in r) for r in (account.project_ids, key.scoped_projects) if r]
    if not sets:
        return None
    return frozenset.intersection(*sets)


def resolve(token: str) -> Principal:
    """Look the key up by hash (a global lookup: the token is the credential)."""
    session = get_session()
    with unscoped():
        row = session.execute(
            select(ServiceAccountKey, ServiceAccount)
            .join(ServiceAccount, ServiceAccount.id == ServiceAccountKey.service_account_id)
            .where(ServiceAccountKey.secure_value == sha256_hex(token))
        ).first()
    if row is None:
        raise _invalid()
    key, account = row
    now = utcnow()
    if account.disabled or (key.expires_at is not None and key.expires_at <= now):
        raise _invalid()
    if key.last_used_at is None or now - key.last_used_at >= KEY_TOUCH_INTERVAL:
        key.last_used_at = now
        session.commit()
    projects = _projects(account, key)
    return Principal(
        kind="service_account",
        scopes=frozenset(key.scopes),
        organization_ids=frozenset({account.organization_id}),
        project_ids=projects,
        extra={
            "level": account.level,
            "service_account_id": account.id,
            "key_id": key.id,
            "explicit_projects": projects or frozenset(),
            "actor_id": account.id,
            "actor_label": f"service_account:{account.name}",
        },
    )
