"""The audit log: the activity log filtered, windowed by plan, exported, and purged by retention.

Recording is never gated. Without the `audit_log` feature an organization reads only the last
FREE_WINDOW (older entries answer 402 and stay stored, intact for an upgrade). Retention is
per organization and defaults to keeping everything (None).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, delete, select

from app.activity import service as activity
from app.activity.models import ActivityLog
from app.audit.models import AuditSettings
from app.db import get_session, utcnow
from app.entitlements import REGISTRY, has_feature
from app.errors import FeatureNotInPlan
from app.tenancy import tenant_scope, unscoped

FEATURE = "audit_log"
FREE_WINDOW = timedelta(days=7)
EXPORT_BATCH = 500


@dataclass(frozen=True)
class AuditFilter:
    actor: uuid.UUID | None = None
    actor_kind: str | None = None
    action: str | None = None
    scope: str | None = None
    item_id: str | None = None
    project_id: int | None = None
    after: datetime | None = None
    before: datetime | None = None


def free_window_start(organization_id: uuid.UUID) -> datetime | None:
    """Oldest readable moment for the organization (None: everything is readable)."""
    return None if has_feature(organization_id, FEATURE) else utcnow() - FREE_WINDOW


def apply_window(organization_id: uuid.UUID, flt: AuditFilter) -> AuditFilter:
    """Clamp an open-ended query to the readable window; 402 on asking for older entries."""
    start = free_window_start(organization_id)
    if start is None:
        return flt
    asked = flt.after if flt.after is not None else flt.before
    if asked is not None and asked < start:
        raise FeatureNotInPlan(FEATURE, REGISTRY[FEATURE].edition.label)
    after = flt.after if flt.after is not None else start
    return AuditFilter(**{**flt.__dict__, "after": after})


def readable(stmt: Select[Any], organization_id: uuid.UUID) -> Select[Any]:
    """Limit an activity-log query to what the organization's plan may read."""
    start = free_window_start(organization_id)
    return stmt if start is None else stmt.where(ActivityLog.created_at >= start)


def query(flt: AuditFilter) -> Select[Any]:
    """Entries of the current organization matching the filter, newest first."""
    stmt = activity.list_query(
        scope=flt.scope, action=flt.action, project_id=flt.project_id, actor_user_id=flt.actor
    )
    if flt.actor_kind:
        stmt = stmt.where(ActivityLog.actor_kind == flt.actor_kind)
    if flt.item_id:
        stmt = stmt.where(ActivityLog.item_id == flt.item_id)
    if flt.after is not None:
        stmt = stmt.where(ActivityLog.created_at >= flt.after)
    if flt.before is not None:
        stmt = stmt.where(ActivityLog.created_at < flt.before)
    return stmt


def iter_entries(flt: AuditFilter) -> Iterator[ActivityLog]:
    """Stream matching entries in batches over a server-side cursor (bounded memory)."""
    stmt = query(flt).execution_options(yield_per=EXPORT_BATCH)
    for entry in get_session().scalars(stmt):
        yield cast(ActivityLog, entry)


def get_settings() -> AuditSettings:
    """The organization's settings row (created with defaults on first use)."""
    row = get_session().scalar(select(AuditSettings))
    if row is None:
        row = AuditSettings(retention_days=None)
        get_session().add(row)
        get_session().flush()
    return row


def set_retention(*, retention_days: int | None) -> AuditSettings:
    row = get_settings()
    before = row.retention_days
    row.retention_days = retention_days
    activity.record(
        action="retention_changed",
        scope="AuditLog",
        changes=[{"field": "retention_days", "before": before, "after": retention_days}],
    )
    return row


def purge_expired() -> int:
    """Delete entries older than each organization's retention; returns how many went."""
    with unscoped():
        rows = (
            get_session()
            .execute(
                select(AuditSettings.organization_id, AuditSettings.retention_days).where(
                    AuditSettings.retention_days.is_not(None)
                )
            )
            .all()
        )
    removed = 0
    for org_id, days in rows:
        cutoff = utcnow() - timedelta(days=int(days or 0))
        with tenant_scope(org_id):
            result = get_session().execute(
                delete(ActivityLog).where(ActivityLog.created_at < cutoff),
                execution_options={"synchronize_session": False},
            )
        removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return removed
