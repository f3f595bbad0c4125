"""/api/organizations/{id}/roles/: custom roles and their members (admins; Ultimate to create)."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, g, jsonify
from pydantic import BaseModel

from app.access import require_level
from app.db import get_session
from app.entitlements import ensure_feature
from app.http import api_scope, doc, paginate, parse
from app.organizations.models import Level
from app.roles import service
from app.roles.models import Role
from app.roles.schemas import RoleCreate, RoleMemberAdd, RoleMemberRead, RoleRead, RoleUpdate

bp = Blueprint("roles", __name__)
BASE = "/api/organizations/<uuid:organization_id>/roles/"
ONE = BASE + "<uuid:role_id>/"
FEATURE = "advanced_permissions"


def _json(model: BaseModel, status: int = 200) -> Response:
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    return response


def _admin_role(role_id: uuid.UUID) -> Role:
    require_level(Level.ADMIN)
    return service.get_role(role_id)


@bp.get(BASE)
@api_scope("organization_member")
@doc(response_model=RoleRead, tag="roles")
def list_roles(organization_id: uuid.UUID) -> Response:
    """The organization's roles (readable after a downgrade)."""
    return jsonify(paginate(service.list_roles(), lambda r: RoleRead.of(r).model_dump(mode="json")))


@bp.post(BASE)
@api_scope("organization_member")
@doc(request_model=RoleCreate, response_model=RoleRead, tag="roles")
def create_role(organization_id: uuid.UUID) -> Response:
    """Create a role (admins, Ultimate)."""
    require_level(Level.ADMIN)
    ensure_feature(g.organization_id, FEATURE)
    data = parse(RoleCreate)
    role = service.create_role(name=data.name, is_default=data.is_default)
    get_session().commit()
    return _json(RoleRead.of(role), 201)


@bp.get(ONE)
@api_scope("organization_member")
@doc(response_model=RoleRead, tag="roles")
def get_role(organization_id: uuid.UUID, role_id: uuid.UUID) -> Response:
    """One role."""
    return _json(RoleRead.of(service.get_role(role_id)))


@bp.patch(ONE)
@api_scope("organization_member")
@doc(request_model=RoleUpdate, response_model=RoleRead, tag="roles")
def update_role(organization_id: uuid.UUID, role_id: uuid.UUID) -> Response:
    """Rename a role or make it the default for new members (admins, Ultimate)."""
    role = _admin_role(role_id)
    ensure_feature(g.organization_id, FEATURE)
    service.update_role(role=role, changes=parse(RoleUpdate).model_dump(exclude_unset=True))
    get_session().commit()
    return _json(RoleRead.of(role))


@bp.delete(ONE)
@api_scope("organization_member")
@doc(tag="roles")
def delete_role(organization_id: uuid.UUID, role_id: uuid.UUID) -> Response:
    """Delete a role (admins; allowed on any plan: removing access is never gated)."""
    service.delete_role(role=_admin_role(role_id))
    get_session().commit()
    return Response(status=204)


@bp.get(ONE + "members/")
@api_scope("organization_member")
@doc(response_model=RoleMemberRead, tag="roles")
def list_role_members(organization_id: uuid.UUID, role_id: uuid.UUID) -> Response:
    """Members of the role."""
    rows = service.list_members(service.get_role(role_id))
    return jsonify({"results": [RoleMemberRead.of(r).model_dump(mode="json") for r in rows],
                    "next": None, "previous": None, "count": len(rows)})  # fmt: skip


@bp.post(ONE + "members/")
@api_scope("organization_member")
@doc(request_model=RoleMemberAdd, response_model=RoleMemberRead, tag="roles")
def add_role_member(organization_id: uuid.UUID, role_id: uuid.UUID) -> Response:
    """Add an organization member to the role (admins, Ultimate)."""
    role = _admin_role(role_id)
    ensure_feature(g.organization_id, FEATURE)
    row = service.add_member(role=role, user_id=parse(RoleMemberAdd).user_id)
    get_session().commit()
    return _json(RoleMemberRead.of(row), 201)


@bp.delete(ONE + "members/<uuid:user_id>/")
@api_scope("organization_member")
@doc(tag="roles")
def remove_role_member(
    organization_id: uuid.UUID, role_id: uuid.UUID, user_id: uuid.UUID
) -> Response:
    """Take a member out of the role (admins; any plan)."""
    service.remove_member(role=_admin_role(role_id), user_id=user_id)
    get_session().commit()
    return Response(status=204)
