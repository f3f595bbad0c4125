"""permissions_roles_audit: project and resource grants, custom roles, service accounts, audit settings

Revision ID: 0010
Revises: 0002
Create Date: 2026-11-21 15:07:41.131463
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_key_seen_ips",
        sa.Column("key_kind", sa.String(length=20), nullable=False),
        sa.Column("key_id", sa.Uuid(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key_seen_ips")),
        sa.UniqueConstraint("key_id", "ip", name=op.f("uq_api_key_seen_ips_key_id_ip")),
    )
    op.create_index(
        op.f("ix_api_key_seen_ips_key_id"), "api_key_seen_ips", ["key_id"], unique=False
    )
    op.create_table(
        "audit_settings",
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_audit_settings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_settings")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_audit_settings_organization_id")),
    )
    op.create_index(
        op.f("ix_audit_settings_organization_id"),
        "audit_settings",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "roles",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_roles_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint("organization_id", "name", name=op.f("uq_roles_organization_id_name")),
    )
    op.create_index(op.f("ix_roles_organization_id"), "roles", ["organization_id"], unique=False)
    op.create_table(
        "service_accounts",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column(
            "project_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_service_accounts_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_service_accounts_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_accounts")),
    )
    op.create_index(
        op.f("ix_service_accounts_organization_id"),
        "service_accounts",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "project_grants",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("role_id", sa.Uuid(), nullable=True),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (role_id IS NULL)", name=op.f("ck_project_grants_one_grantee")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_project_grants_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_grants_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.id"],
            name=op.f("fk_project_grants_role_id_roles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_project_grants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_grants")),
    )
    op.create_index(
        op.f("ix_project_grants_organization_id"),
        "project_grants",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "ix_project_grants_project_role", "project_grants", ["project_id", "role_id"], unique=True
    )
    op.create_index(
        "ix_project_grants_project_user", "project_grants", ["project_id", "user_id"], unique=True
    )
    op.create_index(op.f("ix_project_grants_role_id"), "project_grants", ["role_id"], unique=False)
    op.create_index(op.f("ix_project_grants_user_id"), "project_grants", ["user_id"], unique=False)
    op.create_table(
        "resource_grants",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("resource_kind", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("role_id", sa.Uuid(), nullable=True),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (role_id IS NULL)", name=op.f("ck_resource_grants_one_grantee")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_resource_grants_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_resource_grants_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.id"],
            name=op.f("fk_resource_grants_role_id_roles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_resource_grants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_grants")),
    )
    op.create_index(
        op.f("ix_resource_grants_organization_id"),
        "resource_grants",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "ix_resource_grants_project_kind",
        "resource_grants",
        ["project_id", "resource_kind"],
        unique=False,
    )
    op.create_index(
        op.f("ix_resource_grants_role_id"), "resource_grants", ["role_id"], unique=False
    )
    op.create_index(
        op.f("ix_resource_grants_user_id"), "resource_grants", ["user_id"], unique=False
    )
    op.create_table(
        "role_memberships",
        sa.Column("role_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_role_memberships_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.id"],
            name=op.f("fk_role_memberships_role_id_roles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_role_memberships_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_memberships")),
        sa.UniqueConstraint("role_id", "user_id", name=op.f("uq_role_memberships_role_id_user_id")),
    )
    op.create_index(
        op.f("ix_role_memberships_organization_id"),
        "role_memberships",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_role_memberships_role_id"), "role_memberships", ["role_id"], unique=False
    )
    op.create_index(
        op.f("ix_role_memberships_user_id"), "role_memberships", ["user_id"], unique=False
    )
    op.create_table(
        "service_account_keys",
        sa.Column("service_account_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("secure_value", sa.String(length=64), nullable=False),
        sa.Column("mask_value", sa.String(length=12), nullable=False),
        sa.Column(
            "scopes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "scoped_projects",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_rolled_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_service_account_keys_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_account_id"],
            ["service_accounts.id"],
            name=op.f("fk_service_account_keys_service_account_id_service_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_account_keys")),
        sa.UniqueConstraint("secure_value", name=op.f("uq_service_account_keys_secure_value")),
    )
    op.create_index(
        op.f("ix_service_account_keys_organization_id"),
        "service_account_keys",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_service_account_keys_service_account_id"),
        "service_account_keys",
        ["service_account_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_service_account_keys_service_account_id"), table_name="service_account_keys"
    )
    op.drop_index(
        op.f("ix_service_account_keys_organization_id"), table_name="service_account_keys"
    )
    op.drop_table("service_account_keys")
    op.drop_index(op.f("ix_role_memberships_user_id"), table_name="role_memberships")
    op.drop_index(op.f("ix_role_memberships_role_id"), table_name="role_memberships")
    op.drop_index(op.f("ix_role_memberships_organization_id"), table_name="role_memberships")
    op.drop_table("role_memberships")
    op.drop_index(op.f("ix_resource_grants_user_id"), table_name="resource_grants")
    op.drop_index(op.f("ix_resource_grants_role_id"), table_name="resource_grants")
    op.drop_index("ix_resource_grants_project_kind", table_name="resource_grants")
    op.drop_index(op.f("ix_resource_grants_organization_id"), table_name="resource_grants")
    op.drop_table("resource_grants")
    op.drop_index(op.f("ix_project_grants_user_id"), table_name="project_grants")
    op.drop_index(op.f("ix_project_grants_role_id"), table_name="project_grants")
    op.drop_index("ix_project_grants_project_user", table_name="project_grants")
    op.drop_index("ix_project_grants_project_role", table_name="project_grants")
    op.drop_index(op.f("ix_project_grants_organization_id"), table_name="project_grants")
    op.drop_table("project_grants")
    op.drop_index(op.f("ix_service_accounts_organization_id"), table_name="service_accounts")
    op.drop_table("service_accounts")
    op.drop_index(op.f("ix_roles_organization_id"), table_name="roles")
    op.drop_table("roles")
    op.drop_index(op.f("ix_audit_settings_organization_id"), table_name="audit_settings")
    op.drop_table("audit_settings")
    op.drop_index(op.f("ix_api_key_seen_ips_key_id"), table_name="api_key_seen_ips")
    op.drop_table("api_key_seen_ips")
