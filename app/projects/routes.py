"""Projects: list/create under an organization; get/update/delete and key rotation by id."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, g, jsonify

from app.access import PROJECT_ACCESS_CHECKS, require_level
from app.db import get_session
from app.http import api_scope, doc, page, page_args, parse
from app.organizations.models import Level
from app.organizations.routes import require_recent_login
from app.projects import service
from app.projects.schemas import ProjectCreate, ProjectRead, ProjectUpdate

bp = Blueprint("projects", __name__)


def _json(project: object, secret: str | None = None, status: int = 200) -> Response:
    response = jsonify(ProjectRead.of(project, secret).model_dump(mode="json"))  # type: ignore[arg-type]
    response.status_code = status
    return response


@bp.get("/api/organizations/<uuid:organization_id>/projects/")
@api_scope("project")
@doc(response_model=ProjectRead, tag="projects")
def list_projects(organization_id: uuid.UUID) -> Response:
    """Projects of the organization that the caller can see."""
    principal = g.principal
    visible = [
        p
        for p in service.list_projects()
        if (principal.project_ids is None or p.id in principal.project_ids)
        and all(check(principal, p, g.level) for check in PROJECT_ACCESS_CHECKS)
    ]
    limit, offset = page_args()
    return jsonify(
        page(
            visible[offset : offset + limit],
            lambda p: ProjectRead.of(p).model_dump(mode="json"),
            count=len(visible),
            offset=offset,
            limit=limit,
        )
    )


@bp.post("/api/organizations/<uuid:organization_id>/projects/")
@api_scope("project")
@doc(request_model=ProjectCreate, response_model=ProjectRead, tag="projects")
def create_project(organization_id: uuid.UUID) -> Response:
    """Create a project (admins). The secret key is in this response only."""
    require_level(Level.ADMIN)
    data = parse(ProjectCreate)
    project, secret = service.create_project(name=data.name, timezone=data.timezone)
    get_session().commit()
    return _json(project, secret, status=201)


@bp.get("/api/projects/<int:project_id>/")
@api_scope("project")
@doc(response_model=ProjectRead, tag="projects")
def get_project(project_id: int) -> Response:
    """One project."""
    return _json(g.project)


@bp.patch("/api/projects/<int:project_id>/")
@api_scope("project")
@doc(request_model=ProjectUpdate, response_model=ProjectRead, tag="projects")
def update_project(project_id: int) -> Response:
    """Update name, timezone, week start, IP anonymisation, test-account filters (admins)."""
    require_level(Level.ADMIN)
    changes = parse(ProjectUpdate).model_dump(exclude_unset=True)
    project = service.update_project(project=g.project, changes=changes)
    get_session().commit()
    return _json(project)


@bp.delete("/api/projects/<int:project_id>/")
@api_scope("project")
@doc(tag="projects")
def delete_project(project_id: int) -> Response:
    """Delete the project and all its data (admins, recent login)."""
    require_level(Level.ADMIN)
    require_recent_login()
    service.delete_project(project=g.project)
    get_session().commit()
    return Response(status=204)


@bp.post("/api/projects/<int:project_id>/rotate_secret_token/")
@api_scope("project")
@doc(response_model=ProjectRead, tag="projects")
def rotate_secret(project_id: int) -> Response:
    """New secret key (shown once); the old one keeps working for 24 hours."""
    require_level(Level.ADMIN)
    require_recent_login()
    secret = service.rotate_secret(project=g.project)
    get_session().commit()
    return _json(g.project, secret)


@bp.post("/api/projects/<int:project_id>/reset_token/")
@api_scope("project")
@doc(response_model=ProjectRead, tag="projects")
def reset_token(project_id: int) -> Response:
    """Replace the public ingestion key (the old one stops working)."""
    require_level(Level.ADMIN)
    require_recent_login()
    service.reset_public_token(project=g.project)
    get_session().commit()
    return _json(g.project)
