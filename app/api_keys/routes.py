"""/api/personal_api_keys/: a user's keys. Values are shown once, at creation and roll."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, g, jsonify

from app.access import require_user
from app.api_keys import service
from app.api_keys.schemas import KeyCreate, KeyRead, KeyUpdate
from app.db import get_session
from app.errors import NotFound
from app.http import ANY_SCOPE, api_scope, doc, paginate, parse
from app.organizations.routes import require_recent_login

bp = Blueprint("api_keys", __name__, url_prefix="/api/personal_api_keys")


def _json(key: object, value: str | None = None, status: int = 200) -> Response:
    response = jsonify(KeyRead.of(key, value).model_dump(mode="json"))  # type: ignore[arg-type]
    response.status_code = status
    return response


@bp.get("/")
@doc(response_model=KeyRead, tag="api_keys")
def list_keys() -> Response:
    """Your keys (masked)."""
    stmt = service.list_keys(require_user().id)
    return jsonify(paginate(stmt, lambda k: KeyRead.of(k).model_dump(mode="json")))


@bp.post("/")
@doc(request_model=KeyCreate, response_model=KeyRead, tag="api_keys")
def create_key() -> Response:
    """Create a key; `value` is in this response only."""
    data = parse(KeyCreate)
    key, raw = service.create_key(
        user_id=require_user().id,
        label=data.label,
        scopes=data.scopes,
        scoped_organizations=data.scoped_organizations,
        scoped_projects=data.scoped_projects,
        expires_at=data.expires_at,
    )
    get_session().commit()
    return _json(key, raw, status=201)


@bp.get("/@current/")
@api_scope(ANY_SCOPE)
@doc(response_model=KeyRead, tag="api_keys")
def current_key() -> Response:
    """The key making this request: what it can do."""
    principal = g.principal
    if principal.key is None:
        raise NotFound("This request was not made with a personal API key.")
    return _json(principal.key)


@bp.get("/<uuid:key_id>/")
@doc(response_model=KeyRead, tag="api_keys")
def get_key(key_id: uuid.UUID) -> Response:
    """One of your keys."""
    return _json(service.get_key(require_user().id, key_id))


@bp.patch("/<uuid:key_id>/")
@doc(request_model=KeyUpdate, response_model=KeyRead, tag="api_keys")
def update_key(key_id: uuid.UUID) -> Response:
    """Change label, scopes or restrictions."""
    key = service.get_key(require_user().id, key_id)
    service.update_key(key=key, changes=parse(KeyUpdate).model_dump(exclude_unset=True))
    get_session().commit()
    return _json(key)


@bp.post("/<uuid:key_id>/roll/")
@doc(response_model=KeyRead, tag="api_keys")
def roll_key(key_id: uuid.UUID) -> Response:
    """Replace the key's value; the old value stops working at once (needs a recent login)."""
    key = service.get_key(require_user().id, key_id)
    require_recent_login()
    raw = service.roll_key(key=key)
    get_session().commit()
    return _json(key, raw)


@bp.delete("/<uuid:key_id>/")
@doc(tag="api_keys")
def delete_key(key_id: uuid.UUID) -> Response:
    """Delete a key."""
    service.delete_key(key=service.get_key(require_user().id, key_id))
    get_session().commit()
    return Response(status=204)
