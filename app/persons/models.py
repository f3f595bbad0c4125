"""Persons, their distinct ids, groups and group types (shared contract, see events.models)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, PrimaryKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.events.models import BigId
from app.tenancy import ProjectOwned


class Person(ProjectOwned, Base):
    __tablename__ = "persons"
    __table_args__ = (UniqueConstraint("project_id", "uuid"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uuid: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    properties_last_updated_at: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_identified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class PersonDistinctId(ProjectOwned, Base):
    """distinct_id → person, as it is now (queries resolve through this)."""

    __tablename__ = "person_distinct_ids"
    __table_args__ = (
        UniqueConstraint("project_id", "distinct_id"),
        Index("ix_person_distinct_ids_person", "project_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    distinct_id: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int] = mapped_column(BigInteger)
    person_uuid: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class PersonOverride(ProjectOwned, Base):
    """Events stored with `old_person_uuid` count for `override_person_uuid` (a merge target).

    Written in the same transaction as the merge; kept flat (the override is always a person
    that is not itself overridden) so a query needs one join against this small table.
    """

    __tablename__ = "person_overrides"
    __table_args__ = (
        PrimaryKeyConstraint("project_id", "old_person_uuid"),
        Index("ix_person_overrides_override", "project_id", "override_person_uuid"),
    )

    old_person_uuid: Mapped[uuid.UUID]
    override_person_uuid: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupTypeMapping(ProjectOwned, Base):
    __tablename__ = "group_type_mappings"
    __table_args__ = (
        UniqueConstraint("project_id", "group_type"),
        UniqueConstraint("project_id", "group_type_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    group_type: Mapped[str] = mapped_column(String(400))
    group_type_index: Mapped[int]
    name_singular: Mapped[str | None] = mapped_column(String(400))
    name_plural: Mapped[str | None] = mapped_column(String(400))


class Group(ProjectOwned, Base):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("project_id", "group_type_index", "group_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    group_type_index: Mapped[int]
    group_key: Mapped[str] = mapped_column(String(400))
    group_properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
