"""Billing's vocabulary: settings, the clock, Stripe statuses and price→edition mapping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app

from app.config import Settings
from app.db import utcnow
from app.entitlements import Edition

GRANTING = frozenset({"active", "trialing"})
GRACE = frozenset({"past_due"})
# Everything else (canceled, unpaid, incomplete, incomplete_expired, paused) grants nothing.
METER_EVENT_NAME = "burrow_events"
METRIC_EVENTS = "events"


def settings() -> Settings:
    value: Settings = current_app.config["BURROW"]
    return value


def setting(name: str, default: Any = None) -> Any:
    """A typed setting, or an `extra` override (tests pass unknown keys there)."""
    conf = settings()
    if name in conf.extra:
        return conf.extra[name]
    return getattr(conf, name, default)


def now() -> datetime:
    """Billing's clock: BILLING_NOW (ISO datetime) freezes it for tests and drills."""
    frozen = settings().extra.get("BILLING_NOW")
    if not frozen:
        return utcnow()
    value = frozen if isinstance(frozen, datetime) else datetime.fromisoformat(str(frozen))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def webhook_secrets() -> list[str]:
    raw = setting("STRIPE_WEBHOOK_SECRETS", ())
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    return [p.strip() for p in parts if p and p.strip()]


def parse_edition(value: object) -> Edition | None:
    """`growth`/`ultimate` (any case) → Edition; anything else → None."""
    if not isinstance(value, str):
        return None
    try:
        return Edition[value.strip().upper()]
    except KeyError:
        return None


def price_table() -> dict[str, Edition]:
    """The configured price id → edition fallback table."""
    raw = setting("STRIPE_PRICE_EDITIONS", "")
    pairs = (
        raw.items()
        if isinstance(raw, dict)
        else (part.split("=", 1) for part in str(raw).split(",") if "=" in part)
    )
    table: dict[str, Edition] = {}
    for price, label in pairs:
        edition = parse_edition(label)
        if edition is not None:
            table[str(price).strip()] = edition
    return table


def price_for_edition(edition: Edition) -> str | None:
    for price, value in price_table().items():
        if value == edition:
            return price
    return None


def _metadata_edition(obj: Any) -> Edition | None:
    if isinstance(obj, dict):
        return parse_edition((obj.get("metadata") or {}).get("edition"))
    return None


def edition_of_price(price: dict[str, Any]) -> Edition:
    """A price's edition: its metadata, its product's metadata, then the table; else Free."""
    found = _metadata_edition(price) or _metadata_edition(price.get("product"))
    if found is not None:
        return found
    return price_table().get(str(price.get("id", "")), Edition.FREE)


def to_datetime(ts: object) -> datetime | None:
    if ts is None or isinstance(ts, bool):
        return None
    if isinstance(ts, int | float):
        return datetime.fromtimestamp(ts, UTC)
    return None


@dataclass(frozen=True)
class SubscriptionSnapshot:
    """The part of a Stripe subscription we act on."""

    id: str
    customer_id: str
    status: str
    edition: Edition
    price_id: str
    period_start: datetime | None
    period_end: datetime | None
    cancel_at_period_end: bool
    organization_hint: str | None

    @classmethod
    def from_stripe(cls, sub: dict[str, Any]) -> SubscriptionSnapshot:
        items = (sub.get("items") or {}).get("data") or []
        best_item: dict[str, Any] = max(
            items, key=lambda it: edition_of_price(it.get("price") or {}), default={}
        )
        price = best_item.get("price") or {}
        customer = sub.get("customer")
        customer_id = customer.get("id") if isinstance(customer, dict) else customer
        return cls(
            id=str(sub["id"]),
            customer_id=str(customer_id or ""),
            status=str(sub.get("status", "")),
            edition=edition_of_price(price),
            price_id=str(price.get("id", "")),
            period_start=to_datetime(
                sub.get("current_period_start", best_item.get("current_period_start"))
            ),
            period_end=to_datetime(
                sub.get("current_period_end", best_item.get("current_period_end"))
            ),
            cancel_at_period_end=bool(sub.get("cancel_at_period_end")),
            organization_hint=(sub.get("metadata") or {}).get("organization_id"),
        )
