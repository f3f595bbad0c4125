"""Feature flags, their version history, and experience-continuity hash-key overrides."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.events.models import BigId
from app.tenancy import ProjectOwned


class FeatureFlag(ProjectOwned, Base):
    __tablename__ = "feature_flags"
    __table_args__ = (
        # Keys are unique among live flags; a soft-deleted key can be reused.
        Index(
            "uq_feature_flags_live_key",
            "project_id",
            "key",
            unique=True,
            postgresql_where=text("NOT deleted"),
            sqlite_where=text("deleted = 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400))
    name: Mapped[str] = mapped_column(Text, default="")
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    deleted: Mapped[bool] = mapped_column(default=False)
    ensure_experience_continuity: Mapped[bool] = mapped_column(default=False)
    evaluation_runtime: Mapped[str] = mapped_column(String(16), default="all")
    is_remote_configuration: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeatureFlagVersion(ProjectOwned, Base):
    """A snapshot of the flag after each change (version 1 is the creation)."""

    __tablename__ = "feature_flag_versions"
    __table_args__ = (UniqueConstraint("flag_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("feature_flags.id", ondelete="CASCADE"))
    version: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlagHashKeyOverride(ProjectOwned, Base):
    """Bucketing key pinned per person and flag when `$anon_distinct_id` is first seen."""

    __tablename__ = "feature_flag_hash_key_overrides"
    __table_args__ = (UniqueConstraint("project_id", "person_id", "feature_flag_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(BigInteger)
    feature_flag_key: Mapped[str] = mapped_column(String(400))
    hash_key: Mapped[str] = mapped_column(String(400))
