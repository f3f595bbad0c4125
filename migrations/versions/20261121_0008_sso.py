"""sso

Revision ID: 0008
Revises: 0002
Create Date: 2026-11-21 14:55:33.060644
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sso_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("verified_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_checked_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("check_failures", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_sso_domains_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_domains")),
        sa.UniqueConstraint(
            "organization_id", "domain", name=op.f("uq_sso_domains_organization_id_domain")
        ),
    )
    op.create_index(op.f("ix_sso_domains_domain"), "sso_domains", ["domain"], unique=False)
    op.create_index(
        op.f("ix_sso_domains_organization_id"), "sso_domains", ["organization_id"], unique=False
    )
    op.create_index(
        "uq_sso_domains_verified_domain",
        "sso_domains",
        ["domain"],
        unique=True,
        postgresql_where=sa.text("verified_at IS NOT NULL"),
        sqlite_where=sa.text("verified_at IS NOT NULL"),
    )
    op.create_table(
        "sso_identities",
        sa.Column("idp_entity_id", sa.String(length=1024), nullable=False),
        sa.Column("name_id", sa.String(length=1024), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("last_login_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_sso_identities_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sso_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_identities")),
        sa.UniqueConstraint(
            "organization_id",
            "idp_entity_id",
            "name_id",
            name=op.f("uq_sso_identities_organization_id_idp_entity_id_name_id"),
        ),
    )
    op.create_index(
        op.f("ix_sso_identities_organization_id"),
        "sso_identities",
        ["organization_id"],
        unique=False,
    )
    op.create_index(op.f("ix_sso_identities_user_id"), "sso_identities", ["user_id"], unique=False)
    op.create_table(
        "sso_saml_configs",
        sa.Column("idp_entity_id", sa.String(length=1024), nullable=False),
        sa.Column("idp_sso_url", sa.String(length=2048), nullable=False),
        sa.Column(
            "idp_certs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "attribute_mapping",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("default_level", sa.Integer(), nullable=False),
        sa.Column("allow_idp_initiated", sa.Boolean(), nullable=False),
        sa.Column("jit_enabled", sa.Boolean(), nullable=False),
        sa.Column("enforce_sso", sa.Boolean(), nullable=False),
        sa.Column("enforced_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("break_glass_user_id", sa.Uuid(), nullable=True),
        sa.Column("admin_login_verified_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("enforcement_grace_until", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["break_glass_user_id"],
            ["users.id"],
            name=op.f("fk_sso_saml_configs_break_glass_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_sso_saml_configs_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_saml_configs")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_sso_saml_configs_organization_id")),
    )
    op.create_index(
        op.f("ix_sso_saml_configs_organization_id"),
        "sso_saml_configs",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "sso_saml_requests",
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("relay_path", sa.Text(), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_sso_saml_requests_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_sso_saml_requests")),
    )
    op.create_index(
        op.f("ix_sso_saml_requests_organization_id"),
        "sso_saml_requests",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "sso_saml_seen_assertions",
        sa.Column("assertion_id", sa.String(length=256), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_sso_saml_seen_assertions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_saml_seen_assertions")),
        sa.UniqueConstraint(
            "organization_id",
            "assertion_id",
            name=op.f("uq_sso_saml_seen_assertions_organization_id_assertion_id"),
        ),
    )
    op.create_index(
        op.f("ix_sso_saml_seen_assertions_expires_at"),
        "sso_saml_seen_assertions",
        ["expires_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_sso_saml_seen_assertions_organization_id"),
        "sso_saml_seen_assertions",
        ["organization_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_sso_saml_seen_assertions_organization_id"), table_name="sso_saml_seen_assertions"
    )
    op.drop_index(
        op.f("ix_sso_saml_seen_assertions_expires_at"), table_name="sso_saml_seen_assertions"
    )
    op.drop_table("sso_saml_seen_assertions")
    op.drop_index(op.f("ix_sso_saml_requests_organization_id"), table_name="sso_saml_requests")
    op.drop_table("sso_saml_requests")
    op.drop_index(op.f("ix_sso_saml_configs_organization_id"), table_name="sso_saml_configs")
    op.drop_table("sso_saml_configs")
    op.drop_index(op.f("ix_sso_identities_user_id"), table_name="sso_identities")
    op.drop_index(op.f("ix_sso_identities_organization_id"), table_name="sso_identities")
    op.drop_table("sso_identities")
    op.drop_index(
        "uq_sso_domains_verified_domain",
        table_name="sso_domains",
        postgresql_where=sa.text("verified_at IS NOT NULL"),
        sqlite_where=sa.text("verified_at IS NOT NULL"),
    )
    op.drop_index(op.f("ix_sso_domains_organization_id"), table_name="sso_domains")
    op.drop_index(op.f("ix_sso_domains_domain"), table_name="sso_domains")
    op.drop_table("sso_domains")
