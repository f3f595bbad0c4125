"""sharing links for dashboards: a sharing configuration targets an insight or a dashboard

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-21 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "sharing_configurations"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column("insight_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("dashboard_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_sharing_configurations_dashboard_id_dashboards"),
            "dashboards",
            ["dashboard_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_sharing_configurations_dashboard_id"), ["dashboard_id"])
        batch.create_check_constraint(
            op.f("ck_sharing_configurations_one_target"),
            "(insight_id IS NULL) <> (dashboard_id IS NULL)",
        )


def downgrade() -> None:
    op.execute("DELETE FROM sharing_configurations WHERE insight_id IS NULL")
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(op.f("ck_sharing_configurations_one_target"), type_="check")
        batch.drop_index(op.f("ix_sharing_configurations_dashboard_id"))
        batch.drop_constraint(
            op.f("fk_sharing_configurations_dashboard_id_dashboards"), type_="foreignkey"
        )
        batch.drop_column("dashboard_id")
        batch.alter_column("insight_id", existing_type=sa.Integer(), nullable=False)
