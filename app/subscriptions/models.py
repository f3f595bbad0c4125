"""Scheduled reports: an insight or a dashboard e-mailed to a list of addresses on a schedule."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.tenancy import ProjectOwned


class Subscription(ProjectOwned, Base):
    """PostHog's Subscription: the schedule is an iCalendar recurrence rule (dateutil.rrule)."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("(insight_id IS NULL) <> (dashboard_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    insight_id: Mapped[int | None] = mapped_column(
        ForeignKey("insights.id", ondelete="CASCADE"), index=True
    )
    dashboard_id: Mapped[int | None] = mapped_column(
        ForeignKey("dashboards.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(100), default="")
    target_type: Mapped[str] = mapped_column(String(10), default="email")
    target_value: Mapped[str] = mapped_column(Text)  # comma-separated addresses
    frequency: Mapped[str] = mapped_column(String(10))  # daily | weekly | monthly | yearly
    interval: Mapped[int] = mapped_column(default=1)
    byweekday: Mapped[list[Any] | None]
    bysetpos: Mapped[int | None]
    count: Mapped[int | None]
    start_date: Mapped[datetime]
    until_date: Mapped[datetime | None]
    next_delivery_date: Mapped[datetime | None] = mapped_column(index=True)
    last_delivered_at: Mapped[datetime | None]
    deleted: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
