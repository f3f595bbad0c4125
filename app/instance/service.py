"""Instance-wide settings, the instance's edition, version and health checks."""

from __future__ import annotations

import importlib.metadata
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text

from app.access import require_user
from app.auth.models import User
from app.db import get_session
from app.entitlements import Edition, EditionGrant, edition_for
from app.errors import Forbidden
from app.instance.models import InstanceSetting
from app.organizations.models import Organization
from app.redis_client import get_redis

FALLBACK_VERSION = "0.1.0"


def require_instance_admin() -> User:
    """The current user if they administer this instance (staff), else 403."""
    user = require_user()
    if not user.is_staff:
        raise Forbidden("Only an instance admin can do this.", code="instance_admin_required")
    return user


def get_setting(key: str, default: Any) -> Any:
    """An instance-wide setting's value, or the default when never set."""
    row = get_session().get(InstanceSetting, key)
    return default if row is None else row.value


def set_setting(*, key: str, value: Any, user_id: uuid.UUID | None) -> None:
    """Store an instance-wide setting (the caller commits)."""
    session = get_session()
    row = session.get(InstanceSetting, key)
    if row is None:
        row = InstanceSetting(key=key)
        session.add(row)
    row.value, row.updated_by_id = value, user_id


def version() -> str:
    """The running Burrow version (the installed package's)."""
    try:
        return importlib.metadata.version("burrow")
    except importlib.metadata.PackageNotFoundError:
        return FALLBACK_VERSION


@dataclass(frozen=True)
class InstanceEdition:
    """The highest edition any organization here holds, where it comes from, and the spread."""

    grant: EditionGrant
    organizations_by_edition: dict[str, int]


def instance_edition() -> InstanceEdition:
    """Resolve every organization's edition (global table; no tenant data is read here)."""
    best = EditionGrant(Edition.FREE, "free", {})
    counts = {edition.label: 0 for edition in Edition}
    for org_id in get_session().scalars(select(Organization.id)):
        grant = edition_for(org_id)
        counts[grant.edition.label] += 1
        if grant.edition > best.edition:
            best = grant
    return InstanceEdition(best, counts)


def database_health() -> str:
    try:
        get_session().execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - status reports any failure as "error"
        return "error"
    return "ok"


def redis_health() -> str:
    redis = get_redis()
    if redis is None:
        return "not_configured"
    try:
        redis.ping()
    except Exception:  # noqa: BLE001
        return "error"
    return "ok"
