"""/api/projects/{id}/access/: restrict a project and grant access (admins, project admins)."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, g, jsonify
from pydantic import BaseModel

from app.access import require_level
from app.db import get_session
from app.entitlements import ensure_feature
from app.http import api_scope, doc, parse
from app.organizations.models import Level
from app.permissions import grants
from app.permissions.models import ProjectGrant, ResourceGrant
from app.permissions.schemas import (
    AccessRead,
    AccessUpdate,
    GrantRead,
    ProjectGrantCreate,
    ResourceGrantCreate,
)
from app.permissions.service import compute_access

bp = Blueprint("permissions", __name__)
BASE = "/api/projects/<int:project_id>/access/"
FEATURE = "advanced_permissions"


def _json(model: BaseModel, status: int = 200) -> Response:
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    return response


def _access_read() -> AccessRead:
    project = g.project
    return AccessRead(
        project_id=project.id,
        access_restricted=project.access_restricted,
        your_access=compute_access(g.principal, project, int(g.level)).kind,
        grants=[GrantRead.of(x) for x in grants.list_grants(ProjectGrant, project.id)],
        resource_grants=[GrantRead.of(x) for x in grants.list_grants(ResourceGrant, project.id)],
    )


@bp.get(BASE)
@api_scope("project")
@doc(response_model=AccessRead, tag="permissions")
def get_access(project_id: int) -> Response:
    """Whether the project is restricted, who is granted what, and your own access."""
    return _json(_access_read())


@bp.patch(BASE)
@api_scope("project")
@doc(request_model=AccessUpdate, response_model=AccessRead, tag="permissions")
def update_access(project_id: int) -> Response:
    """Restrict (Ultimate) or open the project (any plan: lifting a restriction is never gated)."""
    require_level(Level.ADMIN)
    data = parse(AccessUpdate)
    if data.access_restricted:
        ensure_feature(g.organization_id, FEATURE)
    grants.set_restricted(project=g.project, restricted=data.access_restricted)
    get_session().commit()
    return _json(_access_read())


@bp.post(BASE + "grants/")
@api_scope("project")
@doc(request_model=ProjectGrantCreate, response_model=GrantRead, tag="permissions")
def create_grant(project_id: int) -> Response:
    """Grant a member or role `member` or `admin` access to the project (Ultimate)."""
    require_level(Level.ADMIN)
    ensure_feature(g.organization_id, FEATURE)
    data = parse(ProjectGrantCreate)
    grant = grants.grant_project(
        project=g.project, user_id=data.user_id, role_id=data.role_id, level=data.level
    )
    get_session().commit()
    return _json(GrantRead.of(grant), 201)


@bp.delete(BASE + "grants/<uuid:grant_id>/")
@api_scope("project")
@doc(tag="permissions")
def delete_grant(project_id: int, grant_id: uuid.UUID) -> Response:
    """Revoke a project grant (any plan)."""
    require_level(Level.ADMIN)
    grants.revoke(ProjectGrant, project=g.project, grant_id=grant_id)
    get_session().commit()
    return Response(status=204)


@bp.post(BASE + "resource_grants/")
@api_scope("project")
@doc(request_model=ResourceGrantCreate, response_model=GrantRead, tag="permissions")
def create_resource_grant(project_id: int) -> Response:
    """Grant viewer/editor on a dashboard, insight, flag or experiment (or all of a kind)."""
    require_level(Level.ADMIN)
    ensure_feature(g.organization_id, FEATURE)
    data = parse(ResourceGrantCreate)
    grant = grants.grant_resource(
        project=g.project,
        user_id=data.user_id,
        role_id=data.role_id,
        resource_kind=data.resource_kind,
        resource_id=data.resource_id,
        level=data.level,
    )
    get_session().commit()
    return _json(GrantRead.of(grant), 201)


@bp.delete(BASE + "resource_grants/<uuid:grant_id>/")
@api_scope("project")
@doc(tag="permissions")
def delete_resource_grant(project_id: int, grant_id: uuid.UUID) -> Response:
    """Revoke a resource grant (any plan)."""
    require_level(Level.ADMIN)
    grants.revoke(ResourceGrant, project=g.project, grant_id=grant_id)
    get_session().commit()
    return Response(status=204)
