"""Assertion-id replay cache: Redis SET NX until NotOnOrAfter; a DB table when Redis is absent."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from app.db import get_session, utcnow
from app.redis_client import get_redis
from app.security import sha256_hex
from app.sso.models import SAMLSeenAssertion
from app.tenancy import unscoped

CLOCK_SKEW = timedelta(minutes=3)
DEFAULT_TTL = timedelta(hours=1)


def claim(organization_id: uuid.UUID, assertion_id: str, not_on_or_after: datetime | None) -> bool:
    """True the first time this organization sees the assertion id; False on a replay."""
    expires = (not_on_or_after or utcnow() + DEFAULT_TTL) + CLOCK_SKEW
    ttl = max(60, int((expires - utcnow()).total_seconds()))
    redis = get_redis()
    if redis is not None:
        key = f"sso:saml:seen:{organization_id}:{sha256_hex(assertion_id)}"
        return bool(redis.set(key, "1", nx=True, ex=ttl))
    session = get_session()
    try:
        with session.begin_nested():
            session.add(
                SAMLSeenAssertion(
                    organization_id=organization_id, assertion_id=assertion_id, expires_at=expires
                )
            )
            session.flush()
    except IntegrityError:
        return False
    return True


def purge_expired() -> int:
    """Drop DB replay entries past their expiry (all tenants: housekeeping)."""
    with unscoped():
        result = get_session().execute(
            delete(SAMLSeenAssertion).where(SAMLSeenAssertion.expires_at < utcnow())
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
