"""Cloud free allowance: warn at 80 % and 100 %, then pause ingestion into a recoverable
overflow until an upgrade or the next period. Never active in self-hosted deployments."""

from __future__ import annotations

import importlib
import logging
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from app.activity import service as activity
from app.db import get_session
from app.entitlements import Edition, edition_for
from app.projects.models import Project
from app.tenancy import tenant_scope
from billing import notify
from billing.contracts import now, setting
from billing.models import AllowanceState

log = logging.getLogger(__name__)


def is_cloud() -> bool:
    return bool(setting("DEPLOYMENT") == "cloud")


def limit() -> int:
    return int(setting("CLOUD_FREE_EVENTS_PER_MONTH", 1_000_000))


def period_start(at: datetime) -> date:
    return date(at.year, at.month, 1)


def _state(period: date) -> AllowanceState | None:
    return get_session().scalar(select(AllowanceState).where(AllowanceState.period_start == period))


def status_json(organization_id: uuid.UUID) -> dict[str, Any]:
    with tenant_scope(organization_id):
        state = _state(period_start(now()))
    return {
        "limit": limit(),
        "events": state.events if state else 0,
        "paused": bool(state and state.paused),
        "applies": edition_for(organization_id).edition == Edition.FREE,
    }


def _warn(organization_id: uuid.UUID, percent: int, events: int) -> None:
    paused = (
        " Ingestion is paused; new events are kept until you upgrade." if percent >= 100 else ""
    )
    notify.admins(
        organization_id,
        f"Burrow: {percent}% of your free monthly events used",
        f"Your organization has used {events} of {limit()} free events this month.{paused}",
    )
    activity.record(
        action="allowance_warning",
        scope="Billing",
        item_id=organization_id,
        name=f"{percent}% of the free allowance",
        organization_id=organization_id,
        extra={"percent": percent, "events": events, "limit": limit()},
    )


def check(organization_id: uuid.UUID, events: int) -> AllowanceState:
    """Record this period's usage, warn once per threshold, pause free organizations over it."""
    period = period_start(now())
    state = _state(period)
    if state is None:
        state = AllowanceState(organization_id=organization_id, period_start=period)
        get_session().add(state)
        resume_previous(organization_id, period)
    state.events, state.checked_at = events, now()
    if edition_for(organization_id).edition > Edition.FREE:
        state.paused = False
        return state
    if events >= limit() * 0.8 and state.warned_80_at is None:
        state.warned_80_at = now()
        _warn(organization_id, 80, events)
    if events >= limit() and state.warned_100_at is None:
        state.warned_100_at = now()
        _warn(organization_id, 100, events)
    state.paused = events >= limit()
    return state


def resume_previous(organization_id: uuid.UUID, period: date) -> None:
    """A new period: replay what the last one kept in overflow."""
    old = get_session().scalars(
        select(AllowanceState).where(
            AllowanceState.period_start < period, AllowanceState.paused.is_(True)
        )
    )
    for state in old:
        state.paused = False
        replay(organization_id)


def is_over(organization_id: uuid.UUID, _project_id: int) -> bool:
    """Ingestion hook: True when this free organization's batch must go to the overflow."""
    if not is_cloud():
        return False
    with tenant_scope(organization_id):
        state = _state(period_start(now()))
        if state is None or not state.paused:
            return False
    return edition_for(organization_id).edition == Edition.FREE


def replay(organization_id: uuid.UUID) -> int:
    """Send every project's overflow back through ingestion (when ingestion provides it)."""
    try:
        ingestion = importlib.import_module("app.ingestion.service")
    except ImportError:
        return 0
    with tenant_scope(organization_id):
        project_ids = list(get_session().scalars(select(Project.id)))
    replayed = 0
    for project_id in project_ids:
        with tenant_scope(organization_id, project_id):
            replayed += int(ingestion.replay_overflow(project_id) or 0)
    return replayed


def on_edition_change(organization_id: uuid.UUID, old: Edition, new: Edition) -> None:
    """An upgrade lifts the pause at once and replays the overflow."""
    if not is_cloud() or new <= Edition.FREE or old > Edition.FREE:
        return
    with tenant_scope(organization_id):
        state = _state(period_start(now()))
        if state is not None:
            state.paused = False
    replay(organization_id)


def period_start_datetime(at: datetime) -> datetime:
    start = period_start(at)
    return datetime(start.year, start.month, 1, tzinfo=UTC)
