"""/api/organizations/{id}/members/ and /invites/, and accepting an invite."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, g, jsonify
from sqlalchemy import select

from app.access import require_user
from app.auth.models import User
from app.db import get_session
from app.errors import ValidationError
from app.http import api_scope, doc, paginate, parse
from app.members import service
from app.members.schemas import InviteAccept, InviteCreate, InviteRead, MemberRead, MemberUpdate
from app.organizations.models import Level, Membership
from app.tenancy import require_scope

bp = Blueprint("members", __name__)
ORG = "/api/organizations/<uuid:organization_id>"


def _member_read(row: Any) -> dict[str, Any]:
    member, user = row
    return MemberRead(
        user_id=str(user.id),
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        level=member.level,
        joined_at=member.created_at,
    ).model_dump(mode="json")


@bp.get(f"{ORG}/members/")
@api_scope("organization_member")
@doc(response_model=MemberRead, tag="members")
def list_members(organization_id: uuid.UUID) -> Response:
    """Members of the organization with their levels."""
    stmt = (
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .order_by(Membership.created_at, Membership.id)
    )
    session = get_session()
    rows = session.execute(stmt).all()
    from app.http import page, page_args

    limit, offset = page_args()
    return jsonify(
        page(
            rows[offset : offset + limit], _member_read, count=len(rows), offset=offset, limit=limit
        )
    )


@bp.patch(f"{ORG}/members/<uuid:user_id>/")
@api_scope("organization_member")
@doc(request_model=MemberUpdate, response_model=MemberRead, tag="members")
def update_member(organization_id: uuid.UUID, user_id: uuid.UUID) -> Response:
    """Change a member's level under the level rules."""
    data = parse(MemberUpdate)
    member = service.change_level(
        actor_id=require_user().id, actor_level=g.level, user_id=user_id, level=data.level
    )
    get_session().commit()
    user = get_session().get(User, member.user_id)
    return jsonify(_member_read((member, user)))


@bp.delete(f"{ORG}/members/<uuid:user_id>/")
@api_scope("organization_member")
@doc(tag="members")
def remove_member(organization_id: uuid.UUID, user_id: uuid.UUID) -> Response:
    """Remove a member, or leave (your own user id)."""
    service.remove_member(actor_id=require_user().id, actor_level=g.level, user_id=user_id)
    get_session().commit()
    return Response(status=204)


@bp.get(f"{ORG}/invites/")
@api_scope("organization_member")
@doc(response_model=InviteRead, tag="members")
def list_invites(organization_id: uuid.UUID) -> Response:
    """Pending invites."""
    from app.members.models import Invite

    stmt = select(Invite).where(Invite.accepted_at.is_(None)).order_by(Invite.created_at.desc())
    return jsonify(paginate(stmt, lambda i: InviteRead.of(i).model_dump(mode="json")))


@bp.post(f"{ORG}/invites/")
@api_scope("organization_member")
@doc(request_model=InviteCreate, response_model=InviteRead, tag="members")
def create_invite(organization_id: uuid.UUID) -> Response:
    """Invite someone by email (3-day expiry; re-inviting replaces the old invite)."""
    data = parse(InviteCreate)
    if data.level not in {int(v) for v in Level}:
        raise ValidationError("Level must be 1, 8 or 15.", attr="level")
    _check_projects(data.project_ids)
    invite, _token = service.create_invite(
        org=g.organization,
        inviter=require_user(),
        inviter_level=g.level,
        email=data.target_email,
        level=data.level,
        project_ids=data.project_ids,
    )
    get_session().commit()
    return jsonify(InviteRead.of(invite).model_dump(mode="json")), 201  # type: ignore[return-value]


def _check_projects(project_ids: list[int]) -> None:
    if not project_ids:
        return
    from app.projects.models import Project

    org_id = require_scope().organization_id
    found = (
        get_session()
        .scalars(
            select(Project.id).where(Project.id.in_(project_ids), Project.organization_id == org_id)
        )
        .all()
    )
    if len(set(found)) != len(set(project_ids)):
        raise ValidationError("Unknown project in project_ids.", attr="project_ids")


@bp.delete(f"{ORG}/invites/<uuid:invite_id>/")
@api_scope("organization_member")
@doc(tag="members")
def revoke_invite(organization_id: uuid.UUID, invite_id: uuid.UUID) -> Response:
    """Revoke a pending invite."""
    service.revoke_invite(invite_id)
    get_session().commit()
    return Response(status=204)


@bp.post("/api/invites/accept/")
@doc(request_model=InviteAccept, tag="members")
def accept_invite() -> Response:
    """Join an organization with an invite addressed to your email."""
    member = service.accept_invite(token=parse(InviteAccept).token, user=require_user())
    get_session().commit()
    return jsonify({"organization_id": str(member.organization_id), "level": member.level})
