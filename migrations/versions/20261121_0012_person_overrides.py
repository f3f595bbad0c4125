"""person_overrides: events' stored person id → the person it was merged into

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-21 17:45:00.000000

Expand-only: a new table plus a backfill; a partial index of events stored without a person;
the (project, event, timestamp) index rebuilt with `INCLUDE (person_id)` for index-only
scans (both built concurrently; the old index is dropped once the new one exists, and no
code names it). Queries resolve an event's actor as
`COALESCE(override, events.person_id)` instead of joining the distinct-id mapping, so the
backfill records, for every stored `person_id` that no longer is a live person, the person
its distinct ids map to now (see app/query/persons.py for the semantics).

The backfill is idempotent (`ON CONFLICT DO NOTHING`); it scans each project's events once,
with its own statement timeout. Re-running it (`alembic downgrade 0011 && alembic upgrade
0012`) after a rollback to code that merged persons without writing overrides repairs them.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ZERO_UUID = "00000000-0000-0000-0000-000000000000"

# A stored person id that is not a live person but whose distinct id maps to one now.
# DISTINCT ON picks one target when (unusually) the old person's ids now map to several.
PG_BACKFILL = """
INSERT INTO person_overrides (project_id, old_person_uuid, override_person_uuid, created_at)
SELECT DISTINCT ON (e.person_id) e.project_id, e.person_id, pdi.person_uuid, now()
FROM events e
JOIN person_distinct_ids pdi ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = :project_id AND e.person_id IS NOT NULL
  AND e.person_id <> pdi.person_uuid AND e.person_id <> CAST(:zero AS uuid)
  AND NOT EXISTS (
    SELECT 1 FROM persons p WHERE p.project_id = e.project_id AND p.uuid = e.person_id
  )
ORDER BY e.person_id, pdi.person_uuid
ON CONFLICT DO NOTHING
"""

SQLITE_PAIRS = """
SELECT e.person_id, min(pdi.person_uuid)
FROM events e
JOIN person_distinct_ids pdi ON pdi.project_id = e.project_id AND pdi.distinct_id = e.distinct_id
WHERE e.project_id = :project_id AND e.person_id IS NOT NULL
  AND e.person_id <> pdi.person_uuid AND e.person_id <> :zero
  AND NOT EXISTS (
    SELECT 1 FROM persons p WHERE p.project_id = e.project_id AND p.uuid = e.person_id
  )
  AND NOT EXISTS (
    SELECT 1 FROM person_overrides po
    WHERE po.project_id = e.project_id AND po.old_person_uuid = e.person_id
  )
GROUP BY e.person_id
"""


def upgrade() -> None:
    table = op.create_table(
        "person_overrides",
        sa.Column("old_person_uuid", sa.Uuid(), nullable=False),
        sa.Column("override_person_uuid", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_person_overrides_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "old_person_uuid", name=op.f("pk_person_overrides")),
    )
    op.create_index(
        "ix_person_overrides_override",
        "person_overrides",
        ["project_id", "override_person_uuid"],
        unique=False,
    )
    op.create_index(
        op.f("ix_person_overrides_project_id"), "person_overrides", ["project_id"], unique=False
    )
    _backfill(table)
    _personless_index()
    _event_index_with_person()


def _event_index_with_person() -> None:
    """(project, event, timestamp) INCLUDE (person_id) replaces the index without it."""
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(
            "ix_events_project_event_ts_person",
            "events",
            ["project_id", "event", "timestamp"],
            unique=False,
        )
        op.drop_index("ix_events_project_event_ts", table_name="events")
        return
    with op.get_context().autocommit_block():
        op.execute("SET statement_timeout = 0")
        op.create_index(
            "ix_events_project_event_ts_person",
            "events",
            ["project_id", "event", "timestamp"],
            unique=False,
            postgresql_include=["person_id"],
            postgresql_concurrently=True,
            if_not_exists=True,
        )
        op.drop_index(
            "ix_events_project_event_ts",
            table_name="events",
            postgresql_concurrently=True,
            if_exists=True,
        )
        op.execute("RESET statement_timeout")


def _personless_index() -> None:
    """Partial index of events stored without a person (usually none), built concurrently."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        op.create_index(
            "ix_events_personless",
            "events",
            ["project_id", "timestamp"],
            unique=False,
            sqlite_where=sa.text(
                f"person_id IS NULL OR person_id = '{ZERO_UUID.replace('-', '')}'"
            ),
        )
        return
    with op.get_context().autocommit_block():
        op.execute("SET statement_timeout = 0")
        op.create_index(
            "ix_events_personless",
            "events",
            ["project_id", "timestamp"],
            unique=False,
            postgresql_where=sa.text(f"person_id IS NULL OR person_id = '{ZERO_UUID}'"),
            postgresql_concurrently=True,
            if_not_exists=True,
        )
        op.execute("RESET statement_timeout")


def _backfill(table: sa.Table) -> None:
    bind = op.get_bind()
    projects = [row[0] for row in bind.execute(sa.text("SELECT id FROM projects ORDER BY id"))]
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("SET LOCAL statement_timeout = 0"))
        for project_id in projects:
            bind.execute(sa.text(PG_BACKFILL), {"project_id": project_id, "zero": ZERO_UUID})
        bind.execute(sa.text("ANALYZE person_overrides"))
        return
    pairs_sql = sa.text(SQLITE_PAIRS).columns(
        sa.column("old", sa.Uuid()), sa.column("new", sa.Uuid())
    )
    zero = ZERO_UUID.replace("-", "")
    now = datetime.now(UTC)
    for project_id in projects:
        rows = bind.execute(pairs_sql, {"project_id": project_id, "zero": zero}).all()
        if rows:
            op.bulk_insert(
                table,
                [
                    {
                        "project_id": project_id,
                        "old_person_uuid": old,
                        "override_person_uuid": new,
                        "created_at": now,
                    }
                    for old, new in rows
                ],
            )


def downgrade() -> None:
    op.create_index(
        "ix_events_project_event_ts", "events", ["project_id", "event", "timestamp"], unique=False
    )
    op.drop_index("ix_events_project_event_ts_person", table_name="events")
    op.drop_index("ix_events_personless", table_name="events")
    op.drop_index(op.f("ix_person_overrides_project_id"), table_name="person_overrides")
    op.drop_index("ix_person_overrides_override", table_name="person_overrides")
    op.drop_table("person_overrides")
