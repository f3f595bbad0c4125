"""Usage metering: a daily ledger from the event store, reported to Stripe exactly once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from app.db import get_session
from app.events.models import Event
from app.projects.models import Project
from app.tenancy import tenant_scope
from billing import stripe_gateway, sync
from billing.contracts import METRIC_EVENTS, now
from billing.models import UsageRecord

LOOKBACK_DAYS = 3  # late data for the last few days is sent as deltas


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def count_events(organization_id: uuid.UUID, start: datetime, end: datetime) -> int:
    """Events stored for the organization with a timestamp in [start, end)."""
    session = get_session()
    with tenant_scope(organization_id):
        project_ids = list(session.scalars(select(Project.id)))
    total = 0
    for project_id in project_ids:
        with tenant_scope(organization_id, project_id):
            total += (
                session.scalar(
                    select(func.count())
                    .select_from(Event)
                    .where(  # explicit: the tenant guard sees no entity in a bare count
                        Event.project_id == project_id,
                        Event.timestamp >= start,
                        Event.timestamp < end,
                    )
                )
                or 0
            )
    return total


def ledger_total(start: date, end: date, metric: str = METRIC_EVENTS) -> int:
    """Usage in the current organization's ledger for days in [start, end)."""
    stmt = select(func.coalesce(func.sum(UsageRecord.quantity), 0)).where(
        UsageRecord.metric == metric, UsageRecord.day >= start, UsageRecord.day < end
    )
    return int(get_session().scalar(stmt) or 0)


def meter_day(organization_id: uuid.UUID, day: date) -> UsageRecord | None:
    """Add a ledger row for whatever of `day` is not recorded yet (base, then deltas)."""
    session = get_session()
    total = count_events(organization_id, day_start(day), day_start(day + timedelta(days=1)))
    rows = list(
        session.scalars(
            select(UsageRecord).where(UsageRecord.metric == METRIC_EVENTS, UsageRecord.day == day)
        )
    )
    recorded = sum(r.quantity for r in rows)
    if total <= recorded:
        return None
    identifier = f"{organization_id}:{METRIC_EVENTS}:{day.isoformat()}"
    if rows:
        identifier += f":delta:{len(rows)}"
    account = sync.get_account()
    billable = account is not None and bool(account.stripe_customer_id)
    row = UsageRecord(
        organization_id=organization_id,
        metric=METRIC_EVENTS,
        day=day,
        quantity=total - recorded,
        identifier=identifier,
        status="pending" if billable and not account.customer_deleted else "local",  # type: ignore[union-attr]
    )
    session.add(row)
    session.flush()
    return row


def days_to_meter(today: date) -> list[date]:
    return [today - timedelta(days=n) for n in range(LOOKBACK_DAYS, 0, -1)]


def send_pending() -> int:
    """Report unsent ledger rows to Stripe; the identifier makes a resend harmless."""
    account = sync.get_account()
    if account is None or not account.stripe_customer_id:
        return 0
    sent = 0
    pending = get_session().scalars(
        select(UsageRecord).where(UsageRecord.status == "pending").order_by(UsageRecord.day)
    )
    for row in pending:
        moment = min(day_start(row.day + timedelta(days=1)) - timedelta(seconds=1), now())
        try:
            stripe_gateway.create_meter_event(
                customer_id=account.stripe_customer_id,
                value=row.quantity,
                identifier=row.identifier,
                timestamp=int(moment.timestamp()),
            )
        except stripe_gateway.GatewayError as exc:
            row.last_error = str(exc)[:2000]
            continue
        row.status, row.sent_at, row.last_error = "sent", now(), None
        sent += 1
    return sent


def meter_organization(organization_id: uuid.UUID, today: date | None = None) -> int:
    """Ledger the last days for one organization (scope set by the caller)."""
    created = 0
    for day in days_to_meter(today or now().date()):
        created += meter_day(organization_id, day) is not None
    return created
