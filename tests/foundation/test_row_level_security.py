"""Postgres row-level security: inside a tenant scope, SQL that forgets its filter sees only
the tenant's rows, and writes without a WHERE cannot touch another tenant's rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from app.db import get_session
from app.feature_flags.models import FeatureFlag
from app.insights.models import Insight
from app.tenancy import _tenant_tables, tenant_scope, unscoped
from tests.helpers import Api
from tests.query.data import Data, make_project


@dataclass
class Tenants:
    org_a: uuid.UUID
    a1: int  # org A's signup project
    a2: int  # a second project of org A
    org_b: uuid.UUID
    b1: int


@pytest.fixture
def tenants(api: Api) -> Tenants:
    a = api.signup()
    b = api.signup()
    _, a2 = make_project(api)  # the helper's account is a third organization: move it
    with api.app.app_context(), unscoped():
        session = get_session()
        session.execute(
            text("UPDATE projects SET organization_id = :org WHERE id = :id"),
            {"org": a.organization_id, "id": a2},
        )
        session.commit()
    t = Tenants(
        uuid.UUID(a.organization_id), a.project_id, a2, uuid.UUID(b.organization_id), b.project_id
    )
    for org, project, tag in ((t.org_a, t.a1, "a1"), (t.org_a, t.a2, "a2"), (t.org_b, t.b1, "b1")):
        Data(app=api.app, project_id=project).person(f"{tag}-p", name=tag).event(
            "$pageview", f"{tag}-p", "2026-11-01Z"
        ).save()
        with api.app.app_context(), tenant_scope(org, project):
            session = get_session()
            session.add(FeatureFlag(key=f"flag-{tag}", name=tag))
            session.add(Insight(short_id=uuid.uuid4().hex[:12], name=tag))
            session.commit()
    return t


PROJECT_TABLES = ("events", "persons", "person_distinct_ids", "feature_flags", "insights")


def _projects_seen(table: str) -> set[int]:
    rows = get_session().execute(text(f"SELECT project_id FROM {table}"))  # noqa: S608
    return {r[0] for r in rows}


def _all(app: Flask, sql: str) -> set[object]:
    with app.app_context(), unscoped():
        return {r[0] for r in get_session().execute(text(sql))}


def test_every_tenant_table_has_a_policy(app: Flask) -> None:
    with app.app_context(), unscoped():
        rows = get_session().execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
                "WHERE c.relrowsecurity AND p.polname = 'tenant_isolation'"
            )
        )
        protected = {r[0] for r in rows}
    assert set(_tenant_tables()) - protected == set()


def test_forgotten_filter_in_a_project_scope_sees_only_that_project(
    app: Flask, tenants: Tenants
) -> None:
    everything = _all(app, "SELECT project_id FROM events")
    assert {tenants.a1, tenants.a2, tenants.b1} <= everything  # the rows exist
    with app.app_context(), tenant_scope(tenants.org_a, tenants.a1):
        for table in PROJECT_TABLES:
            assert _projects_seen(table) == {tenants.a1}, table
        session = get_session()
        orgs = {r[0] for r in session.execute(text("SELECT organization_id FROM projects"))}
        assert orgs == {tenants.org_a}
        members = session.execute(text("SELECT organization_id FROM memberships"))
        assert {r[0] for r in members} == {tenants.org_a}
        names = session.execute(text("SELECT name FROM feature_flags")).scalars().all()
        assert names == ["a1"]


def test_forgotten_filter_in_an_organization_scope_sees_the_organizations_projects(
    app: Flask, tenants: Tenants
) -> None:
    with app.app_context(), tenant_scope(tenants.org_a):
        for table in PROJECT_TABLES:
            assert _projects_seen(table) == {tenants.a1, tenants.a2}, table
        ids = get_session().execute(text("SELECT id FROM projects")).scalars().all()
        assert set(ids) == {tenants.a1, tenants.a2}
    with app.app_context(), tenant_scope(tenants.org_b):
        assert _projects_seen("events") == {tenants.b1}


@pytest.mark.parametrize("project_scope", [True, False])
def test_update_and_delete_without_where_leave_other_tenants_alone(
    app: Flask, tenants: Tenants, project_scope: bool
) -> None:
    project = tenants.a1 if project_scope else None
    mine = {tenants.a1} if project_scope else {tenants.a1, tenants.a2}
    with app.app_context(), tenant_scope(tenants.org_a, project):
        session = get_session()
        updated = session.execute(text("UPDATE feature_flags SET name = 'hijacked'"))
        assert getattr(updated, "rowcount", None) == len(mine)
        session.execute(text("DELETE FROM insights"))
        session.execute(text("DELETE FROM events"))
        session.execute(text("UPDATE projects SET name = 'hijacked'"))
        session.commit()
    flags = _all(app, "SELECT project_id || ':' || name FROM feature_flags")
    assert flags == {f"{p}:hijacked" for p in mine} | {
        f"{p}:{tag}"
        for p, tag in ((tenants.a1, "a1"), (tenants.a2, "a2"), (tenants.b1, "b1"))
        if p not in mine
    }
    left = {tenants.a1, tenants.a2, tenants.b1} - mine
    assert _all(app, "SELECT project_id FROM insights") == left
    assert _all(app, "SELECT project_id FROM events") == left
    assert _all(app, f"SELECT name FROM projects WHERE id = {tenants.b1}") != {"hijacked"}


def test_insert_for_another_tenant_is_refused(app: Flask, tenants: Tenants) -> None:
    with app.app_context(), tenant_scope(tenants.org_a, tenants.a1):
        session = get_session()
        with pytest.raises(ProgrammingError, match="row-level security"):
            session.execute(
                text(
                    "INSERT INTO feature_flags (key, name, filters, active, deleted, "
                    "ensure_experience_continuity, evaluation_runtime, is_remote_configuration, "
                    "tags, version, project_id, created_at, updated_at) "
                    "SELECT 'sneaky', '', '{}', true, false, false, 'all', false, '[]', 1, "
                    ":p, now(), now()"
                ),
                {"p": tenants.b1},
            )
        session.rollback()
        with pytest.raises(ProgrammingError, match="row-level security"):
            session.execute(text("UPDATE feature_flags SET project_id = :p"), {"p": tenants.b1})
        session.rollback()
    assert "sneaky" not in _all(app, "SELECT key FROM feature_flags")
    assert _all(app, f"SELECT name FROM feature_flags WHERE project_id = {tenants.b1}") == {"b1"}


def test_scope_changes_inside_one_transaction_follow_the_scope(
    app: Flask, tenants: Tenants
) -> None:
    """The settings are per transaction; entering, leaving and changing scopes mid-transaction
    (as requests do: unscoped lookups, then the tenant) must re-apply them each time."""
    with app.app_context():
        session = get_session()
        with unscoped():
            assert {tenants.a1, tenants.b1} <= _projects_seen("events")
        with tenant_scope(tenants.org_a, tenants.a1):
            assert _projects_seen("events") == {tenants.a1}
            with unscoped():  # the escape hatch still crosses tenants
                assert {tenants.a1, tenants.a2, tenants.b1} <= _projects_seen("events")
            assert _projects_seen("events") == {tenants.a1}
        with tenant_scope(tenants.org_b, tenants.b1):
            assert _projects_seen("events") == {tenants.b1}
        with unscoped():
            role = session.execute(text("SELECT current_user")).scalar_one()
            assert role not in ("burrow_tenant", "burrow_tenant_org")
        session.commit()


def test_a_rolled_back_savepoint_does_not_drop_the_scope(app: Flask, tenants: Tenants) -> None:
    """Settings made inside a savepoint are undone by its rollback; they must be re-applied."""
    with app.app_context(), tenant_scope(tenants.org_a, tenants.a1):
        session = get_session()
        with unscoped():
            session.execute(text("SELECT 1"))  # a transaction with no role in effect
            nested = session.begin_nested()
            session.execute(text("SELECT 1"))  # the SAVEPOINT is emitted here, still no role
        assert _projects_seen("events") == {tenants.a1}  # applied inside the savepoint
        nested.rollback()  # ... and undone by Postgres here
        assert _projects_seen("events") == {tenants.a1}
        session.rollback()


def test_ingestion_copy_still_stores_events_under_a_scope(app: Flask, tenants: Tenants) -> None:
    """COPY FROM is refused under RLS; the store runs it as the connecting role."""
    Data(app, tenants.a1).event("copied", "someone", "2026-11-03Z").save()
    assert "copied" in _all(app, "SELECT event FROM events")
