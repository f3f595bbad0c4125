"""Cohorts: static lists or dynamic definitions computed by a worker (shared contract).

`filters` uses PostHog's shape: {"properties": {"type": "AND"|"OR", "values": [...]}}.
Members of both kinds live in cohort_people; dynamic cohorts write a new `version` and
readers use `Cohort.version` (the last completed calculation).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.events.models import BigId
from app.tenancy import ProjectOwned


class Cohort(ProjectOwned, Base):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(String(1000), default="")
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_static: Mapped[bool] = mapped_column(default=False)
    is_calculating: Mapped[bool] = mapped_column(default=False)
    last_calculation: Mapped[datetime | None]
    errors_calculating: Mapped[int] = mapped_column(default=0)
    version: Mapped[int | None]
    pending_version: Mapped[int | None]
    count: Mapped[int | None]
    deleted: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CohortPerson(ProjectOwned, Base):
    __tablename__ = "cohort_people"
    __table_args__ = (Index("ix_cohort_people_lookup", "cohort_id", "version", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(default=0)
