"""Apply Stripe's current state to an organization, under a per-organization lock."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, text

import billing
from app.activity import service as activity
from app.db import get_session
from app.entitlements import Edition
from app.organizations.models import Organization
from app.tenancy import unscoped
from billing import notify, stripe_gateway
from billing.contracts import GRACE, GRANTING, SubscriptionSnapshot, now, setting
from billing.models import BillingAccount, BillingSubscription


def lock_organization(organization_id: uuid.UUID) -> None:
    """Hold a per-organization lock until the current transaction ends."""
    session = get_session()
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(organization_id.bytes[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def get_account() -> BillingAccount | None:
    """The current organization's billing account (tenant scope required)."""
    return get_session().scalar(select(BillingAccount))


def ensure_account(organization_id: uuid.UUID) -> BillingAccount:
    account = get_account()
    if account is None:
        account = BillingAccount(organization_id=organization_id)
        get_session().add(account)
        get_session().flush()
    return account


def organization_for(customer_id: str | None, hint: str | None) -> uuid.UUID | None:
    """The organization owning a Stripe customer, else the one named in our metadata."""
    session = get_session()
    if customer_id:
        with unscoped():
            found = session.scalar(
                select(BillingAccount.organization_id).where(
                    BillingAccount.stripe_customer_id == customer_id
                )
            )
        if found is not None:
            return found
    try:
        org_id = uuid.UUID(str(hint)) if hint else None
    except ValueError:
        return None
    if org_id is None or session.get(Organization, org_id) is None:
        return None
    return org_id


def link_customer(account: BillingAccount, customer_id: str | None) -> None:
    if customer_id and (account.stripe_customer_id is None or account.customer_deleted):
        account.stripe_customer_id = customer_id
        account.customer_deleted = False


def sync_subscription(account: BillingAccount, subscription_id: str, cause: str) -> None:
    """Fetch one subscription from Stripe and apply it."""
    _upsert(
        account,
        SubscriptionSnapshot.from_stripe(stripe_gateway.retrieve_subscription(subscription_id)),
    )
    recompute(account, cause)


def sync_customer(account: BillingAccount, cause: str) -> None:
    """Fetch the customer and all its subscriptions from Stripe and apply them."""
    customer_id = account.stripe_customer_id
    if customer_id:
        customer = stripe_gateway.retrieve_customer(customer_id)
        if customer.get("deleted"):
            _customer_deleted(account)
        else:
            for sub in stripe_gateway.list_subscriptions(customer_id):
                _upsert(account, SubscriptionSnapshot.from_stripe(sub))
    recompute(account, cause)


def _customer_deleted(account: BillingAccount) -> None:
    account.customer_deleted = True
    for sub in get_session().scalars(select(BillingSubscription)):
        sub.status, sub.past_due_since = "canceled", None


def _upsert(account: BillingAccount, snap: SubscriptionSnapshot) -> None:
    session = get_session()
    row = session.scalar(select(BillingSubscription).where(BillingSubscription.id == snap.id))
    if row is None:
        row = BillingSubscription(id=snap.id, organization_id=account.organization_id)
        session.add(row)
    entering_grace = snap.status in GRACE and row.past_due_since is None
    row.customer_id, row.status, row.edition = snap.customer_id, snap.status, int(snap.edition)
    row.price_id, row.cancel_at_period_end = snap.price_id, snap.cancel_at_period_end
    row.current_period_start, row.current_period_end = snap.period_start, snap.period_end
    row.synced_at = now()
    if snap.status not in GRACE:
        row.past_due_since = None
    elif entering_grace:
        row.past_due_since = now()
        notify.payment_past_due(account.organization_id, row.past_due_since + grace_period())
    session.flush()


def grace_period() -> timedelta:
    return timedelta(days=int(setting("BILLING_GRACE_DAYS", 14)))


def effective_edition(account: BillingAccount, at: datetime) -> Edition:
    """Paid edition, or the past-due one while its grace period lasts."""
    if account.customer_deleted:
        return Edition.FREE
    graced = account.grace_edition if account.grace_deadline and at < account.grace_deadline else 0
    return Edition(max(account.paid_edition, graced))


def recompute(account: BillingAccount, cause: str) -> None:
    """Derive the edition from stored subscriptions; record and announce any change."""
    subs = list(get_session().scalars(select(BillingSubscription)))
    account.paid_edition = max((s.edition for s in subs if s.status in GRANTING), default=0)
    graced = [s for s in subs if s.status in GRACE and s.past_due_since is not None]
    best = max(graced, key=lambda s: s.edition, default=None)
    account.grace_edition = best.edition if best else 0
    account.grace_deadline = (
        best.past_due_since + grace_period() if best and best.past_due_since else None
    )
    account.synced_at, account.last_event_id = now(), cause
    apply_edition(account, effective_edition(account, now()), cause)


def apply_edition(account: BillingAccount, new: Edition, cause: str) -> None:
    old = Edition(account.edition)
    if new == old:
        return
    account.edition = int(new)
    activity.record(
        action="edition_changed",
        scope="Billing",
        item_id=account.organization_id,
        name=f"{old.label} → {new.label}",
        changes=[{"field": "edition", "before": old.label, "after": new.label}],
        organization_id=account.organization_id,
        extra={"event_id": cause, "source": "stripe"},
    )
    for hook in list(billing.EDITION_CHANGE_HOOKS):
        hook(account.organization_id, old, new)
