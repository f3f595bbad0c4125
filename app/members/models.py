"""Invitations to join an organization."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, UUIDPk
from app.tenancy import OrganizationOwned


class Invite(OrganizationOwned, UUIDPk, Timestamped, Base):
    __tablename__ = "invites"

    target_email: Mapped[str] = mapped_column(String(254), index=True)
    level: Mapped[int]
    project_ids: Mapped[list[Any]] = mapped_column(default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
