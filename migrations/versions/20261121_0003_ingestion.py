"""ingestion: over-quota overflow table, BRIN on event time, person lookups

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ingestion_overflow",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("batch", JSON, nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("received_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_ingestion_overflow_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingestion_overflow")),
    )
    op.create_index(
        op.f("ix_ingestion_overflow_project_id"), "ingestion_overflow", ["project_id"], unique=False
    )
    # Events arrive roughly in time order, so on Postgres a BRIN index serves wide time-range
    # scans (retention jobs, cross-project maintenance) for a few pages instead of a B-tree.
    # SQLite ignores `postgresql_using` and gets a plain index, as the model declares.
    op.create_index("ix_events_timestamp_brin", "events", ["timestamp"], postgresql_using="brin")


def downgrade() -> None:
    op.drop_index("ix_events_timestamp_brin", table_name="events")
    op.drop_index(op.f("ix_ingestion_overflow_project_id"), table_name="ingestion_overflow")
    op.drop_table("ingestion_overflow")
