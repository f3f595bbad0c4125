"""Billing tables: Stripe events, per-organization billing state, usage ledger, licenses."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, UUIDPk, utcnow
from app.tenancy import OrganizationOwned


class StripeEvent(Base):
    """Every verified webhook, stored verbatim before anything else (global: the
    organization is only known after processing)."""

    __tablename__ = "billing_stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100), index=True)
    created: Mapped[datetime]
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), default="received", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(20), default="webhook")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class BillingAccount(OrganizationOwned, UUIDPk, Timestamped, Base):
    """An organization's Stripe customer and the edition last applied to it."""

    __tablename__ = "billing_accounts"
    __table_args__ = (UniqueConstraint("organization_id"),)

    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    customer_deleted: Mapped[bool] = mapped_column(default=False)
    edition: Mapped[int] = mapped_column(default=0)  # last applied effective edition
    paid_edition: Mapped[int] = mapped_column(default=0)  # from active/trialing subscriptions
    grace_edition: Mapped[int] = mapped_column(default=0)  # from past_due subscriptions
    grace_deadline: Mapped[datetime | None]
    last_event_id: Mapped[str | None] = mapped_column(String(255))
    synced_at: Mapped[datetime | None]


class BillingSubscription(OrganizationOwned, Timestamped, Base):
    """The last state fetched from Stripe for one subscription."""

    __tablename__ = "billing_subscriptions"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(32))
    edition: Mapped[int] = mapped_column(default=0)
    price_id: Mapped[str] = mapped_column(String(255), default="")
    current_period_start: Mapped[datetime | None]
    current_period_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    past_due_since: Mapped[datetime | None]
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageRecord(OrganizationOwned, UUIDPk, Timestamped, Base):
    """The usage ledger: one row per report (base or late delta), sent at most once."""

    __tablename__ = "billing_usage_records"
    __table_args__ = (
        UniqueConstraint("identifier"),
        Index("ix_billing_usage_org_metric_day", "organization_id", "metric", "day"),
    )

    metric: Mapped[str] = mapped_column(String(32))
    day: Mapped[date]
    quantity: Mapped[int] = mapped_column(BigInteger)
    identifier: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|local
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]


class AllowanceState(OrganizationOwned, UUIDPk, Timestamped, Base):
    """Cloud free allowance for one organization and period."""

    __tablename__ = "billing_allowance_states"
    __table_args__ = (UniqueConstraint("organization_id", "period_start"),)

    period_start: Mapped[date]
    events: Mapped[int] = mapped_column(BigInteger, default=0)
    warned_80_at: Mapped[datetime | None]
    warned_100_at: Mapped[datetime | None]
    paused: Mapped[bool] = mapped_column(default=False)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)


class InstanceLicense(UUIDPk, Timestamped, Base):
    """The self-hosted instance's license key (global: it licenses the whole instance)."""

    __tablename__ = "billing_instance_licenses"

    token: Mapped[str] = mapped_column(Text)
    installed_by: Mapped[uuid.UUID | None]
