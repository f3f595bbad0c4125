"""Personal API keys: belong to a user, stored as SHA-256, shown once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, UUIDPk


class PersonalAPIKey(UUIDPk, Timestamped, Base):
    """Global table: a key is the user's, restricted optionally to organizations/projects."""

    __tablename__ = "personal_api_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(100))
    secure_value: Mapped[str] = mapped_column(String(64), unique=True)
    mask_value: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    scoped_organizations: Mapped[list[Any] | None]
    scoped_projects: Mapped[list[Any] | None]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    last_rolled_at: Mapped[datetime | None]
