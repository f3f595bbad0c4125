"""Restricting a project and granting access to it. Removing access is never gated."""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import select

from app.activity import service as activity
from app.db import get_session
from app.errors import NotFound, ValidationError
from app.organizations.models import Membership
from app.permissions.models import ProjectGrant, ResourceGrant
from app.projects.models import Project
from app.roles.models import Role

GrantModel = type[ProjectGrant] | type[ResourceGrant]


def set_restricted(*, project: Project, restricted: bool) -> Project:
    before = project.access_restricted
    project.access_restricted = restricted
    activity.record(
        action="access_restricted" if restricted else "access_opened",
        scope="Project",
        item_id=project.id,
        name=project.name,
        changes=activity.diff({"access_restricted": before}, {"access_restricted": restricted}),
        project_id=project.id,
    )
    return project


def _check_grantee(user_id: uuid.UUID | None, role_id: uuid.UUID | None) -> None:
    session = get_session()
    if user_id is not None:
        found = session.scalar(select(Membership.id).where(Membership.user_id == user_id))
        if found is None:
            raise ValidationError("This user is not a member.", attr="user_id", code="not_a_member")
    if role_id is not None and session.scalar(select(Role.id).where(Role.id == role_id)) is None:
        raise ValidationError("Unknown role.", attr="role_id", code="unknown_role")


def list_grants(model: GrantModel, project_id: int) -> list[ProjectGrant | ResourceGrant]:
    stmt = select(model).where(model.project_id == project_id).order_by(model.created_at)
    return [cast(ProjectGrant | ResourceGrant, g) for g in get_session().scalars(stmt)]


def grant_project(
    *, project: Project, user_id: uuid.UUID | None, role_id: uuid.UUID | None, level: str
) -> ProjectGrant:
    """Grant member/admin access to the project (replaces the grantee's previous level)."""
    _check_grantee(user_id, role_id)
    grantee = ProjectGrant.user_id == user_id if user_id else ProjectGrant.role_id == role_id
    session = get_session()
    grant = session.scalar(
        select(ProjectGrant).where(ProjectGrant.project_id == project.id, grantee)
    )
    if grant is None:
        grant = ProjectGrant(project_id=project.id, user_id=user_id, role_id=role_id, level=level)
        session.add(grant)
    grant.level = level
    session.flush()
    _record("granted", project, grant)
    return grant


def grant_resource(
    *,
    project: Project,
    user_id: uuid.UUID | None,
    role_id: uuid.UUID | None,
    resource_kind: str,
    resource_id: str | None,
    level: str,
) -> ResourceGrant:
    """Grant viewer/editor on one resource (or every resource of a kind) in the project."""
    _check_grantee(user_id, role_id)
    grant = ResourceGrant(
        project_id=project.id,
        user_id=user_id,
        role_id=role_id,
        resource_kind=resource_kind,
        resource_id=resource_id,
        level=level,
    )
    get_session().add(grant)
    get_session().flush()
    _record("resource_granted", project, grant)
    return grant


def revoke(model: GrantModel, *, project: Project, grant_id: uuid.UUID) -> None:
    grant = get_session().scalar(
        select(model).where(model.id == grant_id, model.project_id == project.id)
    )
    if grant is None:
        raise NotFound()
    get_session().delete(grant)
    _record("revoked", project, cast(ProjectGrant | ResourceGrant, grant))


def _record(action: str, project: Project, grant: ProjectGrant | ResourceGrant) -> None:
    extra = {
        "user_id": str(grant.user_id) if grant.user_id else None,
        "role_id": str(grant.role_id) if grant.role_id else None,
        "level": grant.level,
        "resource_kind": getattr(grant, "resource_kind", None),
        "resource_id": getattr(grant, "resource_id", None),
    }
    activity.record(
        action=action,
        scope="ProjectAccess",
        item_id=grant.id,
        name=project.name,
        project_id=project.id,
        extra=extra,
    )
