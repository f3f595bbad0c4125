"""insights and dashboards; the safe timestamp cast used by property filters

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-21 15:30:00
"""

from collections.abc import Sequence

from alembic import op

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


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_TS_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS burrow_to_timestamptz(text)")
