"""GET /api/organizations/{id}/activity/: the organization's activity log."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, g, jsonify, request

from app.activity import service
from app.audit import service as audit
from app.errors import ValidationError
from app.http import api_scope, doc, paginate

bp = Blueprint("activity", __name__)


@bp.get("/api/organizations/<uuid:organization_id>/activity/")
@api_scope("activity_log")
@doc(tag="activity")
def list_activity(organization_id: uuid.UUID) -> Response:
    """Who did what, newest first; filter by scope, action, project_id, user."""
    project = request.args.get("project_id")
    actor = request.args.get("user")
    try:
        stmt = service.list_query(
            scope=request.args.get("scope"),
            action=request.args.get("action"),
            project_id=int(project) if project else None,
            actor_user_id=uuid.UUID(actor) if actor else None,
        )
    except ValueError as exc:
        raise ValidationError("project_id must be an integer and user a UUID.") from exc
    stmt = audit.readable(stmt, g.organization_id)  # Free reads the last 7 days only
    return jsonify(paginate(stmt, service.serialize))
