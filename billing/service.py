"""Billing services for the API: status, checkout, portal, invoices, the Stripe resolver."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from app.db import get_session
from app.entitlements import Edition, EditionGrant, edition_for, entitlements
from app.errors import Conflict, ServiceUnavailable, ValidationError
from app.organizations.models import Organization
from app.tenancy import tenant_scope
from billing import allowance, stripe_gateway, sync, usage
from billing.contracts import (
    GRANTING,
    now,
    parse_edition,
    price_for_edition,
    price_table,
    setting,
)
from billing.models import BillingAccount, BillingSubscription


def intent_key(*parts: object) -> str:
    """An Idempotency-Key derived from what we mean to do, so retries never duplicate it."""
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


def stripe_resolver(organization_id: uuid.UUID) -> EditionGrant | None:
    """Cloud: the edition Stripe's last applied state grants (grace-period aware)."""
    with tenant_scope(organization_id):
        account = sync.get_account()
    if account is None:
        return None
    edition = sync.effective_edition(account, now())
    if edition == Edition.FREE:
        return None
    deadline = account.grace_deadline if account.grace_edition > account.paid_edition else None
    return EditionGrant(edition, "stripe", {"grace_deadline": deadline})


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def month_period(at: datetime) -> tuple[datetime, datetime]:
    start = datetime(at.year, at.month, 1, tzinfo=UTC)
    end = datetime(at.year + (at.month == 12), at.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def main_subscription() -> BillingSubscription | None:
    """The subscription that defines the organization's plan (granting first, then edition)."""
    subs = list(get_session().scalars(select(BillingSubscription)))
    return max(
        subs,
        key=lambda s: (s.status in GRANTING, s.status == "past_due", s.edition),
        default=None,
    )


def _subscription_json(sub: BillingSubscription | None) -> dict[str, Any] | None:
    if sub is None:
        return None
    return {
        "id": sub.id,
        "status": sub.status,
        "edition": Edition(sub.edition).label,
        "price_id": sub.price_id,
        "cancel_at_period_end": sub.cancel_at_period_end,
        "current_period_start": _iso(sub.current_period_start),
        "current_period_end": _iso(sub.current_period_end),
    }


def status(*, organization_id: uuid.UUID) -> dict[str, Any]:
    """Edition, entitlements, subscription, current period, usage and grace deadline."""
    grant = edition_for(organization_id)
    sub = main_subscription()
    start, end = month_period(now())
    if sub is not None and sub.current_period_start and sub.current_period_end:
        start, end = sub.current_period_start, sub.current_period_end
    deadline = grant.detail.get("grace_deadline") if grant.source == "stripe" else None
    return {
        "edition": grant.edition.label,
        "source": grant.source,
        "entitlements": entitlements(organization_id),
        "subscription": _subscription_json(sub),
        "current_period": {"start": _iso(start), "end": _iso(end)},
        "usage": {"events": usage.ledger_total(start.date(), end.date())},
        "grace_deadline": _iso(deadline),
        "allowance": allowance.status_json(organization_id)
        if setting("DEPLOYMENT") == "cloud"
        else None,
    }


def _ensure_customer(account: BillingAccount, org: Organization) -> str:
    if account.stripe_customer_id and not account.customer_deleted:
        return account.stripe_customer_id
    customer = stripe_gateway.create_customer(
        params={"name": org.name, "metadata": {"organization_id": str(org.id)}},
        idempotency_key=intent_key("customer", org.id, account.stripe_customer_id or ""),
    )
    account.stripe_customer_id, account.customer_deleted = str(customer["id"]), False
    return account.stripe_customer_id


def _choose_price(price_id: str | None, edition: str | None) -> str:
    if price_id:
        if price_id not in price_table():
            raise ValidationError("Unknown price.", attr="price_id", code="unknown_price")
        return price_id
    wanted = parse_edition(edition)
    found = price_for_edition(wanted) if wanted else None
    if wanted is None or found is None:
        raise ValidationError("Choose a paid plan.", attr="edition", code="unknown_plan")
    return found


def checkout(
    *, organization: Organization, price_id: str | None, edition: str | None
) -> dict[str, Any]:
    """A Stripe Checkout Session (subscription mode) for a plan; one per intent per day."""
    if setting("DEPLOYMENT") != "cloud":
        raise Conflict("Self-hosted instances upgrade with a license key.", code="not_cloud")
    price = _choose_price(price_id, edition)
    sync.lock_organization(organization.id)
    account = sync.ensure_account(organization.id)
    customer_id = _call(_ensure_customer, account, organization)
    site = setting("SITE_URL")
    org = str(organization.id)
    params = {
        "mode": "subscription",
        "customer": customer_id,
        "client_reference_id": org,
        "metadata": {"organization_id": org},
        "subscription_data": {"metadata": {"organization_id": org}},
        "line_items": [{"price": price, "quantity": 1}],
        "success_url": f"{site}/organization/billing?checkout=success",
        "cancel_url": f"{site}/organization/billing?checkout=cancel",
    }
    key = intent_key("checkout", org, price, now().date().isoformat())
    session = _call(stripe_gateway.create_checkout_session, params=params, idempotency_key=key)
    return {"id": session.get("id"), "url": session.get("url")}


def portal(*, organization: Organization) -> dict[str, Any]:
    """A Stripe customer-portal session for the organization's customer."""
    account = sync.get_account()
    if account is None or not account.stripe_customer_id or account.customer_deleted:
        raise Conflict("This organization has no billing account yet.", code="no_customer")
    params = {
        "customer": account.stripe_customer_id,
        "return_url": f"{setting('SITE_URL')}/organization/billing",
    }
    key = intent_key("portal", organization.id, now().isoformat(timespec="minutes"))
    session = _call(stripe_gateway.create_portal_session, params=params, idempotency_key=key)
    return {"url": session.get("url")}


def invoices(*, limit: int, starting_after: str | None) -> Any:
    """A page of the organization's invoices, straight from Stripe."""
    account = sync.get_account()
    if account is None or not account.stripe_customer_id or account.customer_deleted:
        return {"data": [], "has_more": False}
    return _call(
        stripe_gateway.list_invoices,
        account.stripe_customer_id,
        limit=limit,
        starting_after=starting_after,
    )


def _call(func: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return func(*args, **kwargs)
    except stripe_gateway.GatewayError as exc:
        raise ServiceUnavailable("Billing is unavailable right now; try again shortly.") from exc
