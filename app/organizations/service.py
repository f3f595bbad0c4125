"""Organizations: create, update, delete; memberships of a user."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from sqlalchemy import select

from app.activity import service as activity
from app.auth.models import User
from app.db import get_session
from app.errors import Conflict, ValidationError
from app.organizations.models import Level, Membership, Organization
from app.tenancy import tenant_scope, unscoped


def _slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48]
    return slug or "org"


def _unique_slug(name: str) -> str:
    base = _slugify(name)
    slug = base
    session = get_session()
    while session.scalar(select(Organization.id).where(Organization.slug == slug)) is not None:
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def snapshot(org: Organization) -> dict[str, Any]:
    return {
        "name": org.name,
        "slug": org.slug,
        "members_can_invite": org.members_can_invite,
        "enforce_2fa": org.enforce_2fa,
        "default_level": org.default_level,
    }


def create_organization(*, name: str, owner: User) -> Organization:
    """A new organization with `owner` as its first owner."""
    name = name.strip()
    if not name:
        raise ValidationError("Organization name must not be blank.", attr="name")
    org = Organization(id=uuid.uuid4(), name=name, slug=_unique_slug(name))
    session = get_session()
    session.add(org)
    session.flush()
    with tenant_scope(org.id):
        session.add(Membership(user_id=owner.id, level=int(Level.OWNER)))
        activity.record(action="created", scope="Organization", item_id=org.id, name=org.name)
        session.flush()
    owner.last_organization_id = org.id
    return org


def update_organization(*, org: Organization, changes: dict[str, Any]) -> Organization:
    """Apply changes (already validated) and log the field-level diff."""
    before = snapshot(org)
    if "slug" in changes and changes["slug"] != org.slug:
        taken = get_session().scalar(
            select(Organization.id).where(Organization.slug == changes["slug"])
        )
        if taken is not None:
            raise Conflict("This slug is taken.", attr="slug", code="unique")
    for key, value in changes.items():
        setattr(org, key, value)
    activity.record(
        action="updated",
        scope="Organization",
        item_id=org.id,
        name=org.name,
        changes=activity.diff(before, snapshot(org)),
    )
    return org


def delete_organization(*, org: Organization) -> None:
    """Delete the organization and (by cascade) everything it owns."""
    get_session().delete(org)


def memberships_of(user_id: uuid.UUID) -> list[tuple[Organization, int]]:
    """Every organization the user belongs to, with their level (crosses tenants by design)."""
    with unscoped():
        rows = (
            get_session()
            .execute(
                select(Organization, Membership.level)
                .join(Membership, Membership.organization_id == Organization.id)
                .where(Membership.user_id == user_id)
                .order_by(Organization.created_at, Organization.id)
            )
            .all()
        )
    return [(row[0], int(row[1])) for row in rows]
