"""Record and read the activity log. Secrets never enter it."""

from __future__ import annotations

import uuid
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import Select, select

from app.activity.models import ActivityLog
from app.db import get_session

_SECRET_MARKERS = ("password", "secret", "token", "secure_value", "totp", "private_key", "hash")


def is_secret_field(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Field-level changes between two snapshots, secret fields dropped."""
    out = []
    for key in sorted(set(before) | set(after)):
        if is_secret_field(key) or before.get(key) == after.get(key):
            continue
        out.append(
            {"field": key, "before": _jsonable(before.get(key)), "after": _jsonable(after.get(key))}
        )
    return out


def _actor() -> tuple[uuid.UUID | None, str, str]:
    principal = g.get("principal") if has_request_context() else None
    if principal is not None and principal.user is None and "actor_id" in principal.extra:
        return principal.extra["actor_id"], principal.kind, str(principal.extra["actor_label"])
    if principal is None or principal.user is None:
        return None, "system", "system"
    kind = "user" if principal.kind == "user" else principal.kind
    return principal.user.id, kind, principal.user.email


def record(
    *,
    action: str,
    scope: str,
    item_id: object = "",
    name: str = "",
    changes: list[dict[str, Any]] | None = None,
    project_id: int | None = None,
    organization_id: uuid.UUID | None = None,
    extra: dict[str, Any] | None = None,
) -> ActivityLog:
    """Add an entry for the current actor (or `system` outside a request)."""
    user_id, kind, label = _actor()
    entry = ActivityLog(
        action=action,
        scope=scope,
        item_id=str(item_id),
        actor_user_id=user_id,
        actor_kind=kind,
        actor_label=label,
        project_id=project_id,
        detail={"name": name, "changes": changes or [], **(extra or {})},
        ip=request.remote_addr if has_request_context() else None,
    )
    if organization_id is not None:
        entry.organization_id = organization_id
    get_session().add(entry)
    return entry


def list_query(
    *,
    scope: str | None = None,
    action: str | None = None,
    project_id: int | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> Select[ActivityLog]:
    """Entries of the current organization, newest first, optionally filtered."""
    stmt = select(ActivityLog).order_by(ActivityLog.created_at.desc(), ActivityLog.id)
    if scope:
        stmt = stmt.where(ActivityLog.scope == scope)
    if action:
        stmt = stmt.where(ActivityLog.action == action)
    if project_id is not None:
        stmt = stmt.where(ActivityLog.project_id == project_id)
    if actor_user_id is not None:
        stmt = stmt.where(ActivityLog.actor_user_id == actor_user_id)
    return stmt


def serialize(entry: ActivityLog) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "created_at": entry.created_at.isoformat(),
        "actor": {
            "kind": entry.actor_kind,
            "id": str(entry.actor_user_id or ""),
            "email": entry.actor_label,
        },
        "action": entry.action,
        "scope": entry.scope,
        "item_id": entry.item_id,
        "project_id": entry.project_id,
        "detail": entry.detail,
    }
