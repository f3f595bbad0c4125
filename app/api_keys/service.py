"""Personal API keys: create (value shown once), list, update, roll, delete."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.api_keys.models import PersonalAPIKey
from app.db import get_session, utcnow
from app.errors import NotFound, ValidationError
from app.organizations.service import memberships_of
from app.security import generate_key, sha256_hex

MAX_KEYS_PER_USER = 100  # a sanity bound against runaway scripts, not a plan limit
SCOPE_OBJECTS = frozenset(
    {
        "organization",
        "organization_member",
        "project",
        "activity_log",
        "event",
        "person",
        "group",
        "query",
        "insight",
        "dashboard",
        "subscription",
        "cohort",
        "action",
        "feature_flag",
        "experiment",
        "annotation",
        "billing",
        "sso",
        "audit_log",
        "property_definition",
        "telemetry",
    }
)


def validate_scopes(scopes: list[str]) -> list[str]:
    for scope in scopes:
        obj, _, mode = scope.partition(":")
        if scope != "*" and (obj not in SCOPE_OBJECTS or mode not in {"read", "write"}):
            raise ValidationError(f"Unknown scope '{scope}'.", attr="scopes", code="invalid_scope")
    if not scopes:
        raise ValidationError("Give at least one scope (or '*').", attr="scopes")
    return sorted(set(scopes))


def _validate_restrictions(
    user_id: uuid.UUID, orgs: list[str] | None, projects: list[int] | None
) -> None:
    mine = {org.id for org, _ in memberships_of(user_id)}
    for org in orgs or []:
        try:
            if uuid.UUID(str(org)) not in mine:
                raise ValueError
        except ValueError as exc:
            raise ValidationError(
                "You are not a member of that organization.", attr="scoped_organizations"
            ) from exc
    if projects:
        from app.projects.models import Project
        from app.tenancy import unscoped

        with unscoped():
            found = (
                get_session()
                .scalars(select(Project.organization_id).where(Project.id.in_(projects)))
                .all()
            )
        if len(found) != len(set(projects)) or any(o not in mine for o in found):
            raise ValidationError(
                "You do not have access to one of those projects.", attr="scoped_projects"
            )


def create_key(
    *,
    user_id: uuid.UUID,
    label: str,
    scopes: list[str],
    scoped_organizations: list[str] | None,
    scoped_projects: list[int] | None,
    expires_at: datetime | None,
) -> tuple[PersonalAPIKey, str]:
    """A new key; the raw value is returned once and never stored."""
    session = get_session()
    count = len(
        session.scalars(select(PersonalAPIKey.id).where(PersonalAPIKey.user_id == user_id)).all()
    )
    if count >= MAX_KEYS_PER_USER:
        raise ValidationError(
            "You have too many keys; delete unused ones first.", code="too_many_keys"
        )
    if expires_at is not None and expires_at <= utcnow():
        raise ValidationError("Expiry must be in the future.", attr="expires_at")
    _validate_restrictions(user_id, scoped_organizations, scoped_projects)
    raw = generate_key("phx_")
    key = PersonalAPIKey(
        user_id=user_id,
        label=label,
        secure_value=sha256_hex(raw),
        mask_value=raw[-4:],
        scopes=validate_scopes(scopes),
        scoped_organizations=[str(o) for o in scoped_organizations or []] or None,
        scoped_projects=list(scoped_projects or []) or None,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    return key, raw


def get_key(user_id: uuid.UUID, key_id: uuid.UUID) -> PersonalAPIKey:
    key = get_session().scalar(
        select(PersonalAPIKey).where(PersonalAPIKey.id == key_id, PersonalAPIKey.user_id == user_id)
    )
    if key is None:
        raise NotFound()
    return key


def list_keys(user_id: uuid.UUID) -> Any:
    return (
        select(PersonalAPIKey)
        .where(PersonalAPIKey.user_id == user_id)
        .order_by(PersonalAPIKey.created_at.desc())
    )


def update_key(*, key: PersonalAPIKey, changes: dict[str, Any]) -> PersonalAPIKey:
    if "scopes" in changes:
        changes["scopes"] = validate_scopes(changes["scopes"])
    _validate_restrictions(
        key.user_id, changes.get("scoped_organizations"), changes.get("scoped_projects")
    )
    for field, value in changes.items():
        setattr(key, field, value or None if field.startswith("scoped_") else value)
    return key


def roll_key(*, key: PersonalAPIKey) -> str:
    """Replace the value; the old one stops working at once."""
    raw = generate_key("phx_")
    key.secure_value, key.mask_value, key.last_rolled_at = sha256_hex(raw), raw[-4:], utcnow()
    return raw


def delete_key(*, key: PersonalAPIKey) -> None:
    get_session().delete(key)
