"""Building a QueryContext from a project (its time zone and week start)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.db import utcnow
from app.query.base import QueryContext
from app.query.sql import execute


def project_context(project_id: int, now: datetime | None = None) -> QueryContext:
    """The context for one project; "now" defaults to the current time."""
    rows = execute(
        "SELECT timezone, week_start_day FROM projects WHERE id = :project_id",
        {"project_id": project_id},
    )
    row: tuple[Any, ...] = tuple(rows[0]) if rows else ("UTC", 0)
    tz, week_start = str(row[0] or "UTC"), int(row[1] or 0)
    return QueryContext(project_id, tz, week_start, now or utcnow())
