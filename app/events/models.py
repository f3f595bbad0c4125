"""The event store (Postgres backend) and the definitions ingestion keeps up to date.

Contract shared by ingestion (writes), insights and flags (read): columns may be added,
never renamed or removed without a migration plan.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.tenancy import ProjectOwned

# SQLite only auto-increments INTEGER PRIMARY KEY, hence the variant on the BigInteger ids.
BigId = BigInteger().with_variant(Integer(), "sqlite")
ZERO_UUID = "00000000-0000-0000-0000-000000000000"
ZERO_UUID_HEX = ZERO_UUID.replace("-", "")  # how SQLite stores it


class Event(ProjectOwned, Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("project_id", "uuid", name="uq_events_project_uuid"),
        # person_id included: counting actors of an event (DAU, retention, stickiness...)
        # reads only the index (Postgres index-only scan; SQLite ignores the INCLUDE).
        Index(
            "ix_events_project_event_ts_person",
            "project_id",
            "event",
            "timestamp",
            postgresql_include=["person_id"],
        ),
        Index("ix_events_project_ts", "project_id", "timestamp"),
        Index("ix_events_project_distinct_ts", "project_id", "distinct_id", "timestamp"),
        # Events arrive in time order, so on Postgres a BRIN index serves wide time-range
        # scans from a few pages; SQLite (embedded) ignores `postgresql_using`: a plain index.
        Index("ix_events_timestamp_brin", "timestamp", postgresql_using="brin"),
        # Events stored without a person (or with the zero uuid): usually none, so insight
        # queries can cheaply check whether they need the distinct-id mapping at all.
        Index(
            "ix_events_personless",
            "project_id",
            "timestamp",
            postgresql_where=text(f"person_id IS NULL OR person_id = '{ZERO_UUID}'"),
            sqlite_where=text(f"person_id IS NULL OR person_id = '{ZERO_UUID_HEX}'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uuid: Mapped[UUID]
    event: Mapped[str] = mapped_column(String(400))
    distinct_id: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[UUID | None]  # person at ingestion time (+ person_overrides for merges)
    timestamp: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    elements_chain: Mapped[str] = mapped_column(Text, default="")
    group0: Mapped[str] = mapped_column(String(400), default="")
    group1: Mapped[str] = mapped_column(String(400), default="")
    group2: Mapped[str] = mapped_column(String(400), default="")
    group3: Mapped[str] = mapped_column(String(400), default="")
    group4: Mapped[str] = mapped_column(String(400), default="")
    person_mode: Mapped[str] = mapped_column(String(16), default="full")


class EventDefinition(ProjectOwned, Base):
    __tablename__ = "event_definitions"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(400))
    volume_30_day: Mapped[int] = mapped_column(BigInteger, default=0)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class PropertyDefinition(ProjectOwned, Base):
    """A property name seen on events (type 1), persons (2) or groups (3, with index)."""

    __tablename__ = "property_definitions"
    __table_args__ = (UniqueConstraint("project_id", "type", "group_type_index", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(400))
    type: Mapped[int] = mapped_column(default=1)
    group_type_index: Mapped[int] = mapped_column(default=-1)
    property_type: Mapped[str | None] = mapped_column(String(16))  # String/Numeric/Boolean/DateTime
    volume: Mapped[int] = mapped_column(BigInteger, default=0)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
