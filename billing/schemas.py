"""Request and response schemas for the billing API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CheckoutCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    edition: str | None = Field(default=None, description="growth or ultimate")
    price_id: str | None = None


class CheckoutRead(BaseModel):
    id: str | None
    url: str | None


class PortalRead(BaseModel):
    url: str | None


class BillingStatusRead(BaseModel):
    edition: str
    source: str
    entitlements: list[str]
    subscription: dict[str, Any] | None
    current_period: dict[str, Any]
    usage: dict[str, Any]
    grace_deadline: str | None
    allowance: dict[str, Any] | None


class LicenseInstall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=4000)


class LicenseRead(BaseModel):
    edition: str
    license: dict[str, Any] | None


def invoice_json(inv: dict[str, Any]) -> dict[str, Any]:
    """The invoice fields we show, from a Stripe invoice object."""
    keys = (
        "id",
        "number",
        "status",
        "currency",
        "amount_due",
        "amount_paid",
        "created",
        "period_start",
        "period_end",
        "hosted_invoice_url",
        "invoice_pdf",
    )
    return {k: inv.get(k) for k in keys}
