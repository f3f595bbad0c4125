"""Saved insights API: /api/projects/<id>/insights/."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from app.access import current_principal
from app.db import get_session
from app.errors import ValidationError
from app.http import api_scope, doc, paginate, parse
from app.insights import service
from app.insights.models import Insight
from app.insights.schemas import (
    InsightCreate,
    InsightRead,
    InsightUpdate,
)
from app.insights.sharing_routes import add_sharing_routes
from app.query.base import QueryError
from app.query.context import project_context
from app.query.execution import normalise_mode

bp = Blueprint("insights", __name__)
BASE = "/api/projects/<int:project_id>/insights/"


def _mode() -> str:
    """`?refresh=` as in spec 3.1; absent or false means cache only."""
    try:
        return normalise_mode(request.args.get("refresh"), "force_cache")
    except QueryError as exc:
        raise ValidationError(str(exc), attr="refresh") from exc


def _read(insight: Insight, mode: str | None) -> dict[str, object]:
    response = None
    if mode is not None:
        response = service.insight_result(
            insight,
            ctx=project_context(insight.project_id),
            refresh=mode,
            organization_id=g.project.organization_id,
        )
    return InsightRead.of(insight, response).model_dump(mode="json")


def _json(body: dict[str, object], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


@bp.get(BASE)
@api_scope("insight")
@doc(response_model=InsightRead, tag="insights")
def list_insights(project_id: int) -> Response:
    """Saved insights of the project (cached results included)."""
    saved = request.args.get("saved", "true").lower() != "false"
    return jsonify(
        paginate(service.list_insights(saved_only=saved), lambda i: _read(i, "force_cache"))
    )


@bp.post(BASE)
@api_scope("insight")
@doc(request_model=InsightCreate, response_model=InsightRead, tag="insights")
def create_insight(project_id: int) -> Response:
    """Save an insight."""
    data = parse(InsightCreate)
    principal = current_principal()
    insight = service.create_insight(
        **data.model_dump(), created_by_id=principal.user_id if principal else None
    )
    get_session().commit()
    return _json(_read(insight, None), 201)


@bp.get(BASE + "<int:insight_id>/")
@api_scope("insight")
@doc(response_model=InsightRead, tag="insights")
def get_insight(project_id: int, insight_id: int) -> Response:
    """One insight with its result; `?refresh=` computes per the refresh modes."""
    insight = service.get_insight(insight_id)
    body = _read(insight, _mode())
    service.track_view(insight.id, project_id)
    return jsonify(body)


@bp.patch(BASE + "<int:insight_id>/")
@api_scope("insight")
@doc(request_model=InsightUpdate, response_model=InsightRead, tag="insights")
def update_insight(project_id: int, insight_id: int) -> Response:
    """Update name, description, query, tags, favorited, saved (or soft-delete)."""
    insight = service.get_insight(insight_id)
    changes = parse(InsightUpdate).model_dump(exclude_unset=True)
    service.update_insight(insight, changes)
    get_session().commit()
    return jsonify(_read(insight, None))


@bp.delete(BASE + "<int:insight_id>/")
@api_scope("insight")
@doc(tag="insights")
def delete_insight(project_id: int, insight_id: int) -> Response:
    """Delete an insight (soft delete)."""
    service.delete_insight(service.get_insight(insight_id))
    get_session().commit()
    return Response(status=204)


add_sharing_routes(
    bp,
    BASE,
    id_arg="insight_id",
    scope="insight",
    tag="insights",
    noun="insight",
    load=service.get_insight,
)
