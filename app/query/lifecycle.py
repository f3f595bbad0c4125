"""Lifecycle (spec insights.md 2.5): new / returning / resurrecting / dormant per interval.

"New" compares the actor's first active period in the scan with the interval holding the
person's (or group's) created_at, in the project's time zone. Events sent with
`$process_person_profile=false` (person_mode "propertyless") are left out.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from app.query import actions, dates
from app.query.actor_scan import Scan, no_jit
from app.query.base import QueryContext, QueryError
from app.query.sql import execute, utc_param

STATUSES = ("new", "returning", "resurrecting", "dormant")


def run_lifecycle(query: dict[str, Any], ctx: QueryContext) -> dict[str, Any]:
    """LifecycleQuery → four series in PostHog's order."""
    series = actions.named(query.get("series") or [], ctx.project_id)
    if len(series) != 1:
        raise QueryError("lifecycle needs exactly one series")
    dr = dates.resolve(query.get("dateRange"), query.get("interval") or "day", ctx)
    buckets = dr.buckets()
    scan_from = _shift(dr, buckets[0], -1)
    scan_to = _shift(dr, buckets[-1], 1)
    tally: dict[str, dict[datetime, int]] = {s: defaultdict(int) for s in STATUSES}
    for created, periods in _actor_periods(query, ctx, series[0], dr, scan_from, scan_to):
        _classify(dr, sorted(periods), created, tally)
    node = series[0]
    toggled = (query.get("lifecycleFilter") or {}).get("toggledLifecycles")
    results = [_series(node, status, tally[status], buckets, dr) for status in STATUSES]
    if toggled:
        results = [r for r in results if r["status"] in toggled]
    return {"results": results}


def _shift(dr: dates.DateRange, local: datetime, n: int) -> datetime:
    if dr.interval == "hour":
        return dates.to_local(dates.to_utc(local, dr.tz) + n * timedelta(hours=1), dr.tz)
    return dates.step(local, dr.interval, n)


def _actor_periods(
    query: dict[str, Any],
    ctx: QueryContext,
    node: dict[str, Any],
    dr: dates.DateRange,
    scan_from: datetime,
    scan_to: datetime,
) -> list[tuple[datetime | None, set[datetime]]]:
    scan = Scan(query, ctx)
    dialect = scan.params.dialect
    low, high = dates.to_utc(scan_from, dr.tz), dates.to_utc(scan_to, dr.tz)
    scan.where.append(f"e.timestamp >= {scan.bind(utc_param(low, dialect))}")
    scan.where.append(f"e.timestamp < {scan.bind(utc_param(high, dialect))}")
    scan.where.append(scan.event_is(node))
    scan.where.append("e.person_mode <> 'propertyless'")
    group = scan.group_index
    if group is None:
        scan.src.needs.add("person")
        created = "p.created_at"
    else:
        scan.src.needs.add(f"group{group}")
        created = f"g{group}.created_at"
    no_jit()
    # Postgres buckets the events (and the creation time) per actor in the project's zone.
    bucket = scan.params.local_bucket("e.timestamp", dr.interval, ctx.timezone, dr.week_start)
    created_bucket = scan.params.local_bucket(created, dr.interval, ctx.timezone, dr.week_start)
    sql = scan.select(
        [f"{bucket} AS b", f"min({created_bucket})"], [], tail="GROUP BY 1, 2 ORDER BY 1"
    )
    per_actor: dict[Any, tuple[datetime | None, set[datetime]]] = {}
    for row in execute(sql, scan.params):
        actor, period, created_at = tuple(row)
        entry = per_actor.setdefault(actor, (created_at, set()))
        entry[1].add(period)
    return list(per_actor.values())


def _classify(
    dr: dates.DateRange,
    periods: list[datetime],
    created: datetime | None,
    tally: dict[str, dict[datetime, int]],
) -> None:
    active = set(periods)
    for i, period in enumerate(periods):
        if i == 0:
            status = "new" if period == created else "resurrecting"
        elif periods[i - 1] == _shift(dr, period, -1):
            status = "returning"
        else:
            status = "resurrecting"
        tally[status][period] += 1
        following = _shift(dr, period, 1)
        if following not in active:
            tally["dormant"][following] -= 1


def _series(
    node: dict[str, Any],
    status: str,
    counts: dict[datetime, int],
    buckets: list[datetime],
    dr: dates.DateRange,
) -> dict[str, Any]:
    data = [float(counts.get(b, 0)) for b in buckets]
    ident, kind, own_name = actions.series_identity(node)
    name = node.get("custom_name") or own_name or "All events"
    return {
        "action": {
            "id": ident,
            "name": own_name,
            "type": kind,
            "order": 0,
            "math": "total",
        },
        "data": data,
        "count": sum(data),
        "days": [dates.format_day(b, dr.interval) for b in buckets],
        "labels": [dates.format_label(b, dr.interval, dr) for b in buckets],
        "label": f"{name} - {status}",
        "status": status,
    }
