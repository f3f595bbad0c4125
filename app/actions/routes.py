"""Actions API: /api/projects/<id>/actions/ CRUD (PostHog's shapes)."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from app.actions import service
from app.actions.models import Action
from app.actions.schemas import ActionCreate, ActionRead, ActionUpdate
from app.db import get_session
from app.http import api_scope, doc, paginate, parse

bp = Blueprint("actions", __name__)
BASE = "/api/projects/<int:project_id>/actions/"


def _json(action: Action, status: int = 200) -> Response:
    response = jsonify(ActionRead.of(action).model_dump(mode="json"))
    response.status_code = status
    return response


@bp.get(BASE)
@api_scope("action")
@doc(response_model=ActionRead, tag="actions")
def list_actions(project_id: int) -> Response:
    """The project's actions, newest first (`search` filters by name)."""
    stmt = service.list_actions(search=request.args.get("search"))
    return jsonify(paginate(stmt, lambda a: ActionRead.of(a).model_dump(mode="json")))


@bp.post(BASE)
@api_scope("action")
@doc(request_model=ActionCreate, response_model=ActionRead, tag="actions")
def create_action(project_id: int) -> Response:
    """Create an action from its steps."""
    data = parse(ActionCreate)
    action = service.create_action(
        data=data.model_dump(exclude_none=True), user_id=g.principal.user_id
    )
    get_session().commit()
    return _json(action, 201)


@bp.get(BASE + "<int:action_id>/")
@api_scope("action")
@doc(response_model=ActionRead, tag="actions")
def get_action(project_id: int, action_id: int) -> Response:
    """One action."""
    return _json(service.get_action(action_id=action_id))


@bp.patch(BASE + "<int:action_id>/")
@api_scope("action")
@doc(request_model=ActionUpdate, response_model=ActionRead, tag="actions")
def update_action(project_id: int, action_id: int) -> Response:
    """Change an action (set `deleted` to soft-delete)."""
    changes = parse(ActionUpdate).model_dump(exclude_unset=True)
    action = service.update_action(action=service.get_action(action_id=action_id), changes=changes)
    get_session().commit()
    return _json(action)


@bp.delete(BASE + "<int:action_id>/")
@api_scope("action")
@doc(tag="actions")
def delete_action(project_id: int, action_id: int) -> Response:
    """Soft-delete an action (insights using it then answer 400)."""
    service.update_action(action=service.get_action(action_id=action_id), changes={"deleted": True})
    get_session().commit()
    return Response(status=204)
