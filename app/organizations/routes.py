"""/api/organizations/: list, create, get, update, delete."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, g, jsonify

from app.access import require_level, require_user
from app.auth.service import is_recent_login
from app.db import get_session
from app.errors import Forbidden
from app.http import api_scope, doc, page, page_args, parse
from app.organizations import service
from app.organizations.models import Level
from app.organizations.schemas import OrganizationCreate, OrganizationRead, OrganizationUpdate

bp = Blueprint("organizations", __name__, url_prefix="/api/organizations")


def require_recent_login() -> None:
    """Sensitive actions need a login within the last hour (sessions; keys are exempt by scope)."""
    principal = g.principal
    if principal.kind == "user" and not is_recent_login(principal.user_session):
        raise Forbidden("Log in again to do this.", code="reauthentication_required")


@bp.get("/")
@api_scope("organization")
@doc(response_model=OrganizationRead, tag="organizations")
def list_organizations() -> Response:
    """Organizations the caller belongs to."""
    rows = service.memberships_of(require_user().id)
    allowed = g.principal.organization_ids
    rows = [(o, lvl) for o, lvl in rows if allowed is None or o.id in allowed]
    limit, offset = page_args()
    window = rows[offset : offset + limit]
    return jsonify(
        page(
            window,
            lambda r: OrganizationRead.of(*r).model_dump(mode="json"),
            count=len(rows),
            offset=offset,
            limit=limit,
        )
    )


@bp.post("/")
@api_scope("organization")
@doc(request_model=OrganizationCreate, response_model=OrganizationRead, tag="organizations")
def create_organization() -> Response:
    """Create an organization; the caller becomes its owner."""
    data = parse(OrganizationCreate)
    org = service.create_organization(name=data.name, owner=require_user())
    get_session().commit()
    return jsonify(OrganizationRead.of(org, int(Level.OWNER)).model_dump(mode="json")), 201  # type: ignore[return-value]


@bp.get("/<uuid:organization_id>/")
@api_scope("organization")
@doc(response_model=OrganizationRead, tag="organizations")
def get_organization(organization_id: uuid.UUID) -> Response:
    """One organization."""
    return jsonify(OrganizationRead.of(g.organization, g.level).model_dump(mode="json"))


@bp.patch("/<uuid:organization_id>/")
@api_scope("organization")
@doc(request_model=OrganizationUpdate, response_model=OrganizationRead, tag="organizations")
def update_organization(organization_id: uuid.UUID) -> Response:
    """Update settings (admins)."""
    require_level(Level.ADMIN)
    changes = parse(OrganizationUpdate).model_dump(exclude_unset=True)
    org = service.update_organization(org=g.organization, changes=changes)
    get_session().commit()
    return jsonify(OrganizationRead.of(org, g.level).model_dump(mode="json"))


@bp.delete("/<uuid:organization_id>/")
@api_scope("organization")
@doc(tag="organizations")
def delete_organization(organization_id: uuid.UUID) -> Response:
    """Delete the organization and all its data (owners, recent login)."""
    require_level(Level.OWNER)
    require_recent_login()
    service.delete_organization(org=g.organization)
    get_session().commit()
    return Response(status=204)
