"""Dashboards: CRUD, tiles, and tile results through the insight cache."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select

from app.activity import service as activity
from app.dashboards.filters import apply_dashboard_filters
from app.dashboards.models import Dashboard, DashboardTile
from app.db import get_session, utcnow
from app.errors import NotFound, ValidationError
from app.insights import service as insights
from app.insights.models import Insight
from app.query import cache
from app.query.base import QueryContext, QueryError
from app.query.execution import execute_query

_FIELDS = ("name", "description", "tags", "filters", "pinned")
FORCED = {"force_async", "force_blocking"}


def _snapshot(d: Dashboard) -> dict[str, Any]:
    return {f: getattr(d, f) for f in _FIELDS}


def list_dashboards() -> Select[Dashboard]:
    return select(Dashboard).where(Dashboard.deleted.is_(False)).order_by(Dashboard.id)


def get_dashboard(dashboard_id: int) -> Dashboard:
    """The dashboard of the current project, or NotFound (also for other tenants' ids)."""
    found = (
        get_session()
        .scalars(
            select(Dashboard).where(Dashboard.id == dashboard_id, Dashboard.deleted.is_(False))
        )
        .first()
    )
    if found is None:
        raise NotFound("Dashboard not found.")
    return found


def tiles_of(dashboard: Dashboard) -> list[DashboardTile]:
    stmt = select(DashboardTile).where(DashboardTile.dashboard_id == dashboard.id)
    return list(get_session().scalars(stmt.order_by(DashboardTile.id)))


def _set_tiles(dashboard: Dashboard, tiles: list[dict[str, Any]]) -> None:
    session = get_session()
    session.execute(delete(DashboardTile).where(DashboardTile.dashboard_id == dashboard.id))
    for tile in tiles:
        if tile.get("insight_id") is None and tile.get("text") is None:
            raise ValidationError("A tile needs an insight_id or a text.", attr="tiles")
        if tile.get("insight_id") is not None:
            try:
                insights.get_insight(int(tile["insight_id"]))
            except NotFound as exc:
                raise ValidationError("Unknown insight in tiles.", attr="tiles") from exc
        session.add(DashboardTile(dashboard_id=dashboard.id, **tile))


def create_dashboard(
    *, fields: dict[str, Any], tiles: list[dict[str, Any]], created_by_id: uuid.UUID | None
) -> Dashboard:
    dashboard = Dashboard(**fields, created_by_id=created_by_id)
    session = get_session()
    session.add(dashboard)
    session.flush()
    _set_tiles(dashboard, tiles)
    activity.record(
        action="created",
        scope="Dashboard",
        item_id=dashboard.id,
        name=dashboard.name,
        project_id=dashboard.project_id,
    )
    return dashboard


def update_dashboard(
    dashboard: Dashboard, *, fields: dict[str, Any], tiles: list[dict[str, Any]] | None
) -> Dashboard:
    before = _snapshot(dashboard)
    for name, value in fields.items():
        setattr(dashboard, name, value)
    if tiles is not None:
        _set_tiles(dashboard, tiles)
    activity.record(
        action="updated",
        scope="Dashboard",
        item_id=dashboard.id,
        name=dashboard.name,
        changes=activity.diff(before, _snapshot(dashboard)),
        project_id=dashboard.project_id,
    )
    return dashboard


def delete_dashboard(dashboard: Dashboard) -> None:
    dashboard.deleted = True
    activity.record(
        action="deleted",
        scope="Dashboard",
        item_id=dashboard.id,
        name=dashboard.name,
        project_id=dashboard.project_id,
    )


def _tile_mode(query: dict[str, Any], ctx: QueryContext, refresh: str | None) -> str:
    """Cached tiles by default (stale or missing ones are enqueued); forced refreshes
    are honoured only after next_allowed_client_refresh. `blocking` (fresh cache, else
    compute now) is for internal callers such as scheduled reports."""
    if refresh in ("force_cache", "blocking"):
        return refresh
    if refresh not in FORCED:
        return "async"
    entry = cache.get(cache.cache_key(query, ctx))
    if entry is not None:
        allowed = cache.annotate(entry, query, ctx, cached=True, lazy=False)
        if utcnow() < datetime.fromisoformat(allowed["next_allowed_client_refresh"]):
            return "force_cache"
    return str(refresh)


def tile_results(
    dashboard: Dashboard, *, ctx: QueryContext, refresh: str | None, organization_id: uuid.UUID
) -> list[tuple[DashboardTile, Insight | None, dict[str, Any] | None, dict[str, Any] | None]]:
    """(tile, insight, merged query, response) for every tile."""
    out: list[Any] = []
    for tile in tiles_of(dashboard):
        if tile.insight_id is None:
            out.append((tile, None, None, None))
            continue
        insight = get_session().get(Insight, tile.insight_id)
        if insight is None or insight.deleted:
            continue
        query = apply_dashboard_filters(insight.query, dashboard.filters)
        mode = _tile_mode(query, ctx, refresh)
        try:
            body = execute_query(query, ctx, mode=mode, organization_id=organization_id).body
        except QueryError as exc:
            body = {"results": None, "error": str(exc)}
        insights.track_view(insight.id, dashboard.project_id, dashboard.id)
        out.append((tile, insight, query, body))
    return out
