"""Subscription request/response schemas (PostHog's field names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.subscriptions.models import Subscription

Frequency = Literal["daily", "weekly", "monthly", "yearly"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class SubscriptionCreate(BaseModel):
    insight: int | None = None
    dashboard: int | None = None
    title: str = Field(default="", max_length=100)
    target_type: Literal["email"] = "email"
    target_value: str = Field(min_length=3, max_length=5000)
    frequency: Frequency
    interval: int = Field(default=1, ge=1, le=365)
    byweekday: list[Weekday] | None = Field(default=None, max_length=7)
    bysetpos: int | None = Field(default=None, ge=-1, le=4)
    count: int | None = Field(default=None, ge=1, le=10000)
    start_date: datetime
    until_date: datetime | None = None


class SubscriptionUpdate(BaseModel):
    title: str | None = Field(default=None, max_length=100)
    target_value: str | None = Field(default=None, min_length=3, max_length=5000)
    frequency: Frequency | None = None
    interval: int | None = Field(default=None, ge=1, le=365)
    byweekday: list[Weekday] | None = Field(default=None, max_length=7)
    bysetpos: int | None = Field(default=None, ge=-1, le=4)
    count: int | None = Field(default=None, ge=1, le=10000)
    start_date: datetime | None = None
    until_date: datetime | None = None
    deleted: bool | None = None


class SubscriptionRead(BaseModel):
    id: int
    insight: int | None
    dashboard: int | None
    title: str
    target_type: str
    target_value: str
    frequency: str
    interval: int
    byweekday: list[Any] | None
    bysetpos: int | None
    count: int | None
    start_date: datetime
    until_date: datetime | None
    next_delivery_date: datetime | None
    last_delivered_at: datetime | None
    summary: str
    created_at: datetime

    @classmethod
    def of(cls, sub: Subscription, summary: str) -> SubscriptionRead:
        return cls(
            id=sub.id,
            insight=sub.insight_id,
            dashboard=sub.dashboard_id,
            title=sub.title,
            target_type=sub.target_type,
            target_value=sub.target_value,
            frequency=sub.frequency,
            interval=sub.interval,
            byweekday=sub.byweekday,
            bysetpos=sub.bysetpos,
            count=sub.count,
            start_date=sub.start_date,
            until_date=sub.until_date,
            next_delivery_date=sub.next_delivery_date,
            last_delivered_at=sub.last_delivered_at,
            summary=summary,
            created_at=sub.created_at,
        )
