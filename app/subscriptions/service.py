"""Scheduled reports: validation, the recurrence rule, CRUD and the due-list.

The schedule follows PostHog: an iCalendar recurrence (`dateutil.rrule`) from `start_date`
with a frequency, an interval, optional weekdays and a set position (e.g. the last Friday
of the month), ending after `count` deliveries or at `until_date`. `next_delivery_date` is
the next occurrence after now; the delivery job sends what is due and moves it on.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from dateutil import rrule
from pydantic import EmailStr, TypeAdapter
from pydantic import ValidationError as PydanticError
from sqlalchemy import Select, select

from app.activity import service as activity
from app.dashboards import service as dashboards
from app.db import get_session, utcnow
from app.entitlements import ensure_feature
from app.errors import NotFound, ValidationError
from app.insights import service as insights
from app.subscriptions.models import Subscription

FEATURE = "dashboard_sharing"  # "shared dashboard links, scheduled reports"
MAX_RECIPIENTS = 50
FREQUENCIES = {
    "daily": rrule.DAILY,
    "weekly": rrule.WEEKLY,
    "monthly": rrule.MONTHLY,
    "yearly": rrule.YEARLY,
}
WEEKDAYS = {
    "monday": rrule.MO,
    "tuesday": rrule.TU,
    "wednesday": rrule.WE,
    "thursday": rrule.TH,
    "friday": rrule.FR,
    "saturday": rrule.SA,
    "sunday": rrule.SU,
}
_UNITS = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year"}
_POSITIONS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_EDITABLE = (
    "title",
    "target_value",
    "frequency",
    "interval",
    "byweekday",
    "bysetpos",
    "count",
    "start_date",
    "until_date",
)
_email = TypeAdapter(EmailStr)


def recipients(target_value: str) -> list[str]:
    """The comma-separated addresses, validated and de-duplicated (order kept)."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in target_value.split(","):
        address = raw.strip()
        if not address:
            continue
        try:
            address = str(_email.validate_python(address))
        except PydanticError as exc:
            raise ValidationError(
                f"'{address}' is not an e-mail address.", attr="target_value"
            ) from exc
        if address.lower() not in seen:
            seen.add(address.lower())
            out.append(address)
    if not out:
        raise ValidationError("Give at least one e-mail address.", attr="target_value")
    if len(out) > MAX_RECIPIENTS:
        raise ValidationError(
            f"At most {MAX_RECIPIENTS} addresses per subscription.", attr="target_value"
        )
    return out


def schedule(sub: Subscription) -> rrule.rrule:
    return rrule.rrule(
        FREQUENCIES[sub.frequency],
        dtstart=sub.start_date,
        interval=sub.interval,
        wkst=rrule.MO,
        byweekday=[WEEKDAYS[d] for d in sub.byweekday] if sub.byweekday else None,
        bysetpos=sub.bysetpos,
        count=sub.count,
        until=sub.until_date,
    )


def next_after(sub: Subscription, moment: datetime, *, inclusive: bool = False) -> datetime | None:
    """The first occurrence after `moment` (or at it), or None when the schedule has ended."""
    found: datetime | None = schedule(sub).after(moment, inc=inclusive)
    return found


def summary(sub: Subscription) -> str:
    """Human wording of the schedule, e.g. "sent every 2 weeks on Monday, Friday"."""
    unit = _UNITS.get(sub.frequency, sub.frequency)
    every = f"every {sub.interval} {unit}s" if sub.interval > 1 else f"every {unit}"
    text = f"sent {every}"
    if sub.byweekday:
        days = ", ".join(d.capitalize() for d in sub.byweekday)
        position = _POSITIONS.get(sub.bysetpos or 0)
        text += f" on the {position} {days}" if position else f" on {days}"
    if sub.until_date is not None:
        text += f" until {sub.until_date.date().isoformat()}"
    elif sub.count:
        text += f", {sub.count} times"
    return text


def _validate(sub: Subscription) -> None:
    sub.target_value = ", ".join(recipients(sub.target_value))
    if sub.bysetpos is not None and not sub.byweekday:
        raise ValidationError("bysetpos needs byweekday.", attr="bysetpos")
    if sub.until_date is not None and sub.until_date <= sub.start_date:
        raise ValidationError("until_date must be after start_date.", attr="until_date")
    sub.next_delivery_date = next_after(sub, max(utcnow(), sub.start_date), inclusive=True)


def list_subscriptions(
    *, insight_id: int | None = None, dashboard_id: int | None = None
) -> Select[Subscription]:
    stmt = select(Subscription).where(Subscription.deleted.is_(False))
    if insight_id is not None:
        stmt = stmt.where(Subscription.insight_id == insight_id)
    if dashboard_id is not None:
        stmt = stmt.where(Subscription.dashboard_id == dashboard_id)
    return stmt.order_by(Subscription.id)


def get_subscription(subscription_id: int) -> Subscription:
    found = get_session().scalar(
        select(Subscription).where(
            Subscription.id == subscription_id, Subscription.deleted.is_(False)
        )
    )
    if found is None:
        raise NotFound("Subscription not found.")
    return found


def _target(insight_id: int | None, dashboard_id: int | None) -> None:
    if (insight_id is None) == (dashboard_id is None):
        raise ValidationError("Give exactly one of insight and dashboard.", attr="insight")
    try:
        if insight_id is not None:
            insights.get_insight(insight_id)
        else:
            dashboards.get_dashboard(int(dashboard_id or 0))
    except NotFound as exc:
        attr = "insight" if insight_id is not None else "dashboard"
        raise ValidationError(f"Unknown {attr}.", attr=attr) from exc


def create_subscription(
    fields: dict[str, Any], *, organization_id: uuid.UUID, created_by_id: uuid.UUID | None
) -> Subscription:
    ensure_feature(organization_id, FEATURE)
    insight_id, dashboard_id = fields.pop("insight", None), fields.pop("dashboard", None)
    _target(insight_id, dashboard_id)
    sub = Subscription(
        **fields,
        insight_id=insight_id,
        dashboard_id=dashboard_id,
        created_by_id=created_by_id,
    )
    _validate(sub)
    session = get_session()
    session.add(sub)
    session.flush()
    activity.record(
        action="created", scope="Subscription", item_id=sub.id, name=sub.title,
        project_id=sub.project_id,
    )  # fmt: skip
    return sub


def update_subscription(
    sub: Subscription, fields: dict[str, Any], *, organization_id: uuid.UUID
) -> Subscription:
    """Edit (needs the feature) or delete (never gated: `deleted: true`)."""
    deleting = fields.pop("deleted", None)
    if fields:
        ensure_feature(organization_id, FEATURE)
        for name in _EDITABLE:
            if name in fields:
                setattr(sub, name, fields[name])
        _validate(sub)
    if deleting:
        sub.deleted = True
        sub.next_delivery_date = None
    activity.record(
        action="deleted" if deleting else "updated", scope="Subscription", item_id=sub.id,
        name=sub.title, project_id=sub.project_id,
    )  # fmt: skip
    return sub
