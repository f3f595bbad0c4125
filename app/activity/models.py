"""The activity log: who did what to which object, with field-level changes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, UUIDPk
from app.tenancy import OrganizationOwned


class ActivityLog(OrganizationOwned, UUIDPk, Timestamped, Base):
    __tablename__ = "activity_log"
    __table_args__ = (Index("ix_activity_log_org_created", "organization_id", "created_at"),)

    project_id: Mapped[int | None] = mapped_column(index=True)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    actor_kind: Mapped[str] = mapped_column(String(20), default="user")
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(64), index=True)
    item_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
