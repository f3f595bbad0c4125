"""Actions (shared contract): a project-owned, named OR-list of steps.

Each step is a JSON object in PostHog's `ActionStepJSON` shape: `event`, `properties`,
`url` + `url_matching` (contains | exact | regex), and for `$autocapture` events
`selector`, `tag_name`, `text` + `text_matching`, `href` + `href_matching`. The insight
engine compiles steps to SQL in app.query.actions.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.tenancy import ProjectOwned


class Action(ProjectOwned, Base):
    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    steps: Mapped[list[Any]] = mapped_column(default=list)
    post_to_slack: Mapped[bool] = mapped_column(default=False)
    slack_message_format: Mapped[str] = mapped_column(String(1200), default="")
    deleted: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
