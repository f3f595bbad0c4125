"""Custom roles: named groups of members that project and resource grants can target."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, UUIDPk
from app.tenancy import OrganizationOwned


class Role(OrganizationOwned, UUIDPk, Timestamped, Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    # At most one per organization (enforced by the service): new members join it.
    is_default: Mapped[bool] = mapped_column(default=False)


class RoleMembership(OrganizationOwned, UUIDPk, Timestamped, Base):
    __tablename__ = "role_memberships"
    __table_args__ = (UniqueConstraint("role_id", "user_id"),)

    role_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
