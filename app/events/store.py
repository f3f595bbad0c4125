"""The event store interface ingestion writes through; Postgres (and SQLite) implementation.

A second backend (ClickHouse) implements the same protocol and is returned by get_store().
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

import psycopg
from sqlalchemy import ARRAY, Uuid, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db import get_session
from app.events.models import Event
from app.tenancy import rls_exempt

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
PROPS_AT = EVENT_COLUMNS.index("properties")
COLS = ", ".join(EVENT_COLUMNS)
_JSON = json.JSONEncoder(separators=(",", ":"), default=str)


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
        if self.dialect == "postgresql":
            return self._existing_pg(project_id, uuids)
        found: set[uuid.UUID] = set()
        for start in range(0, len(uuids), 1000):
            part = list(uuids[start : start + 1000])
            found.update(
                self.session.execute(
                    select(Event.uuid).where(Event.project_id == project_id, Event.uuid.in_(part))
                ).scalars()
            )
        return found

    def _existing_pg(self, project_id: int, uuids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        # A join against unnest() probes the (project_id, uuid) unique index per id; a long
        # IN list lets a fresh table's stale statistics pick a scan of the whole project.
        ids = func.unnest(bindparam("ids", type_=ARRAY(Uuid()))).table_valued("id").render_derived()
        stmt = (
            select(Event.uuid)
            .join(ids, Event.uuid == ids.c.id)
            .where(Event.project_id == project_id)
        )
        return set(self.session.execute(stmt, {"ids": list(uuids)}).scalars())

    def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.dialect == "postgresql":
            self._copy_insert(rows)
            return
        module: Any = postgresql if self.dialect == "postgresql" else sqlite
        stmt = module.insert(Event.__table__).on_conflict_do_nothing(
            index_elements=["project_id", "uuid"]
        )
        for start in range(0, len(rows), 1000):
            self.session.execute(stmt, list(rows[start : start + 1000]))

    def _copy_insert(self, rows: Sequence[dict[str, Any]]) -> None:
        """COPY straight into events (inside a savepoint); if a (project, uuid) already exists,
        roll the savepoint back and go through a temp table + INSERT ... ON CONFLICT DO NOTHING.

        Ingestion dedupes before inserting, so the slow path only runs on a race.
        """
        raw = self.session.connection().connection.driver_connection
        assert raw is not None
        # Postgres refuses COPY FROM into a table under row-level security. The rows are
        # built by ingestion for one project (their project_id comes from the queue
        # message, not from a query), so the write runs as the connecting role.
        with rls_exempt(self.session), raw.cursor() as cur:
            cur.execute("SAVEPOINT events_copy")
            try:
                self._copy(cur, "events", rows)
            except psycopg.errors.UniqueViolation:
                cur.execute("ROLLBACK TO SAVEPOINT events_copy")
                self._copy_on_conflict(cur, rows)
            cur.execute("RELEASE SAVEPOINT events_copy")

    @staticmethod
    def _copy(cur: psycopg.Cursor[Any], table: str, rows: Sequence[dict[str, Any]]) -> None:
        with cur.copy(f"COPY {table} ({COLS}) FROM STDIN") as copy:  # noqa: S608
            write, dumps = copy.write_row, _JSON.encode
            for row in rows:
                values = [row[c] for c in EVENT_COLUMNS]
                values[PROPS_AT] = dumps(values[PROPS_AT])
                write(values)

    def _copy_on_conflict(self, cur: psycopg.Cursor[Any], rows: Sequence[dict[str, Any]]) -> None:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS events_incoming "
            "(LIKE events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        self._copy(cur, "events_incoming", rows)
        cur.execute(
            f"INSERT INTO events ({COLS}) SELECT {COLS} FROM events_incoming "  # noqa: S608
            "ON CONFLICT (project_id, uuid) DO NOTHING"
        )
        cur.execute("TRUNCATE events_incoming")

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
