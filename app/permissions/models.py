"""Project access grants (member/admin) and resource grants (viewer/editor).

Organization-owned (not project-owned) on purpose: the access check runs while the
project is being resolved, before a project scope exists.
"""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, UUIDPk
from app.tenancy import OrganizationOwned

ONE_GRANTEE = "(user_id IS NULL) <> (role_id IS NULL)"


class ProjectGrant(OrganizationOwned, UUIDPk, Timestamped, Base):
    __tablename__ = "project_grants"
    __table_args__ = (
        CheckConstraint(ONE_GRANTEE, name="one_grantee"),
        Index("ix_project_grants_project_user", "project_id", "user_id", unique=True),
        Index("ix_project_grants_project_role", "project_id", "role_id", unique=True),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(10))  # member | admin


class ResourceGrant(OrganizationOwned, UUIDPk, Timestamped, Base):
    __tablename__ = "resource_grants"
    __table_args__ = (
        CheckConstraint(ONE_GRANTEE, name="one_grantee"),
        Index("ix_resource_grants_project_kind", "project_id", "resource_kind"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    resource_kind: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str | None] = mapped_column(String(64))  # None: every one of the kind
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(10))  # viewer | editor
