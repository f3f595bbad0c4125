"""Service accounts and their keys: create, change, roll, delete. Values are shown once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.activity import service as activity
from app.api_keys.service import validate_scopes
from app.db import get_session, utcnow
from app.errors import NotFound, ValidationError
from app.organizations.models import Level
from app.projects.models import Project
from app.security import generate_key, sha256_hex
from app.service_accounts.models import ServiceAccount, ServiceAccountKey
from app.service_accounts.schemas import KEY_PREFIX


def _check_level(level: int) -> int:
    if level not in (Level.MEMBER, Level.ADMIN):
        raise ValidationError("A service account is a member (1) or admin (8).", attr="level")
    return level


def _check_projects(project_ids: list[int] | None, attr: str) -> list[int] | None:
    if not project_ids:
        return None
    found = set(get_session().scalars(select(Project.id).where(Project.id.in_(project_ids))))
    if found != set(project_ids):
        raise ValidationError("Unknown project in this organization.", attr=attr)
    return sorted(found)


def list_accounts() -> Any:
    return select(ServiceAccount).order_by(ServiceAccount.created_at, ServiceAccount.id)


def get_account(account_id: uuid.UUID) -> ServiceAccount:
    account = get_session().scalar(select(ServiceAccount).where(ServiceAccount.id == account_id))
    if account is None:
        raise NotFound()
    return account


def _snapshot(account: ServiceAccount) -> dict[str, Any]:
    fields = ("name", "level", "project_ids", "disabled")
    return {f: getattr(account, f) for f in fields}


def create_account(
    *, name: str, level: int, project_ids: list[int] | None, created_by_id: uuid.UUID | None
) -> ServiceAccount:
    """A new service account owned by the organization (not by its creator)."""
    account = ServiceAccount(
        name=name,
        level=_check_level(level),
        project_ids=_check_projects(project_ids, "project_ids"),
        created_by_id=created_by_id,
    )
    get_session().add(account)
    get_session().flush()
    activity.record(action="created", scope="ServiceAccount", item_id=account.id, name=name)
    return account


def update_account(*, account: ServiceAccount, changes: dict[str, Any]) -> ServiceAccount:
    before = _snapshot(account)
    if "level" in changes and changes["level"] is not None:
        account.level = _check_level(changes["level"])
    if "project_ids" in changes:
        account.project_ids = _check_projects(changes["project_ids"], "project_ids")
    for name in ("name", "disabled"):
        if changes.get(name) is not None:
            setattr(account, name, changes[name])
    activity.record(
        action="updated",
        scope="ServiceAccount",
        item_id=account.id,
        name=account.name,
        changes=activity.diff(before, _snapshot(account)),
    )
    return account


def delete_account(*, account: ServiceAccount) -> None:
    """Delete the account; its keys stop working at once."""
    get_session().delete(account)
    activity.record(action="deleted", scope="ServiceAccount", item_id=account.id, name=account.name)


def list_keys(account: ServiceAccount) -> Any:
    return (
        select(ServiceAccountKey)
        .where(ServiceAccountKey.service_account_id == account.id)
        .order_by(ServiceAccountKey.created_at.desc())
    )


def get_key(account: ServiceAccount, key_id: uuid.UUID) -> ServiceAccountKey:
    key = get_session().scalar(
        select(ServiceAccountKey).where(
            ServiceAccountKey.id == key_id, ServiceAccountKey.service_account_id == account.id
        )
    )
    if key is None:
        raise NotFound()
    return key


def _check_expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is not None and expires_at <= utcnow():
        raise ValidationError("Expiry must be in the future.", attr="expires_at")
    return expires_at


def create_key(
    *,
    account: ServiceAccount,
    label: str,
    scopes: list[str],
    scoped_projects: list[int] | None,
    expires_at: datetime | None,
) -> tuple[ServiceAccountKey, str]:
    """A new key for the account; the raw value is returned once and never stored."""
    raw = generate_key(KEY_PREFIX)
    key = ServiceAccountKey(
        service_account_id=account.id,
        label=label,
        secure_value=sha256_hex(raw),
        mask_value=raw[-4:],
        scopes=validate_scopes(scopes),
        scoped_projects=_check_projects(scoped_projects, "scoped_projects"),
        expires_at=_check_expiry(expires_at),
    )
    get_session().add(key)
    get_session().flush()
    activity.record(
        action="key_created", scope="ServiceAccount", item_id=account.id, name=account.name,
        extra={"key_id": str(key.id), "scopes": key.scopes},
    )  # fmt: skip
    return key, raw


def update_key(*, key: ServiceAccountKey, changes: dict[str, Any]) -> ServiceAccountKey:
    if changes.get("scopes") is not None:
        key.scopes = validate_scopes(changes["scopes"])
    if "scoped_projects" in changes:
        key.scoped_projects = _check_projects(changes["scoped_projects"], "scoped_projects")
    if "expires_at" in changes:
        key.expires_at = _check_expiry(changes["expires_at"])
    if changes.get("label") is not None:
        key.label = changes["label"]
    activity.record(
        action="key_updated", scope="ServiceAccount", item_id=key.service_account_id,
        extra={"key_id": str(key.id)},
    )  # fmt: skip
    return key


def roll_key(*, key: ServiceAccountKey) -> str:
    """Replace the value; the old one stops working at once."""
    raw = generate_key(KEY_PREFIX)
    key.secure_value, key.mask_value, key.last_rolled_at = sha256_hex(raw), raw[-4:], utcnow()
    activity.record(
        action="key_rolled", scope="ServiceAccount", item_id=key.service_account_id,
        extra={"key_id": str(key.id)},
    )  # fmt: skip
    return raw


def delete_key(*, key: ServiceAccountKey) -> None:
    get_session().delete(key)
    activity.record(
        action="key_deleted", scope="ServiceAccount", item_id=key.service_account_id,
        extra={"key_id": str(key.id)},
    )  # fmt: skip
