"""Periodic SSO upkeep across tenants: domain re-checks, enforcement grace, replay-cache purge."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, or_, select

from app.db import get_session, utcnow
from app.sso import domains, enforcement, replay
from app.sso.models import SAMLPendingRequest, VerifiedDomain
from app.tenancy import tenant_scope, unscoped

RECHECK_EVERY = timedelta(days=1)


def due_domains() -> list[VerifiedDomain]:
    """Verified domains not checked within a day (crosses tenants: a scheduled job)."""
    cutoff = utcnow() - RECHECK_EVERY
    with unscoped():
        stmt = select(VerifiedDomain).where(
            VerifiedDomain.verified_at.is_not(None),
            or_(VerifiedDomain.last_checked_at.is_(None), VerifiedDomain.last_checked_at < cutoff),
        )
        return list(get_session().scalars(stmt))


def recheck_domains() -> dict[str, int]:
    kept = lost = 0
    for row in due_domains():
        with tenant_scope(row.organization_id):
            if domains.recheck(row):
                kept += 1
            else:
                lost += 1
    return {"kept": kept, "unverified": lost}


def sync_enforcement() -> int:
    """Start (with a warning) or clear the grace period for every enforcing organization."""
    org_ids = enforcement.enforced_org_ids()
    for org_id in org_ids:
        enforcement.sync_entitlement(org_id)
    return len(org_ids)


def purge_pending_requests() -> int:
    """Drop AuthnRequests that were never answered (all tenants: housekeeping)."""
    with unscoped():
        result = get_session().execute(
            delete(SAMLPendingRequest).where(SAMLPendingRequest.expires_at < utcnow())
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def run_all() -> dict[str, Any]:
    result: dict[str, Any] = recheck_domains()
    result["enforcing_orgs"] = sync_enforcement()
    result["replay_rows_purged"] = replay.purge_expired()
    result["saml_requests_purged"] = purge_pending_requests()
    return result
