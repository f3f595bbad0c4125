"""Who may see and change a project and its resources.

Access to a project, strongest first:
- `admin`: organization admins/owners, and members granted project `admin` (directly or by role);
- `full`: every member on an unrestricted project, members granted project `member`;
- `limited`: on a restricted project, members with only resource grants (viewer/editor on
  dashboards, insights, feature flags, experiments): they reach those resources and nothing else;
- `none`: the project answers 404.
Restrictions do not depend on the edition: after a downgrade they keep protecting data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask import g, has_request_context
from sqlalchemy import ColumnElement, or_, select

from app.access import Principal
from app.db import get_session
from app.organizations.models import Level
from app.permissions.models import ProjectGrant, ResourceGrant
from app.projects.models import Project
from app.roles.models import RoleMembership
from app.tenancy import tenant_scope, unscoped

RESOURCE_KINDS = ("dashboard", "insight", "feature_flag", "experiment")
PROJECT_LEVELS = ("member", "admin")
RESOURCE_LEVELS = ("viewer", "editor")


@dataclass(frozen=True)
class Access:
    kind: str  # admin | full | limited | none
    # limited only: (resource_kind, resource_id or None for all of the kind) -> level
    resources: dict[tuple[str, str | None], str] = field(default_factory=dict)

    @property
    def sees_project(self) -> bool:
        return self.kind != "none"


def _grantee_filter(
    model: type[ProjectGrant] | type[ResourceGrant], user_id: uuid.UUID
) -> ColumnElement[bool]:
    roles = select(RoleMembership.role_id).where(RoleMembership.user_id == user_id)
    return or_(model.user_id == user_id, model.role_id.in_(roles))


def _user_access(user_id: uuid.UUID, project: Project, org_level: int) -> Access:
    session = get_session()
    with tenant_scope(project.organization_id):
        levels = set(
            session.scalars(
                select(ProjectGrant.level).where(
                    ProjectGrant.project_id == project.id, _grantee_filter(ProjectGrant, user_id)
                )
            )
        )
        if org_level >= Level.ADMIN or "admin" in levels:
            return Access("admin")
        if levels or not project.access_restricted:
            return Access("full")
        rows = session.execute(
            select(ResourceGrant.resource_kind, ResourceGrant.resource_id, ResourceGrant.level)
            .where(ResourceGrant.project_id == project.id)
            .where(_grantee_filter(ResourceGrant, user_id))
        ).all()
    return _limited(rows)


def _limited(rows: object) -> Access:
    resources: dict[tuple[str, str | None], str] = {}
    for kind, resource_id, level in rows:  # type: ignore[attr-defined]
        key = (kind, resource_id)
        if resources.get(key) != "editor":
            resources[key] = level
    return Access("limited", resources) if resources else Access("none")


def _service_account_access(principal: Principal, project: Project) -> Access:
    level = int(principal.extra.get("level", Level.MEMBER))
    explicit = project.id in principal.extra.get("explicit_projects", frozenset())
    if project.access_restricted and not explicit:
        return Access("none")
    return Access("admin" if level >= Level.ADMIN else "full")


def compute_access(principal: Principal, project: Project, org_level: int) -> Access:
    """The principal's access to the project (cached for the request)."""
    cache: dict[int, Access] = g.setdefault("project_access", {}) if has_request_context() else {}
    if project.id not in cache:
        cache[project.id] = _compute(principal, project, org_level)
    return cache[project.id]


def _compute(principal: Principal, project: Project, org_level: int) -> Access:
    if principal.kind == "project_secret":
        return Access("full" if principal.project_ids and project.id in principal.project_ids
                      else "none")  # fmt: skip
    if principal.kind == "service_account":
        return _service_account_access(principal, project)
    if principal.user is None:
        return Access("none")
    return _user_access(principal.user.id, project, org_level)


def project_access_check(principal: Principal, project: Project, org_level: int) -> bool:
    """The PROJECT_ACCESS_CHECKS hook: False makes the project answer 404."""
    return compute_access(principal, project, org_level).sees_project


def resource_level(access: Access, kind: str, resource_id: object | None) -> str | None:
    if access.kind in ("admin", "full"):
        return "editor"
    levels = [access.resources.get((kind, None))]
    if resource_id is not None:
        levels.append(access.resources.get((kind, str(resource_id))))
    if "editor" in levels:
        return "editor"
    return "viewer" if "viewer" in levels else None


def _access_for(principal: Principal, project_id: int) -> Access:
    with unscoped():
        project = get_session().get(Project, project_id)
    if project is None:
        return Access("none")
    org_level = int(g.get("level", 0)) if has_request_context() else 0
    if principal.user is not None and not org_level:
        org_level = _membership_level(principal.user.id, project.organization_id)
    return compute_access(principal, project, org_level)


def _membership_level(user_id: uuid.UUID, org_id: uuid.UUID) -> int:
    from app.organizations.models import Membership

    with tenant_scope(org_id):
        level = get_session().scalar(select(Membership.level).where(Membership.user_id == user_id))
    return int(level or 0)


def can_view(
    principal: Principal, project_id: int, resource_kind: str, resource_id: object
) -> bool:
    """May the principal read this dashboard/insight/feature flag/experiment?"""
    access = _access_for(principal, project_id)
    return resource_level(access, resource_kind, resource_id) is not None


def can_edit(
    principal: Principal, project_id: int, resource_kind: str, resource_id: object
) -> bool:
    """May the principal change this dashboard/insight/feature flag/experiment?"""
    access = _access_for(principal, project_id)
    return resource_level(access, resource_kind, resource_id) == "editor"


def visible_resource_ids(principal: Principal, project_id: int, kind: str) -> set[str] | None:
    """Ids of `kind` the principal may list in the project; None means all of them."""
    access = _access_for(principal, project_id)
    if access.kind in ("admin", "full") or (kind, None) in access.resources:
        return None
    return {rid for (k, rid) in access.resources if k == kind and rid is not None}
