"""Batches accepted while a project was over quota, kept until they are replayed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.tenancy import ProjectOwned


class IngestionOverflow(ProjectOwned, Base):
    __tablename__ = "ingestion_overflow"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    batch: Mapped[dict[str, Any]]
    event_count: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
