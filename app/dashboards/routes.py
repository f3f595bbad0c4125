"""Dashboards API: /api/projects/<id>/dashboards/."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from app.access import current_principal
from app.dashboards import service
from app.dashboards.models import Dashboard
from app.dashboards.schemas import DashboardCreate, DashboardRead, DashboardUpdate, TileRead
from app.db import get_session
from app.errors import ValidationError
from app.http import api_scope, doc, paginate, parse
from app.insights.schemas import InsightRead
from app.insights.sharing_routes import add_sharing_routes
from app.query.context import project_context

bp = Blueprint("dashboards", __name__)
BASE = "/api/projects/<int:project_id>/dashboards/"
REFRESH = {None, "", "false", "force_cache", "force_async", "force_blocking"}


def _summary(d: Dashboard) -> dict[str, Any]:
    return DashboardRead(
        id=d.id,
        name=d.name,
        description=d.description,
        tags=d.tags,
        filters=d.filters,
        pinned=d.pinned,
        created_at=d.created_at,
    ).model_dump(mode="json")


def _full(d: Dashboard, refresh: str | None) -> dict[str, Any]:
    body = _summary(d)
    tiles = service.tile_results(
        d,
        ctx=project_context(d.project_id),
        refresh=refresh,
        organization_id=g.project.organization_id,
    )
    body["tiles"] = [
        TileRead(
            id=tile.id,
            insight=InsightRead.of(insight).model_dump(mode="json") if insight else None,
            text=tile.text,
            layouts=tile.layouts,
            color=tile.color,
            query=query,
            result=(response or {}).get("results"),
            last_refresh=(response or {}).get("last_refresh"),
            is_cached=bool((response or {}).get("is_cached")),
            next_allowed_client_refresh=(response or {}).get("next_allowed_client_refresh"),
            query_status=(response or {}).get("query_status"),
        ).model_dump(mode="json")
        for tile, insight, query, response in tiles
    ]
    return body


def _json(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


@bp.get(BASE)
@api_scope("dashboard")
@doc(response_model=DashboardRead, tag="dashboards")
def list_dashboards(project_id: int) -> Response:
    """Dashboards of the project (without tile results)."""
    return jsonify(paginate(service.list_dashboards(), _summary))


@bp.post(BASE)
@api_scope("dashboard")
@doc(request_model=DashboardCreate, response_model=DashboardRead, tag="dashboards")
def create_dashboard(project_id: int) -> Response:
    """Create a dashboard with tiles (insight ids or text)."""
    data = parse(DashboardCreate)
    fields = data.model_dump(exclude={"tiles"}, exclude_none=False)
    fields["filters"] = data.filters.model_dump(exclude_none=True)
    principal = current_principal()
    dashboard = service.create_dashboard(
        fields=fields,
        tiles=[t.model_dump() for t in data.tiles],
        created_by_id=principal.user_id if principal else None,
    )
    get_session().commit()
    return _json(_full(dashboard, "force_cache"), 201)


@bp.get(BASE + "<int:dashboard_id>/")
@api_scope("dashboard")
@doc(response_model=DashboardRead, tag="dashboards")
def get_dashboard(project_id: int, dashboard_id: int) -> Response:
    """A dashboard with cached tile results; stale tiles are refreshed in the background."""
    refresh = request.args.get("refresh")
    if refresh not in REFRESH:
        raise ValidationError("refresh must be force_async or force_blocking.", attr="refresh")
    return jsonify(_full(service.get_dashboard(dashboard_id), refresh))


@bp.patch(BASE + "<int:dashboard_id>/")
@api_scope("dashboard")
@doc(request_model=DashboardUpdate, response_model=DashboardRead, tag="dashboards")
def update_dashboard(project_id: int, dashboard_id: int) -> Response:
    """Update fields, filters or replace the tiles."""
    dashboard = service.get_dashboard(dashboard_id)
    data = parse(DashboardUpdate)
    fields = data.model_dump(exclude_unset=True, exclude={"tiles"})
    if data.filters is not None:
        fields["filters"] = data.filters.model_dump(exclude_none=True)
    tiles = [t.model_dump() for t in data.tiles] if data.tiles is not None else None
    service.update_dashboard(dashboard, fields=fields, tiles=tiles)
    get_session().commit()
    return jsonify(_full(dashboard, "force_cache"))


@bp.delete(BASE + "<int:dashboard_id>/")
@api_scope("dashboard")
@doc(tag="dashboards")
def delete_dashboard(project_id: int, dashboard_id: int) -> Response:
    """Delete a dashboard (soft delete)."""
    service.delete_dashboard(service.get_dashboard(dashboard_id))
    get_session().commit()
    return Response(status=204)


add_sharing_routes(
    bp,
    BASE,
    id_arg="dashboard_id",
    scope="dashboard",
    tag="dashboards",
    noun="dashboard",
    load=service.get_dashboard,
)
