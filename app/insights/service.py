"""Saved insights: CRUD, cached results, view tracking for cache warming."""

from __future__ import annotations

import secrets
import string
import time
import uuid
from typing import Any

from sqlalchemy import Select, select

from app.activity import service as activity
from app.db import get_session, utcnow
from app.errors import NotFound, ValidationError
from app.insights.models import Insight
from app.query.base import QueryContext, QueryError
from app.query.execution import execute_query
from app.redis_client import get_redis
from app.tenancy import require_project_id

VIEWS_KEY = "insight_views"  # zset of "<project_id>:<insight_id>" scored by last view time
_FIELDS = ("name", "description", "query", "tags", "favorited", "saved")
_ALPHABET = string.ascii_letters + string.digits


def _snapshot(insight: Insight) -> dict[str, Any]:
    return {f: getattr(insight, f) for f in _FIELDS}


def _check_query(query: dict[str, Any]) -> None:
    if not isinstance(query.get("kind"), str):
        raise ValidationError("query.kind is required.", attr="query")


def list_insights(*, saved_only: bool = True) -> Select[Insight]:
    stmt = select(Insight).where(Insight.deleted.is_(False))
    if saved_only:
        stmt = stmt.where(Insight.saved.is_(True))
    return stmt.order_by(Insight.last_modified_at.desc(), Insight.id.desc())


def get_insight(insight_id: int) -> Insight:
    """The insight of the current project, or NotFound (also for other tenants' ids)."""
    found = (
        get_session()
        .scalars(select(Insight).where(Insight.id == insight_id, Insight.deleted.is_(False)))
        .first()
    )
    if found is None:
        raise NotFound("Insight not found.")
    return found


def create_insight(
    *,
    name: str,
    description: str,
    query: dict[str, Any],
    tags: list[str],
    favorited: bool,
    saved: bool,
    created_by_id: uuid.UUID | None,
) -> Insight:
    _check_query(query)
    insight = Insight(
        short_id="".join(secrets.choice(_ALPHABET) for _ in range(8)),
        name=name,
        description=description,
        query=query,
        tags=tags,
        favorited=favorited,
        saved=saved,
        created_by_id=created_by_id,
    )
    session = get_session()
    session.add(insight)
    session.flush()
    activity.record(
        action="created",
        scope="Insight",
        item_id=insight.id,
        name=name,
        project_id=insight.project_id,
    )
    return insight


def update_insight(insight: Insight, changes: dict[str, Any]) -> Insight:
    """Apply the given fields; `deleted: true` soft-deletes."""
    if "query" in changes:
        _check_query(changes["query"])
    before = _snapshot(insight)
    for field, value in changes.items():
        setattr(insight, field, value)
    insight.last_modified_at = utcnow()
    action = "deleted" if changes.get("deleted") else "updated"
    activity.record(
        action=action,
        scope="Insight",
        item_id=insight.id,
        name=insight.name,
        changes=activity.diff(before, _snapshot(insight)),
        project_id=insight.project_id,
    )
    return insight


def delete_insight(insight: Insight) -> None:
    insight.deleted = True
    activity.record(
        action="deleted",
        scope="Insight",
        item_id=insight.id,
        name=insight.name,
        project_id=insight.project_id,
    )


def insight_result(
    insight: Insight, *, ctx: QueryContext, refresh: str, organization_id: uuid.UUID
) -> dict[str, Any]:
    """The insight's result in the given mode (cache only unless asked to refresh)."""
    try:
        return execute_query(insight.query, ctx, mode=refresh, organization_id=organization_id).body
    except QueryError as exc:
        raise ValidationError(str(exc), attr="query") from exc


def track_view(insight_id: int, project_id: int | None = None, dashboard_id: int = 0) -> None:
    """Remember that an insight (on a dashboard, or 0) was viewed, for cache warming."""
    redis = get_redis()
    if redis is not None:
        pid = project_id if project_id is not None else require_project_id()
        redis.zadd(VIEWS_KEY, {f"{pid}:{insight_id}:{dashboard_id}": time.time()})
