"""Structural checks: tenant ownership of every table, migrations match models, OpenAPI coverage."""

import uuid
import warnings

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import create_engine, select

import app.models
from app.db import Base, get_session
from app.openapi import openapi_path
from app.projects.models import Project
from app.tenancy import OrganizationOwned, ProjectOwned, TenantScopeError, tenant_scope, unscoped
from tests import servers


def test_every_table_is_tenant_owned_or_declared_global() -> None:
    offenders = []
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        table = mapper.local_table.name
        owned = issubclass(cls, OrganizationOwned | ProjectOwned)
        if owned == (table in app.models.GLOBAL_TABLES):
            offenders.append(table)
    assert offenders == [], "tables must be tenant-owned xor listed in GLOBAL_TABLES"


def test_guard_fails_closed_without_scope(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(TenantScopeError):
            get_session().scalars(select(Project)).all()
        with unscoped():
            assert get_session().scalars(select(Project)).all() == []


def test_guard_filters_to_the_scope(api) -> None:
    a = api.signup()
    b = api.signup()
    with api.app.app_context():
        with tenant_scope(uuid.UUID(a.organization_id)):
            ids = [p.id for p in get_session().scalars(select(Project))]
        assert ids == [a.project_id]
        # even an explicit filter on the other tenant's id finds nothing
        with tenant_scope(uuid.UUID(a.organization_id)):
            assert get_session().scalar(select(Project).where(Project.id == b.project_id)) is None
            assert get_session().get(Project, b.project_id) is None


def test_new_row_for_another_tenant_is_refused(api) -> None:
    a = api.signup()
    b = api.signup()
    from app.activity.models import ActivityLog

    with api.app.app_context(), tenant_scope(uuid.UUID(a.organization_id)):
        session = get_session()
        foreign = ActivityLog(organization_id=uuid.UUID(b.organization_id), action="x", scope="y")
        with pytest.raises(TenantScopeError):
            session.add(foreign)
            session.flush()
        session.rollback()


def _alembic(url: str) -> Config:
    cfg = Config("alembic.ini")
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def test_single_migration_head() -> None:
    heads = ScriptDirectory.from_config(_alembic("sqlite://")).get_heads()
    assert len(heads) == 1, f"several alembic heads: {heads}; add a merge revision"


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_upgrade_head_on_empty_db_matches_models(pg_server: str, tmp_path, dialect: str) -> None:
    if dialect == "postgresql":
        url, name = servers.create_database(pg_server)
    else:
        url, name = f"sqlite:///{tmp_path / 'm.db'}", ""
    try:
        command.upgrade(_alembic(url), "heads")
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn, warnings.catch_warnings():
            # expression indexes (lower(email)) cannot be reflected; they are checked by the
            # case-insensitive duplicate-email test instead
            warnings.filterwarnings("ignore", message=".*expression-based index.*")
            ctx = MigrationContext.configure(conn, opts={"compare_type": dialect == "postgresql"})
            diff = compare_metadata(ctx, Base.metadata)
        engine.dispose()
        assert diff == [], diff
        command.downgrade(_alembic(url), "base")
    finally:
        if name:
            servers.drop_database(pg_server, name)


def test_openapi_documents_every_route(app: Flask) -> None:
    doc = app.test_client().get("/api/schema/").get_json()
    assert doc["openapi"].startswith("3.1")
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        item = doc["paths"].get(openapi_path(rule.rule), {})
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            if method.lower() not in item:
                missing.append(f"{method} {rule.rule}")
    assert missing == []
    assert "Error" in doc["components"]["schemas"]


def test_guard_filters_counts_and_subqueries(api) -> None:
    from sqlalchemy import func

    a = api.signup()
    b = api.signup()
    api.post(b, f"/api/organizations/{b.organization_id}/projects/", {"name": "B2"})
    with api.app.app_context():
        session = get_session()
        with tenant_scope(uuid.UUID(a.organization_id)):
            assert session.scalar(select(func.count()).select_from(Project)) == 1
            sub = select(Project.id).subquery()
            assert session.scalar(select(func.count()).select_from(sub)) == 1
        with pytest.raises(TenantScopeError):
            session.scalar(select(func.count()).select_from(Project))
    listed = api.get(a, f"/api/organizations/{a.organization_id}/projects/").get_json()
    assert listed["count"] == 1
