"""Flags admin: create, update, soft-delete; every change is a new version and an activity entry."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from app.activity import service as activity
from app.db import get_session, utcnow
from app.entitlements import ensure_feature
from app.errors import Conflict, NotFound, ValidationError
from app.feature_flags.models import FeatureFlag, FeatureFlagVersion
from app.feature_flags.validation import clean_filters

SNAPSHOT_FIELDS = (
    "key",
    "name",
    "filters",
    "active",
    "deleted",
    "ensure_experience_continuity",
    "evaluation_runtime",
    "is_remote_configuration",
    "tags",
)


def snapshot(flag: FeatureFlag) -> dict[str, Any]:
    return {name: getattr(flag, name) for name in SNAPSHOT_FIELDS}


def live_flags() -> list[FeatureFlag]:
    """The project's flags that are not soft-deleted, by id."""
    stmt = select(FeatureFlag).where(FeatureFlag.deleted.is_(False)).order_by(FeatureFlag.id)
    return list(get_session().scalars(stmt))


def list_stmt(search: str | None = None, active: bool | None = None) -> Any:
    stmt = select(FeatureFlag).where(FeatureFlag.deleted.is_(False)).order_by(FeatureFlag.id.desc())
    if search:
        stmt = stmt.where(FeatureFlag.key.ilike(f"%{search}%"))
    if active is not None:
        stmt = stmt.where(FeatureFlag.active.is_(active))
    return stmt


def get_flag(flag_id: int) -> FeatureFlag:
    flag = get_session().scalar(select(FeatureFlag).where(FeatureFlag.id == flag_id))
    if flag is None or flag.deleted:
        raise NotFound()
    return flag


def get_by_key(key: str) -> FeatureFlag:
    stmt = select(FeatureFlag).where(FeatureFlag.key == key, FeatureFlag.deleted.is_(False))
    flag = get_session().scalar(stmt)
    if flag is None:
        raise NotFound()
    return flag


def _check_editions(organization_id: uuid.UUID, filters: dict[str, Any]) -> None:
    if filters.get("multivariate") or filters.get("payloads"):
        ensure_feature(organization_id, "multivariate_flags")
    if filters.get("aggregation_group_type_index") is not None or any(
        g.get("aggregation_group_type_index") is not None for g in filters.get("groups") or []
    ):
        ensure_feature(organization_id, "group_analytics")


def _normalise_dependencies(filters: dict[str, Any], flags: list[FeatureFlag]) -> None:
    """Dependencies are stored by flag id (as PostHog does); keys are accepted on input."""
    by_ref = {f.key: f for f in flags} | {str(f.id): f for f in flags}
    for i, group in enumerate(filters.get("groups") or []):
        for j, prop in enumerate(group.get("properties") or []):
            if prop.get("type") != "flag":
                continue
            target = by_ref.get(str(prop["key"]))
            if target is None:
                attr = f"filters.groups.{i}.properties.{j}"
                raise ValidationError(f"Flag dependency {prop['key']!r} does not exist.", attr=attr)
            prop["key"] = str(target.id)


def _check_cycles(flag_id: int | None, filters: dict[str, Any], flags: list[FeatureFlag]) -> None:
    graph = {str(f.id): _deps(f.filters) for f in flags}
    me = str(flag_id) if flag_id is not None else "new"
    graph[me] = _deps(filters)
    seen: set[str] = set()
    stack = list(graph[me])
    while stack:
        node = stack.pop()
        if node == me:
            raise ValidationError(
                "Flag dependencies form a cycle.", attr="filters", code="dependency_cycle"
            )
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, []))


def _deps(filters: dict[str, Any]) -> list[str]:
    return [
        str(p["key"])
        for g in filters.get("groups") or []
        for p in g.get("properties") or []
        if p.get("type") == "flag"
    ]


def _prepare_filters(
    raw: dict[str, Any], organization_id: uuid.UUID, flag_id: int | None
) -> dict[str, Any]:
    filters = clean_filters(raw)
    _check_editions(organization_id, filters)
    flags = [f for f in live_flags() if f.id != flag_id]
    _normalise_dependencies(filters, flags)
    _check_cycles(flag_id, filters, flags)
    return filters


def _ensure_key_free(key: str, flag_id: int | None) -> None:
    stmt = select(FeatureFlag.id).where(FeatureFlag.key == key, FeatureFlag.deleted.is_(False))
    existing = get_session().scalar(stmt)
    if existing is not None and existing != flag_id:
        raise Conflict("There is already a feature flag with this key.", attr="key", code="unique")


def _record_version(flag: FeatureFlag, user_id: uuid.UUID | None) -> None:
    get_session().add(
        FeatureFlagVersion(
            flag_id=flag.id, version=flag.version, snapshot=snapshot(flag), created_by_id=user_id
        )
    )


def create_flag(
    *, organization_id: uuid.UUID, user_id: uuid.UUID | None, data: dict[str, Any]
) -> FeatureFlag:
    """Validate, gate by edition, store version 1 and log it."""
    _ensure_key_free(data["key"], None)
    data["filters"] = _prepare_filters(data.get("filters") or {}, organization_id, None)
    flag = FeatureFlag(**data, created_by_id=user_id, version=1)
    session = get_session()
    session.add(flag)
    session.flush()
    _record_version(flag, user_id)
    activity.record(
        action="created",
        scope="FeatureFlag",
        item_id=flag.id,
        name=flag.key,
        changes=activity.diff({}, snapshot(flag)),
        project_id=flag.project_id,
    )
    return flag


def update_flag(
    *,
    flag: FeatureFlag,
    organization_id: uuid.UUID,
    user_id: uuid.UUID | None,
    changes: dict[str, Any],
) -> FeatureFlag:
    """Apply changes; a real change bumps the version and records a diff."""
    before = snapshot(flag)
    if "key" in changes and changes["key"] is not None:
        _ensure_key_free(changes["key"], flag.id)
    if changes.get("filters") is not None:
        changes["filters"] = _prepare_filters(changes["filters"], organization_id, flag.id)
    for name, value in changes.items():
        if value is not None:
            setattr(flag, name, value)
    after = snapshot(flag)
    diff = activity.diff(before, after)
    if not diff:
        return flag
    flag.version += 1
    flag.updated_at = utcnow()
    get_session().flush()
    _record_version(flag, user_id)
    action = "deleted" if after["deleted"] and not before["deleted"] else "updated"
    activity.record(
        action=action,
        scope="FeatureFlag",
        item_id=flag.id,
        name=flag.key,
        changes=diff,
        project_id=flag.project_id,
    )
    return flag


def versions(flag: FeatureFlag) -> list[FeatureFlagVersion]:
    stmt = (
        select(FeatureFlagVersion)
        .where(FeatureFlagVersion.flag_id == flag.id)
        .order_by(FeatureFlagVersion.version.desc())
    )
    return list(get_session().scalars(stmt))
