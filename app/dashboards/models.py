"""Dashboards and their tiles (an insight or a text card, with per-breakpoint layouts)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.tenancy import ProjectOwned


class Dashboard(ProjectOwned, Base):
    __tablename__ = "dashboards"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(400), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)  # date_from/date_to/properties
    pinned: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DashboardTile(ProjectOwned, Base):
    __tablename__ = "dashboard_tiles"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    dashboard_id: Mapped[int] = mapped_column(
        ForeignKey("dashboards.id", ondelete="CASCADE"), index=True
    )
    insight_id: Mapped[int | None] = mapped_column(
        ForeignKey("insights.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str | None] = mapped_column(Text)
    layouts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    color: Mapped[str | None] = mapped_column(String(40))
