"""merge domain branches

Revision ID: 0011
Revises: 0003, 0004, 0006, 0007, 0008, 0009, 0010
Create Date: 2026-11-21 15:27:52.328410
"""

from collections.abc import Sequence

revision: str = "0011"
down_revision: str | Sequence[str] | None = ("0003", "0004", "0006", "0007", "0008", "0009", "0010")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A merge point only: the domain branches were developed in parallel; no schema change.
    pass


def downgrade() -> None:
    # Nothing to undo: downgrading past this revision splits back into the domain branches.
    pass
