"""Projects: own all analytics data; carry the public ingestion key and the secret key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped
from app.tenancy import OrganizationOwned


class Project(OrganizationOwned, Timestamped, Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    api_token: Mapped[str] = mapped_column(String(64), unique=True)
    secret_token_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    secret_token_mask: Mapped[str | None] = mapped_column(String(8))
    previous_secret_token_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    previous_secret_valid_until: Mapped[datetime | None]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    week_start_day: Mapped[int] = mapped_column(default=0)
    access_restricted: Mapped[bool] = mapped_column(default=False)
    test_account_filters: Mapped[list[Any]] = mapped_column(default=list)
    anonymize_ips: Mapped[bool] = mapped_column(default=False)
