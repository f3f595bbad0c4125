"""row-level security on tenant-owned tables (defence in depth, tenancy.md point 6)

A NOLOGIN role `burrow_tenant` is subject to the policies; the app switches to it with a
transaction-local `set_config('role', ...)` whenever a tenant scope is active (app.tenancy),
together with `burrow.organization_id` / `burrow.project_id`. The connecting role (owner or
superuser) bypasses RLS, so unscoped work and the previous release are unaffected.
See docs/row-level-security.md. Postgres only: SQLite has no RLS.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-21 20:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "burrow_tenant"
POLICY = "tenant_isolation"

# Frozen copies of the OrganizationOwned / ProjectOwned tables at this revision;
# tests/foundation/test_row_level_security.py checks that every mapped tenant table has RLS.
ORGANIZATION_TABLES = (
    "activity_log",
    "audit_settings",
    "billing_accounts",
    "billing_allowance_states",
    "billing_subscriptions",
    "billing_usage_records",
    "invites",
    "memberships",
    "project_grants",
    "projects",
    "resource_grants",
    "role_memberships",
    "roles",
    "service_account_keys",
    "service_accounts",
    "sso_domains",
    "sso_identities",
    "sso_saml_configs",
    "sso_saml_requests",
    "sso_saml_seen_assertions",
)
PROJECT_TABLES = (
    "actions",
    "cohort_people",
    "cohorts",
    "dashboard_tiles",
    "dashboards",
    "event_definitions",
    "events",
    "experiment_holdouts",
    "experiments",
    "feature_flag_hash_key_overrides",
    "feature_flag_versions",
    "feature_flags",
    "group_type_mappings",
    "groups",
    "ingestion_overflow",
    "insights",
    "person_distinct_ids",
    "person_overrides",
    "persons",
    "property_definitions",
    "sharing_configurations",
)

# The scope as the policies see it. Inlined (simple STABLE SQL), so `organization_id =
# burrow_rls_organization()` is an ordinary index condition. An absent or empty setting is
# NULL: nothing matches, the policies fail closed.
FUNCTIONS = """
CREATE FUNCTION burrow_rls_organization() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('burrow.organization_id', true), '')::uuid $$;

-- The projects in scope: the scoped project, or every project of the scoped organization.
-- Policies call it as a scalar subquery, so it runs once per statement (an InitPlan) and
-- `project_id = ANY (...)` is an index condition.
CREATE FUNCTION burrow_rls_projects() RETURNS integer[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN NULLIF(current_setting('burrow.project_id', true), '') IS NOT NULL
      THEN ARRAY[current_setting('burrow.project_id', true)::integer]
    ELSE ARRAY(SELECT id FROM projects WHERE organization_id = burrow_rls_organization())
  END
$$;

REVOKE ALL ON FUNCTION burrow_rls_organization() FROM PUBLIC;
REVOKE ALL ON FUNCTION burrow_rls_projects() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION burrow_rls_organization() TO burrow_tenant;
GRANT EXECUTE ON FUNCTION burrow_rls_projects() TO burrow_tenant;
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    # Roles are cluster-wide: another database of the cluster may have created it already.
    op.execute(
        """
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'burrow_tenant') THEN
            CREATE ROLE burrow_tenant NOLOGIN NOINHERIT NOBYPASSRLS;
          END IF;
          -- The app's role must be a member to switch to it (superusers always are). In the
          -- cloud the RDS master user creates and grants it (docs/operations.md, step 5).
          IF NOT pg_has_role(current_user, 'burrow_tenant', 'MEMBER') THEN
            EXECUTE format('GRANT burrow_tenant TO %I', current_user);
          END IF;
        END $$
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE}")
    op.execute(f"REVOKE ALL ON alembic_version FROM {ROLE}")
    op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
    # Tables of later migrations (created by the same migrating role) get the same grants.
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {ROLE}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {ROLE}"
    )
    op.execute(FUNCTIONS)
    for table in ORGANIZATION_TABLES:
        _protect(table, "organization_id = burrow_rls_organization()")
    for table in PROJECT_TABLES:
        _protect(table, "project_id = ANY ((SELECT burrow_rls_projects())::integer[])")


def _protect(table: str, predicate: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {POLICY} ON {table} AS PERMISSIVE FOR ALL TO {ROLE} "
        f"USING ({predicate}) WITH CHECK ({predicate})"
    )


def downgrade() -> None:
    if not _postgres():
        return
    for table in ORGANIZATION_TABLES + PROJECT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION IF EXISTS burrow_rls_projects()")
    op.execute("DROP FUNCTION IF EXISTS burrow_rls_organization()")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {ROLE}"
    )
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE USAGE, SELECT, UPDATE ON SEQUENCES FROM {ROLE}"
    )
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE ALL ON SCHEMA public FROM {ROLE}")
    # The role is cluster-wide: keep it while another database still grants it anything.
    op.execute(
        f"""
        DO $$
        BEGIN
          DROP ROLE {ROLE};
        EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
          RAISE NOTICE 'role {ROLE} kept: still used elsewhere in the cluster';
        END $$
        """
    )
