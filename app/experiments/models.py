"""Experiments (A/B tests on a multivariate flag) and holdout groups."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.tenancy import ProjectOwned


class Holdout(ProjectOwned, Base):
    """A share of users kept out of every experiment that uses this holdout."""

    __tablename__ = "experiment_holdouts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(Text, default="")
    exclusion_percentage: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Experiment(ProjectOwned, Base):
    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(Text, default="")
    feature_flag_id: Mapped[int] = mapped_column(ForeignKey("feature_flags.id", ondelete="CASCADE"))
    holdout_id: Mapped[int | None] = mapped_column(
        ForeignKey("experiment_holdouts.id", ondelete="SET NULL")
    )
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics: Mapped[list[Any]] = mapped_column(default=list)
    metrics_secondary: Mapped[list[Any]] = mapped_column(default=list)
    start_date: Mapped[datetime | None]
    end_date: Mapped[datetime | None]
    archived: Mapped[bool] = mapped_column(default=False)
    shipped_variant: Mapped[str | None] = mapped_column(String(400))
    results: Mapped[dict[str, Any]] = mapped_column(default=dict)
    results_computed_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
