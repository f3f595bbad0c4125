"""Public links: GET /shared/<access_token>.json (no login; the token is the key).

Shared insights may not force work (spec 3.1): `?refresh=` is remapped by
`app.query.execution.shared_mode` before the cache is consulted. A shared dashboard serves
its tiles from the cache and enqueues stale ones, as a dashboard does, never forcing work.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.dashboards import service as dashboards
from app.dashboards.models import Dashboard
from app.errors import NotFound, ValidationError
from app.http import doc, public
from app.insights import service, sharing
from app.insights.models import Insight
from app.insights.schemas import (
    SharedDashboardRead,
    SharedInsightRead,
    SharedRead,
    SharedTileRead,
)
from app.projects.models import Project
from app.query.base import QueryError
from app.query.context import project_context
from app.query.execution import shared_mode
from app.tenancy import tenant_scope

bp = Blueprint("shared", __name__)


@bp.get("/shared/<string:access_token>.json")
@public
@doc(response_model=SharedRead, tag="sharing")
def shared(access_token: str) -> Response:
    """A shared insight and its result, or a shared dashboard and its tiles; unknown,
    disabled or unentitled links are 404."""
    found = sharing.resolve_shared(access_token)
    if found is None:
        raise NotFound("Shared link not found.")
    target, project = found
    try:
        mode = shared_mode(request.args.get("refresh"))
    except QueryError as exc:
        raise ValidationError(str(exc), attr="refresh") from exc
    with tenant_scope(project.organization_id, project.id):
        if isinstance(target, Insight):
            body = SharedRead(insight=_insight(target, project, mode))
        else:
            body = SharedRead(dashboard=_dashboard(target, project))
    return jsonify(body.model_dump(mode="json"))


def _insight(insight: Insight, project: Project, mode: str) -> SharedInsightRead:
    response = service.insight_result(
        insight,
        ctx=project_context(project.id),
        refresh=mode,
        organization_id=project.organization_id,
    )
    return SharedInsightRead.of(insight, response)


def _dashboard(dashboard: Dashboard, project: Project) -> SharedDashboardRead:
    tiles = dashboards.tile_results(
        dashboard,
        ctx=project_context(project.id),
        refresh=None,
        organization_id=project.organization_id,
    )
    return SharedDashboardRead(
        name=dashboard.name,
        description=dashboard.description,
        filters=dashboard.filters,
        tiles=[
            SharedTileRead(
                id=tile.id,
                insight=SharedInsightRead.of(insight, response).model_copy(update={"query": query})
                if insight is not None
                else None,
                text=tile.text,
                layouts=tile.layouts,
                color=tile.color,
            )
            for tile, insight, query, response in tiles
        ],
    )
