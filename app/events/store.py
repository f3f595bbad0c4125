"""The event store interface ingestion writes through; Postgres (and SQLite) implementation.

A second backend (ClickHouse) implements the same protocol and is returned by get_store().
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db import get_session
from app.events.models import Event

EVENT_COLUMNS = (
    "uuid",
    "event",
    "distinct_id",
    "person_id",
    "timestamp",
    "created_at",
    "properties",
    "elements_chain",
    "group0",
    "group1",
    "group2",
    "group3",
    "group4",
    "person_mode",
    "project_id",
)


class EventStore(Protocol):
    def existing_uuids(self, project_id: int, uuids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these event uuids are already stored for the project."""
        ...

    def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        """Store events; rows whose (project, uuid) already exists are skipped."""
        ...

    def delete_for_distinct_ids(self, project_id: int, distinct_ids: Sequence[str]) -> int:
        """Delete every event of these distinct ids (GDPR erasure)."""
        ...


class SqlEventStore:
    """Events in the relational database (Postgres in production, SQLite embedded)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    def existing_uuids(self, project_id: int, uuids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        found: set[uuid.UUID] = set()
        for start in range(0, len(uuids), 1000):
            part = list(uuids[start : start + 1000])
            found.update(
                self.session.execute(
                    select(Event.uuid).where(Event.project_id == project_id, Event.uuid.in_(part))
                ).scalars()
            )
        return found

    def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        module: Any = postgresql if self.dialect == "postgresql" else sqlite
        stmt = module.insert(Event.__table__).on_conflict_do_nothing(
            index_elements=["project_id", "uuid"]
        )
        for start in range(0, len(rows), 1000):
            self.session.execute(stmt, list(rows[start : start + 1000]))

    def delete_for_distinct_ids(self, project_id: int, distinct_ids: Sequence[str]) -> int:
        if not distinct_ids:
            return 0
        result = self.session.execute(
            delete(Event)
            .where(Event.project_id == project_id, Event.distinct_id.in_(list(distinct_ids)))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def get_store(session: Session | None = None) -> EventStore:
    """The configured event store (the SQL store until a second backend exists)."""
    return SqlEventStore(session or get_session())
