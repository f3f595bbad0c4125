"""telemetry_instance: instance-wide settings and the record of sent telemetry

Revision ID: 0009
Revises: 0002
Create Date: 2026-11-21 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "instance_settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", JSON, nullable=True),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_instance_settings")),
    )
    op.create_table(
        "telemetry_sent",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report", sa.String(length=20), nullable=False),
        sa.Column("sent_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_sent")),
    )
    with op.batch_alter_table("telemetry_sent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telemetry_sent_report"), ["report"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("telemetry_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telemetry_sent_report"))
    op.drop_table("telemetry_sent")
    op.drop_table("instance_settings")
