"""Service accounts: organization-owned, non-human principals with their own keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, UUIDPk
from app.organizations.models import Level
from app.tenancy import OrganizationOwned


class ServiceAccount(OrganizationOwned, UUIDPk, Timestamped, Base):
    __tablename__ = "service_accounts"

    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[int] = mapped_column(default=int(Level.MEMBER))  # member or admin, never owner
    # Projects the account may touch (None: all it can see); listing a restricted project
    # is what grants the account access to it.
    project_ids: Mapped[list[Any] | None]
    # SET NULL: the account outlives the person who created it.
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    disabled: Mapped[bool] = mapped_column(default=False)


class ServiceAccountKey(OrganizationOwned, UUIDPk, Timestamped, Base):
    __tablename__ = "service_account_keys"

    service_account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_accounts.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(100))
    secure_value: Mapped[str] = mapped_column(String(64), unique=True)
    mask_value: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    scoped_projects: Mapped[list[Any] | None]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    last_rolled_at: Mapped[datetime | None]
