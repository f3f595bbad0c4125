"""Saved insights."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.tenancy import ProjectOwned


class Insight(ProjectOwned, Base):
    __tablename__ = "insights"
    __table_args__ = (UniqueConstraint("project_id", "short_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    short_id: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(400), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    query: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    favorited: Mapped[bool] = mapped_column(default=False)
    saved: Mapped[bool] = mapped_column(default=True)
    deleted: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_modified_at: Mapped[datetime] = mapped_column(default=utcnow)


class SharingConfiguration(ProjectOwned, Base):
    """A public link to one insight or one dashboard (PostHog's SharingConfiguration); the
    token is the link."""

    __tablename__ = "sharing_configurations"
    __table_args__ = (
        UniqueConstraint("access_token"),
        CheckConstraint("(insight_id IS NULL) <> (dashboard_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    insight_id: Mapped[int | None] = mapped_column(
        ForeignKey("insights.id", ondelete="CASCADE"), index=True
    )
    dashboard_id: Mapped[int | None] = mapped_column(
        ForeignKey("dashboards.id", ondelete="CASCADE"), index=True
    )
    enabled: Mapped[bool] = mapped_column(default=False)
    access_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
