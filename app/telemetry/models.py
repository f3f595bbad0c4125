"""What telemetry actually sent: one row per successful send, payload as sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class TelemetrySent(Base):
    __tablename__ = "telemetry_sent"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    report: Mapped[str] = mapped_column(String(20), index=True)  # usage | entity | subscriptions
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int]
    payload: Mapped[dict[str, Any]]
