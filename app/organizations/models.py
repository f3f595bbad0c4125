"""Organizations (the tenant and billing unit) and their memberships."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, UUIDPk
from app.tenancy import OrganizationOwned


class Level(enum.IntEnum):
    MEMBER = 1
    ADMIN = 8
    OWNER = 15


class Organization(UUIDPk, Timestamped, Base):
    """The tenant. A global table: it is what scopes are made of."""

    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    members_can_invite: Mapped[bool] = mapped_column(default=True)
    enforce_2fa: Mapped[bool] = mapped_column(default=False)
    default_level: Mapped[int] = mapped_column(default=int(Level.MEMBER))


class Membership(OrganizationOwned, UUIDPk, Timestamped, Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int] = mapped_column(default=int(Level.MEMBER))
