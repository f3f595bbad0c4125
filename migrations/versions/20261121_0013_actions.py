"""actions (saved OR-lists of event matchers used as insight series); insight sharing links

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-21 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("steps", JSON, nullable=False),
        sa.Column("post_to_slack", sa.Boolean(), nullable=False),
        sa.Column("slack_message_format", sa.String(length=1200), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_actions_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    op.create_index(op.f("ix_actions_project_id"), "actions", ["project_id"], unique=False)
    op.create_table(
        "sharing_configurations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("insight_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("access_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["insight_id"],
            ["insights.id"],
            name=op.f("fk_sharing_configurations_insight_id_insights"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_sharing_configurations_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_configurations")),
        sa.UniqueConstraint("access_token", name=op.f("uq_sharing_configurations_access_token")),
    )
    for column in ("insight_id", "project_id"):
        op.create_index(
            op.f(f"ix_sharing_configurations_{column}"), "sharing_configurations", [column]
        )


def downgrade() -> None:
    for column in ("insight_id", "project_id"):
        op.drop_index(
            op.f(f"ix_sharing_configurations_{column}"), table_name="sharing_configurations"
        )
    op.drop_table("sharing_configurations")
    op.drop_index(op.f("ix_actions_project_id"), table_name="actions")
    op.drop_table("actions")
