"""insights and dashboards; the safe timestamp cast used by property filters

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-21 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# NULL instead of an error for unparsable values (PostHog's best-effort date parse).
_TS_FUNCTION = """
CREATE OR REPLACE FUNCTION burrow_to_timestamptz(value text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF value IS NULL OR value !~ '^\\s*\\d{4}-\\d{2}-\\d{2}' THEN
        RETURN NULL;
    END IF;
    RETURN value::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END;
$$
"""


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"], ["projects.id"], name=f"fk_{table}_project_id_projects", ondelete="CASCADE"
    )


def _stamp(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, app.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "insights",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("short_id", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("query", JSON, nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("favorited", sa.Boolean(), nullable=False),
        sa.Column("saved", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        _stamp("created_at"),
        _stamp("last_modified_at"),
        sa.Column("project_id", sa.Integer(), nullable=False),
        _project_fk("insights"),
        sa.PrimaryKeyConstraint("id", name="pk_insights"),
        sa.UniqueConstraint("project_id", "short_id", name="uq_insights_project_id_short_id"),
    )
    op.create_index("ix_insights_project_id", "insights", ["project_id"])
    op.create_table(
        "dashboards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("filters", JSON, nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        _stamp("created_at"),
        sa.Column("project_id", sa.Integer(), nullable=False),
        _project_fk("dashboards"),
        sa.PrimaryKeyConstraint("id", name="pk_dashboards"),
    )
    op.create_index("ix_dashboards_project_id", "dashboards", ["project_id"])
    op.create_table(
        "dashboard_tiles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dashboard_id", sa.Integer(), nullable=False),
        sa.Column("insight_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("layouts", JSON, nullable=False),
        sa.Column("color", sa.String(length=40), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=False),
        _project_fk("dashboard_tiles"),
        sa.ForeignKeyConstraint(
            ["dashboard_id"],
            ["dashboards.id"],
            name="fk_dashboard_tiles_dashboard_id_dashboards",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["insight_id"],
            ["insights.id"],
            name="fk_dashboard_tiles_insight_id_insights",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_dashboard_tiles"),
    )
    op.create_index("ix_dashboard_tiles_project_id", "dashboard_tiles", ["project_id"])
    op.create_index("ix_dashboard_tiles_dashboard_id", "dashboard_tiles", ["dashboard_id"])
    op.create_index("ix_dashboard_tiles_insight_id", "dashboard_tiles", ["insight_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_TS_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS burrow_to_timestamptz(text)")
    op.drop_table("dashboard_tiles")
    op.drop_table("dashboards")
    op.drop_table("insights")
