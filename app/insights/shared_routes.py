"""Public insight links: GET /shared/<access_token>.json (no login; the token is the key).

Shared insights may not force work (spec 3.1): `?refresh=` is remapped by
`app.query.execution.shared_mode` before the cache is consulted.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.errors import NotFound, ValidationError
from app.http import doc, public
from app.insights import service, sharing
from app.insights.schemas import SharedInsightRead, SharedRead
from app.query.base import QueryError
from app.query.context import project_context
from app.query.execution import shared_mode
from app.tenancy import tenant_scope

bp = Blueprint("shared", __name__)


@bp.get("/shared/<string:access_token>.json")
@public
@doc(response_model=SharedRead, tag="sharing")
def shared_insight(access_token: str) -> Response:
    """A shared insight and its result; unknown, disabled or unentitled links are 404."""
    found = sharing.resolve_shared(access_token)
    if found is None:
        raise NotFound("Shared insight not found.")
    insight, project = found
    try:
        mode = shared_mode(request.args.get("refresh"))
    except QueryError as exc:
        raise ValidationError(str(exc), attr="refresh") from exc
    with tenant_scope(project.organization_id, project.id):
        response = service.insight_result(
            insight,
            ctx=project_context(project.id),
            refresh=mode,
            organization_id=project.organization_id,
        )
    body = SharedRead(insight=SharedInsightRead.of(insight, response))
    return jsonify(body.model_dump(mode="json"))
