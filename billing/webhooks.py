"""Stripe webhooks: verify the signature, store the event, process it as a trigger."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.db import get_session
from app.tenancy import tenant_scope
from billing import notify, sync
from billing.contracts import now, to_datetime
from billing.models import StripeEvent

TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The Stripe-Signature header is missing, malformed, stale or matches no secret."""


def verify_signature(
    body: bytes, header: str | None, secrets: list[str], *, at: float | None = None
) -> None:
    """Check Stripe's `t=...,v1=...` HMAC-SHA256 header against any configured secret."""
    if not header or not secrets:
        raise SignatureError("missing signature")
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        raise SignatureError("malformed signature header")
    if abs((time.time() if at is None else at) - int(timestamp)) > TOLERANCE_SECONDS:
        raise SignatureError("timestamp outside the tolerance")
    signed = timestamp.encode() + b"." + body
    for secret in secrets:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, sig) for sig in signatures):
            return
    raise SignatureError("no matching signature")


def parse_event(body: bytes) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except ValueError as exc:
        raise SignatureError("body is not JSON") from exc
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event.get("type"):
        raise SignatureError("not a Stripe event")
    return event


def store_event(event: dict[str, Any], *, source: str = "webhook") -> bool:
    """Insert the event verbatim; False when its id was already stored (a duplicate)."""
    session = get_session()
    row = StripeEvent(
        id=event["id"],
        type=str(event["type"]),
        created=to_datetime(event.get("created")) or now(),
        payload=event,
        source=source,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class Target:
    customer_id: str | None
    subscription_id: str | None
    hint: str | None


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else None


def _meta(obj: dict[str, Any]) -> str | None:
    value = (obj.get("metadata") or {}).get("organization_id")
    return str(value) if value else None


def _checkout(obj: dict[str, Any]) -> Target:
    hint = obj.get("client_reference_id") or _meta(obj)
    return Target(_id(obj.get("customer")), _id(obj.get("subscription")), hint)


def _subscription(obj: dict[str, Any]) -> Target:
    return Target(_id(obj.get("customer")), _id(obj.get("id")), _meta(obj))


def _invoice(obj: dict[str, Any]) -> Target:
    details = ((obj.get("parent") or {}).get("subscription_details")) or {}
    sub = _id(obj.get("subscription")) or _id(details.get("subscription"))
    return Target(_id(obj.get("customer")), sub, _meta(details) or None)


def _customer(obj: dict[str, Any]) -> Target:
    return Target(_id(obj.get("id")), None, _meta(obj))


def _summary(obj: dict[str, Any]) -> Target:
    return Target(_id(obj.get("customer")), None, None)


HANDLERS: dict[str, Callable[[dict[str, Any]], Target]] = {
    "checkout.session.completed": _checkout,
    **{
        f"customer.subscription.{kind}": _subscription
        for kind in ("created", "updated", "deleted", "paused", "resumed", "trial_will_end")
    },
    "invoice.paid": _invoice,
    "invoice.payment_failed": _invoice,
    "invoice.payment_action_required": _invoice,
    "customer.updated": _customer,
    "customer.deleted": _customer,
    "entitlements.active_entitlement_summary.updated": _summary,
}


def process(event_id: str, *, force: bool = False) -> str:
    """Apply one stored event (fetching current state from Stripe); returns its new status."""
    event = get_session().get(StripeEvent, event_id, with_for_update=True)
    if event is None:
        return "missing"
    if event.status in ("processed", "ignored") and not force:
        return event.status
    event.attempts += 1
    handler = HANDLERS.get(event.type)
    if handler is None:
        return _finish(event, "ignored", None)
    target = handler((event.payload.get("data") or {}).get("object") or {})
    org_id = sync.organization_for(target.customer_id, target.hint)
    if org_id is None:
        return _finish(event, "ignored", f"unknown customer {target.customer_id}")
    event.organization_id = org_id
    with tenant_scope(org_id):
        sync.lock_organization(org_id)
        account = sync.ensure_account(org_id)
        sync.link_customer(account, target.customer_id)
        if target.subscription_id and event.type != "customer.deleted":
            sync.sync_subscription(account, target.subscription_id, event.id)
        else:
            sync.sync_customer(account, event.id)
        notify.for_event(org_id, event.type)
    return _finish(event, "processed", None)


def _finish(event: StripeEvent, status: str, error: str | None) -> str:
    event.status, event.last_error, event.processed_at = status, error, now()
    return status


def record_failure(event_id: str, error: BaseException) -> None:
    """Make a failed attempt visible (the caller rolled back the attempt itself)."""
    event = get_session().get(StripeEvent, event_id)
    if event is not None:
        event.status, event.attempts = "failed", event.attempts + 1
        event.last_error = f"{type(error).__name__}: {error}"[:2000]
