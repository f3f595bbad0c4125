"""Daily reconciliation: replay Stripe events we missed, re-sync every paying organization."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import or_, select

from app.db import get_session, utcnow
from app.tenancy import unscoped
from billing import stripe_gateway, sync, webhooks
from billing.contracts import now, setting
from billing.models import BillingAccount, StripeEvent

WINDOW = timedelta(days=3)
STUCK_AFTER = timedelta(minutes=10)
MAX_PAGES = 50


def fetch_missed_events() -> list[str]:
    """Store Stripe's recent events we never received; return their ids."""
    if not setting("STRIPE_SECRET_KEY", ""):
        return []  # no Stripe account configured (self-hosted, embedded): nothing to replay
    since = int((now() - WINDOW).timestamp())
    missed: list[str] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = stripe_gateway.list_events(created_gte=since, starting_after=cursor)
        data = list(page.get("data") or [])
        missed += [ev["id"] for ev in data if webhooks.store_event(ev, source="reconciliation")]
        if not page.get("has_more") or not data:
            break
        cursor = str(data[-1]["id"])
    return missed


def stuck_events() -> list[str]:
    """Events received or failed a while ago and still not processed."""
    stmt = select(StripeEvent.id).where(
        StripeEvent.status.in_(("received", "failed")),
        StripeEvent.received_at < utcnow() - STUCK_AFTER,
    )
    return list(get_session().scalars(stmt))


def paying_organizations() -> list[uuid.UUID]:
    """Organizations with a live Stripe customer and a paid or graced edition."""
    stmt = select(BillingAccount.organization_id).where(
        BillingAccount.stripe_customer_id.is_not(None),
        BillingAccount.customer_deleted.is_(False),
        or_(
            BillingAccount.edition > 0,
            BillingAccount.paid_edition > 0,
            BillingAccount.grace_edition > 0,
        ),
    )
    with unscoped():
        return list(get_session().scalars(stmt))


def resync(organization_id: uuid.UUID, cause: str) -> None:
    """Fetch the organization's subscriptions from Stripe (tenant scope set by the caller)."""
    sync.lock_organization(organization_id)
    account = sync.ensure_account(organization_id)
    sync.sync_customer(account, cause)
