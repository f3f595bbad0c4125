"""Custom roles: CRUD, members, and the default role new members join."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.activity import service as activity
from app.db import get_session
from app.errors import Conflict, NotFound, ValidationError
from app.organizations.models import Membership
from app.roles.models import Role, RoleMembership
from app.tenancy import current_scope, tenant_scope


def list_roles() -> Any:
    return select(Role).order_by(Role.name, Role.id)


def get_role(role_id: uuid.UUID) -> Role:
    role = get_session().scalar(select(Role).where(Role.id == role_id))
    if role is None:
        raise NotFound()
    return role


def _check_name_free(name: str, exclude: uuid.UUID | None = None) -> None:
    clash = get_session().scalar(select(Role.id).where(Role.name == name))
    if clash is not None and clash != exclude:
        raise Conflict("A role with this name exists.", attr="name", code="role_exists")


def _clear_default(except_id: uuid.UUID | None) -> None:
    for role in get_session().scalars(select(Role).where(Role.is_default.is_(True))):
        if role.id != except_id:
            role.is_default = False


def create_role(*, name: str, is_default: bool) -> Role:
    """A new role; making it the default unsets the previous default."""
    _check_name_free(name)
    role = Role(name=name, is_default=is_default)
    get_session().add(role)
    get_session().flush()
    if is_default:
        _clear_default(role.id)
    activity.record(action="created", scope="Role", item_id=role.id, name=name)
    return role


def update_role(*, role: Role, changes: dict[str, Any]) -> Role:
    before = {"name": role.name, "is_default": role.is_default}
    if changes.get("name") is not None:
        _check_name_free(changes["name"], exclude=role.id)
        role.name = changes["name"]
    if changes.get("is_default") is not None:
        role.is_default = bool(changes["is_default"])
        if role.is_default:
            _clear_default(role.id)
    after = {"name": role.name, "is_default": role.is_default}
    activity.record(
        action="updated",
        scope="Role",
        item_id=role.id,
        name=role.name,
        changes=activity.diff(before, after),
    )
    return role


def delete_role(*, role: Role) -> None:
    """Delete a role; its members lose the role's grants at once."""
    get_session().delete(role)
    activity.record(action="deleted", scope="Role", item_id=role.id, name=role.name)


def list_members(role: Role) -> list[RoleMembership]:
    stmt = select(RoleMembership).where(RoleMembership.role_id == role.id)
    return list(get_session().scalars(stmt.order_by(RoleMembership.created_at)))


def add_member(*, role: Role, user_id: uuid.UUID) -> RoleMembership:
    """Put an organization member in a role (idempotent)."""
    session = get_session()
    if session.scalar(select(Membership.id).where(Membership.user_id == user_id)) is None:
        raise ValidationError("This user is not a member.", attr="user_id", code="not_a_member")
    existing = session.scalar(
        select(RoleMembership).where(
            RoleMembership.role_id == role.id, RoleMembership.user_id == user_id
        )
    )
    if existing is not None:
        return existing
    row = RoleMembership(role_id=role.id, user_id=user_id)
    session.add(row)
    activity.record(
        action="member_added", scope="Role", item_id=role.id, name=role.name,
        extra={"user_id": str(user_id)},
    )  # fmt: skip
    return row


def remove_member(*, role: Role, user_id: uuid.UUID) -> None:
    row = get_session().scalar(
        select(RoleMembership).where(
            RoleMembership.role_id == role.id, RoleMembership.user_id == user_id
        )
    )
    if row is None:
        raise NotFound()
    get_session().delete(row)
    activity.record(
        action="member_removed", scope="Role", item_id=role.id, name=role.name,
        extra={"user_id": str(user_id)},
    )  # fmt: skip


def role_ids_of(user_id: uuid.UUID) -> set[uuid.UUID]:
    """The roles (of the scoped organization) the user belongs to."""
    stmt = select(RoleMembership.role_id).where(RoleMembership.user_id == user_id)
    return set(get_session().scalars(stmt))


def default_role_for(org_id: uuid.UUID) -> Role | None:
    """The organization's default role for new members (also used by SSO JIT), if any."""
    with tenant_scope(org_id), get_session().no_autoflush:
        # explicit organization filter: this also runs from flushes inside unscoped() blocks
        stmt = select(Role).where(Role.organization_id == org_id, Role.is_default.is_(True))
        return get_session().scalar(stmt)


def assign_default_role(user_id: uuid.UUID, organization_id: uuid.UUID | None = None) -> None:
    """Put the user in the default role of the organization (current scope's by default)."""
    org_id = organization_id or _scoped_org()
    role = default_role_for(org_id)
    if role is None:
        return
    with tenant_scope(org_id), get_session().no_autoflush:
        if user_id in _pending_or_stored_members(get_session(), role.id):
            return
        get_session().add(RoleMembership(organization_id=org_id, role_id=role.id, user_id=user_id))


def _scoped_org() -> uuid.UUID:
    scope = current_scope()
    if scope is None:
        raise ValidationError("No organization given.")
    return scope.organization_id


def _pending_or_stored_members(session: Session, role_id: uuid.UUID) -> set[uuid.UUID]:
    stored = set(
        session.scalars(select(RoleMembership.user_id).where(RoleMembership.role_id == role_id))
    )
    pending = {
        o.user_id for o in session.new if isinstance(o, RoleMembership) and o.role_id == role_id
    }
    return stored | pending


def on_before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    """New memberships (invites, SSO JIT, anything) join the organization's default role."""
    for obj in list(session.new):
        if isinstance(obj, Membership) and obj.organization_id is not None:
            assign_default_role(obj.user_id, obj.organization_id)
