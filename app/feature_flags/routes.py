"""Flags admin API under /api/projects/<project_id>/feature_flags/."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from app.db import get_session
from app.feature_flags import definitions, service
from app.feature_flags.schemas import FlagCreate, FlagRead, FlagUpdate, FlagVersionRead
from app.http import api_scope, doc, paginate, parse

bp = Blueprint("feature_flags", __name__)
BASE = "/api/projects/<int:project_id>/feature_flags/"


def _json(flag: object, status: int = 200) -> Response:
    response = jsonify(FlagRead.of(flag).model_dump(mode="json"))
    response.status_code = status
    return response


@bp.get(BASE)
@api_scope("feature_flag")
@doc(response_model=FlagRead, tag="feature_flags")
def list_flags(project_id: int) -> Response:
    """The project's flags, newest first (`search` filters by key, `active` by state)."""
    active = request.args.get("active")
    stmt = service.list_stmt(
        search=request.args.get("search"),
        active=None if active is None else active.lower() in ("true", "1"),
    )
    return jsonify(paginate(stmt, lambda f: FlagRead.of(f).model_dump(mode="json")))


@bp.post(BASE)
@api_scope("feature_flag")
@doc(request_model=FlagCreate, response_model=FlagRead, tag="feature_flags")
def create_flag(project_id: int) -> Response:
    """Create a flag (multivariate/payloads need Growth; so do group-aggregated flags)."""
    data = parse(FlagCreate).model_dump()
    flag = service.create_flag(
        organization_id=g.organization_id, user_id=g.principal.user_id, data=data
    )
    get_session().commit()
    definitions.invalidate(project_id)
    return _json(flag, 201)


@bp.get(BASE + "<int:flag_id>/")
@api_scope("feature_flag")
@doc(response_model=FlagRead, tag="feature_flags")
def get_flag(project_id: int, flag_id: int) -> Response:
    """One flag."""
    return _json(service.get_flag(flag_id))


@bp.patch(BASE + "<int:flag_id>/")
@api_scope("feature_flag")
@doc(request_model=FlagUpdate, response_model=FlagRead, tag="feature_flags")
def update_flag(project_id: int, flag_id: int) -> Response:
    """Change a flag; each change is a new version (set `deleted` to soft-delete)."""
    changes = parse(FlagUpdate).model_dump(exclude_unset=True)
    flag = service.update_flag(
        flag=service.get_flag(flag_id),
        organization_id=g.organization_id,
        user_id=g.principal.user_id,
        changes=changes,
    )
    get_session().commit()
    definitions.invalidate(project_id)
    return _json(flag)


@bp.delete(BASE + "<int:flag_id>/")
@api_scope("feature_flag")
@doc(tag="feature_flags")
def delete_flag(project_id: int, flag_id: int) -> Response:
    """Soft-delete a flag (its history stays; the key becomes free)."""
    service.update_flag(
        flag=service.get_flag(flag_id),
        organization_id=g.organization_id,
        user_id=g.principal.user_id,
        changes={"deleted": True},
    )
    get_session().commit()
    definitions.invalidate(project_id)
    return Response(status=204)


@bp.get(BASE + "<int:flag_id>/versions/")
@api_scope("feature_flag")
@doc(response_model=FlagVersionRead, tag="feature_flags")
def flag_versions(project_id: int, flag_id: int) -> Response:
    """Every stored version of a flag, newest first."""
    rows = service.versions(service.get_flag(flag_id))
    results = [
        FlagVersionRead(
            version=v.version,
            snapshot=v.snapshot,
            created_by_id=str(v.created_by_id) if v.created_by_id else None,
            created_at=v.created_at,
        ).model_dump(mode="json")
        for v in rows
    ]
    return jsonify({"results": results, "count": len(results), "next": None, "previous": None})
