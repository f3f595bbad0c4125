"""Tenant scope: the ORM guard that filters every query on tenant-owned models.

A scope is entered once per request (after the principal's access is checked) or per
job. Queries touching tenant-owned models without a scope fail closed. `unscoped()` is
the one escape hatch for code that must cross tenants; grep for it.

On Postgres the scope is also enforced by the database (row-level security, migration
0016, docs/row-level-security.md): while a scope is active, every statement runs as the
`burrow_tenant` role (`burrow_tenant_org` for an organization-only scope) with the scope in
transaction-local settings, so raw SQL that forgets its tenant filter still sees only the
tenant's rows.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import ForeignKey, Table, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql import visitors


class TenantScopeError(RuntimeError):
    """A tenant-owned table was touched with no tenant scope: a bug, never user input."""


@dataclass(frozen=True)
class TenantScope:
    organization_id: uuid.UUID
    project_id: int | None = None


_scope: ContextVar[TenantScope | None] = ContextVar("burrow_tenant_scope", default=None)
_unscoped: ContextVar[bool] = ContextVar("burrow_unscoped", default=False)
_rls_exempt: ContextVar[bool] = ContextVar("burrow_rls_exempt", default=False)


class OrganizationOwned:
    """Rows owned by an organization."""

    @declared_attr
    def organization_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805
        return mapped_column(
            ForeignKey("organizations.id", ondelete="CASCADE"), index=True, nullable=False
        )


class ProjectOwned:
    """Rows owned by a project (all analytics data)."""

    @declared_attr
    def project_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(
            ForeignKey("projects.id", ondelete="CASCADE"), index=True, nullable=False
        )


def current_scope() -> TenantScope | None:
    return _scope.get()


def require_scope() -> TenantScope:
    scope = _scope.get()
    if scope is None:
        raise TenantScopeError("no tenant scope is set")
    return scope


def require_project_id() -> int:
    scope = require_scope()
    if scope.project_id is None:
        raise TenantScopeError("no project in the tenant scope")
    return scope.project_id


@contextmanager
def tenant_scope(organization_id: uuid.UUID, project_id: int | None = None) -> Iterator[None]:
    """Enter a tenant: every ORM query on tenant-owned models is filtered to it."""
    token = _scope.set(TenantScope(organization_id, project_id))
    try:
        yield
    finally:
        _scope.reset(token)


def set_request_scope(organization_id: uuid.UUID, project_id: int | None = None) -> None:
    """Enter a scope for the rest of the request (reset by the teardown handler)."""
    _scope.set(TenantScope(organization_id, project_id))


def clear_scope() -> None:
    _scope.set(None)
    _unscoped.set(False)


@contextmanager
def unscoped() -> Iterator[None]:
    """The one escape hatch: queries inside see every tenant. Use only where crossing is the job."""
    token = _unscoped.set(True)
    try:
        yield
    finally:
        _unscoped.reset(token)


@functools.cache
def _tenant_tables() -> dict[str, tuple[bool, bool]]:
    """Table name → (organization-owned, project-owned), from every mapped class."""
    from app.db import Base

    return {
        str(getattr(mapper.local_table, "name", "")): (
            issubclass(mapper.class_, OrganizationOwned),
            issubclass(mapper.class_, ProjectOwned),
        )
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, OrganizationOwned | ProjectOwned)
    }


def _tenant_mappers(state: ORMExecuteState) -> tuple[bool, bool]:
    """Which kinds of tenant tables the statement touches, anywhere in it.

    `all_mappers` only sees the top-level entities, so counts over select_from(Model) or
    subqueries are found by walking the statement for tables too.
    """
    org = proj = False
    for mapper in state.all_mappers:
        org = org or issubclass(mapper.class_, OrganizationOwned)
        proj = proj or issubclass(mapper.class_, ProjectOwned)
    if org and proj:
        return org, proj
    tables = _tenant_tables()
    for element in visitors.iterate(state.statement):  # type: ignore[arg-type]
        if isinstance(element, Table) and element.name in tables:
            is_org, is_proj = tables[element.name]
            org, proj = org or is_org, proj or is_proj
    return org, proj


def _criteria(scope: TenantScope) -> list[Any]:
    """Filters for every tenant-owned entity in a statement, wherever it appears in it."""
    org_id = scope.organization_id
    options: list[Any] = [
        with_loader_criteria(
            OrganizationOwned,
            lambda cls: cls.organization_id == org_id,
            include_aliases=True,
            track_closure_variables=True,
        )
    ]
    if scope.project_id is not None:
        project_id = scope.project_id
        options.append(
            with_loader_criteria(
                ProjectOwned,
                lambda cls: cls.project_id == project_id,
                include_aliases=True,
                track_closure_variables=True,
            )
        )
    return options


def _guard(state: ORMExecuteState) -> None:
    """Scope every ORM statement to the tenant; fail closed where no scope covers it.

    Inside a project scope both filters are added unconditionally (they only bind to
    tenant-owned entities), so the hot paths never walk the statement; the walk is needed
    only to decide whether to refuse a statement that a missing scope cannot cover.
    """
    if _unscoped.get() or not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return
    scope = _scope.get()
    if scope is None or scope.project_id is None:
        touches_org, touches_project = _tenant_mappers(state)
        if scope is None and (touches_org or touches_project):
            raise TenantScopeError("query on a tenant-owned model outside a tenant scope")
        if touches_project:
            raise TenantScopeError("query on a project-owned model outside a project scope")
        if scope is None or not touches_org:
            return
    state.statement = state.statement.options(*_criteria(scope))


def _stamp_on_attach(_session: Session, obj: object) -> None:
    """Rows take the scope active when they are added, so a later flush elsewhere is safe."""
    scope = _scope.get()
    if scope is None or _unscoped.get():
        return
    if isinstance(obj, OrganizationOwned):
        _stamp(obj, "organization_id", scope.organization_id)
    if isinstance(obj, ProjectOwned) and scope.project_id is not None:
        _stamp(obj, "project_id", scope.project_id)


def _check_new_rows(session: Session, _ctx: Any, _instances: Any) -> None:
    """Fail closed: a new tenant row must know its tenant, and match the scope if one is set."""
    scope = _scope.get()
    for obj in session.new:
        for mixin, attr in ((OrganizationOwned, "organization_id"), (ProjectOwned, "project_id")):
            if not isinstance(obj, mixin):
                continue
            if getattr(obj, attr, None) is None:
                raise TenantScopeError(f"{type(obj).__name__} created without a tenant")
            if scope is not None and not _unscoped.get():
                expected = scope.organization_id if attr == "organization_id" else scope.project_id
                if expected is not None and getattr(obj, attr) != expected:
                    raise TenantScopeError(f"{type(obj).__name__}.{attr} is another tenant's")


def _stamp(obj: object, attr: str, value: object) -> None:
    current = getattr(obj, attr, None)
    if current is None:
        setattr(obj, attr, value)
    elif current != value:
        raise TenantScopeError(f"{type(obj).__name__}.{attr} does not match the tenant scope")


def install_guard() -> None:
    """Register the ORM hooks on every Session (idempotent)."""
    if not event.contains(Session, "do_orm_execute", _guard):
        event.listen(Session, "do_orm_execute", _guard)
        event.listen(Session, "before_attach", _stamp_on_attach)
        event.listen(Session, "before_flush", _check_new_rows)


# --- Row-level security (Postgres) -------------------------------------------------------

RLS_ROLE = "burrow_tenant"  # a project in scope
RLS_ORG_ROLE = "burrow_tenant_org"  # an organization only: its projects' rows
_RLS_APPLIED = "burrow_rls_applied"  # key in the DBAPI connection's info: what is in effect
_RLS_READY = "burrow_rls_ready"  # key in the DBAPI connection's info: migration 0016 ran
_RLS_UNKNOWN = ("?", "?", "?")  # after a savepoint rollback: never equal to a real state
_RLS_SET = (
    "SELECT set_config('role', %s, true), set_config('burrow.organization_id', %s, true),"
    " set_config('burrow.project_id', %s, true)"
)


def _rls_target() -> tuple[str, str, str] | None:
    """The (role, organization, project) the database should enforce now; None: no RLS."""
    scope = _scope.get()
    if scope is None or _unscoped.get() or _rls_exempt.get():
        return None
    if scope.project_id is None:
        return RLS_ORG_ROLE, str(scope.organization_id), ""
    return RLS_ROLE, str(scope.organization_id), str(scope.project_id)


def _sync_rls(conn: Connection, dbapi_conn: Any) -> None:
    """Put the transaction in the current scope's RLS state if it is not there already.

    The settings are transaction-local (`set_config(..., true)`), so they end with the
    transaction; an idle connection (no transaction open) therefore has none in effect.
    Costs one round trip only when the state changes (normally once per transaction).
    """
    if not conn.info.get(_RLS_READY) or dbapi_conn.autocommit:
        # A schema before 0016; or no transaction to hold transaction-local settings (the
        # /flags person lookup connection, which names its project itself): sending them
        # would cost a round trip per statement and enforce nothing.
        return
    target = _rls_target()
    if dbapi_conn.info.transaction_status == TransactionStatus.IDLE:
        applied = None
    else:
        applied = conn.info.get(_RLS_APPLIED)
    if applied == target:
        return
    dbapi_conn.execute(_RLS_SET, target or ("none", "", ""))
    conn.info[_RLS_APPLIED] = target


def _before_cursor_execute(
    conn: Connection,
    cursor: Any,
    statement: str,
    _parameters: Any,
    _context: Any,
    _executemany: bool,
) -> None:
    if statement.startswith("ROLLBACK TO SAVEPOINT"):
        # It undoes settings made inside the savepoint: re-apply before the next statement.
        conn.info[_RLS_APPLIED] = _RLS_UNKNOWN
        return
    _sync_rls(conn, cursor.connection)


def _detect_rls(dbapi_conn: Any, record: Any) -> None:
    """Per new connection: is the schema at migration 0016 or later (policies, role grants)?

    Before it (an older database, or a test that migrates step by step) the role switch would
    only fail on missing grants, and there are no policies to enforce, so it is skipped.
    """
    row = dbapi_conn.execute(
        "SELECT to_regprocedure('burrow_rls_organization_projects()') IS NOT NULL"
    )
    record.info[_RLS_READY] = bool(row.fetchone()[0])
    dbapi_conn.rollback()


def install_rls(engine: Engine) -> None:
    """Enforce tenant scopes with Postgres row-level security on this engine (idempotent)."""
    if engine.dialect.name != "postgresql":
        return  # SQLite has no RLS; the ORM guard is the only layer there
    if not event.contains(engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(engine, "connect", _detect_rls)
        event.listen(engine, "before_cursor_execute", _before_cursor_execute)


@contextmanager
def rls_exempt(session: Session) -> Iterator[None]:
    """Run the block without the RLS role, for statements Postgres refuses under RLS.

    Only for writes whose tenant is fixed by the caller (ingestion's COPY FROM into
    `events`: every row carries the chunk's project id). The ORM guard still applies.
    Raw DBAPI cursors inside the block see the connecting role, so the state is applied
    now rather than at the next SQLAlchemy statement.
    """
    token = _rls_exempt.set(True)
    try:
        if session.get_bind().dialect.name == "postgresql":
            conn = session.connection()
            _sync_rls(conn, conn.connection.driver_connection)
        yield
    finally:
        _rls_exempt.reset(token)
