"""row-level security on tenant-owned tables (defence in depth, tenancy.md point 6)

Two NOLOGIN roles are subject to the policies: `burrow_tenant` (a project in scope) and
`burrow_tenant_org` (an organization only). The app switches to one with a transaction-local
`set_config('role', ...)` whenever a tenant scope is active (app.tenancy), together with
`burrow.organization_id` / `burrow.project_id`. The connecting role (owner or
superuser) bypasses RLS, so unscoped work and the previous release are unaffected.
See docs/row-level-security.md. Postgres only: SQLite has no RLS.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-21 20:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("burrow_tenant", "burrow_tenant_org")
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
    "subscriptions",
)

# The scope as the policies see it: simple STABLE SQL functions, inlined by the planner. An
# absent or empty setting is NULL: nothing matches, the policies fail closed.
# With a project in scope the project tables' policy is a plain equality: next to the query's
# own `project_id = <id>` the planner merges both into one equivalence class, keeps the
# index condition on the constant (exact row estimates, same plans as without RLS) and checks
# the setting once per statement (a one-time filter). An `= ANY (<computed list>)` there would
# be estimated as an unknown list and shrink the estimates by up to the number of projects.
FUNCTIONS = """
CREATE FUNCTION burrow_rls_organization() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('burrow.organization_id', true), '')::uuid $$;

CREATE FUNCTION burrow_rls_project() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('burrow.project_id', true), '')::integer $$;

-- Organization-only scope: the organization's projects. Policies call it as a scalar
-- subquery, so it runs once per statement (an InitPlan), not per row.
CREATE FUNCTION burrow_rls_organization_projects() RETURNS integer[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT ARRAY(SELECT id FROM projects WHERE organization_id = burrow_rls_organization()) $$;
"""
FUNCTION_NAMES = (
    "burrow_rls_organization()",
    "burrow_rls_project()",
    "burrow_rls_organization_projects()",
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    for role in ROLES:
        # Roles are cluster-wide: another database of the cluster may have created it already.
        # The app's role must be a member to switch to it (superusers always are); in the
        # cloud the RDS master user creates and grants them (docs/operations.md, step 5).
        op.execute(
            f"""
            DO $$
            BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {role} NOLOGIN NOINHERIT NOBYPASSRLS;
              END IF;
              IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
                EXECUTE format('GRANT {role} TO %I', current_user);
              END IF;
            END $$
            """  # noqa: S608 - constants
        )
        op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
        op.execute(f"REVOKE ALL ON alembic_version FROM {role}")
        op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}")
        # Tables of later migrations (created by the same migrating role) get the same grants.
        op.execute(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
        )
        op.execute(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}"
        )
    op.execute(FUNCTIONS)
    for name in FUNCTION_NAMES:
        op.execute(f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {name} TO {', '.join(ROLES)}")
    org = "organization_id = burrow_rls_organization()"
    for table in ORGANIZATION_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        _policy(table, ", ".join(ROLES), org)
    in_org = "project_id = ANY ((SELECT burrow_rls_organization_projects())::integer[])"
    for table in PROJECT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        _policy(table, "burrow_tenant", "project_id = burrow_rls_project()")
        _policy(table, "burrow_tenant_org", in_org, suffix="_org")


def _policy(table: str, roles: str, predicate: str, suffix: str = "") -> None:
    op.execute(
        f"CREATE POLICY {POLICY}{suffix} ON {table} AS PERMISSIVE FOR ALL TO {roles} "
        f"USING ({predicate}) WITH CHECK ({predicate})"
    )


def downgrade() -> None:
    if not _postgres():
        return
    for table in ORGANIZATION_TABLES + PROJECT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"DROP POLICY IF EXISTS {POLICY}_org ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for name in FUNCTION_NAMES:
        op.execute(f"DROP FUNCTION IF EXISTS {name}")
    for role in ROLES:
        op.execute(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {role}"
        )
        op.execute(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"REVOKE USAGE, SELECT, UPDATE ON SEQUENCES FROM {role}"
        )
        op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
        op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}")
        op.execute(f"REVOKE ALL ON SCHEMA public FROM {role}")
        # The role is cluster-wide: keep it while another database still grants it anything.
        op.execute(
            f"""
            DO $$
            BEGIN
              DROP ROLE {role};
            EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
              RAISE NOTICE 'role {role} kept: still used elsewhere in the cluster';
            END $$
            """
        )
