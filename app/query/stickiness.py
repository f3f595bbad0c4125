"""Stickiness (spec insights.md 2.4): how many actors were active in exactly (or at least)
n intervals of the range, per series."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from app.query import actions, dates
from app.query.actor_scan import Scan, no_jit
from app.query.base import QueryContext, QueryError
from app.query.sql import execute

CRITERIA = {
    "gte": lambda n, v: n >= v,
    "lte": lambda n, v: n <= v,
    "exact": lambda n, v: n == v,
}


def run_stickiness(query: dict[str, Any], ctx: QueryContext) -> dict[str, Any]:
    """StickinessQuery → one histogram per series."""
    dr = dates.resolve(query.get("dateRange"), query.get("interval") or "day", ctx)
    every = max(int(query.get("intervalCount") or 1), 1)
    buckets = {b: i for i, b in enumerate(dr.buckets())}
    total = math.ceil(len(buckets) / every)
    sf = query.get("stickinessFilter") or {}
    cumulative = sf.get("computedAs") == "cumulative"
    active = _criterion(sf.get("stickinessCriteria"))
    periods = [("current", dr)]
    if (query.get("compareFilter") or {}).get("compare"):
        periods.append(("previous", dr.shifted(_length(dr.interval, len(buckets)))))
    results = []
    for label, period in periods:
        slots = {b: i for i, b in enumerate(period.buckets())}
        for order, node in enumerate(actions.named(query.get("series") or [], ctx.project_id)):
            per_actor = _intervals_per_actor(query, ctx, node, period, slots, every, active)
            result = _series(node, order, per_actor, total, dr.interval, cumulative)
            if len(periods) > 1:
                result.update(compare=True, compare_label=label)
            results.append(result)
    return {"results": results}


def _length(interval: str, n: int) -> relativedelta | timedelta:
    """The range's own length: the previous period sits immediately before it."""
    if interval == "month":
        return relativedelta(months=n)
    unit = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
    return unit[interval] * n


def _criterion(spec: dict[str, Any] | None) -> Any:
    if not spec:
        return lambda n: n > 0
    check = CRITERIA.get(spec.get("operator", "gte"))
    if check is None:
        raise QueryError("stickinessCriteria operator must be gte, lte or exact")
    value = int(spec.get("value", 1))
    return lambda n: n > 0 and check(n, value)


def _intervals_per_actor(
    query: dict[str, Any],
    ctx: QueryContext,
    node: dict[str, Any],
    dr: dates.DateRange,
    buckets: dict[Any, int],
    every: int,
    active: Any,
) -> list[int]:
    scan = Scan(query, ctx)
    scan.between(dr.utc_from, dr.utc_to)
    scan.where.append(scan.event_is(node))
    no_jit()
    # Postgres counts the events per (actor, local interval); Python groups the intervals.
    bucket = scan.params.local_bucket("e.timestamp", dr.interval, ctx.timezone, dr.week_start)
    sql = scan.select([f"{bucket} AS b", "count(*)"], [], tail="GROUP BY 1, 2 ORDER BY 1")
    per_actor: dict[Any, Counter[int]] = defaultdict(Counter)
    for row in execute(sql, scan.params):
        actor, bucket_start, count = tuple(row)
        index = buckets.get(bucket_start)
        if index is not None:
            per_actor[actor][index // every] += count
    out = []
    for per_interval in per_actor.values():
        n = sum(1 for count in per_interval.values() if active(count))
        if n:
            out.append(n)
    return out


def _series(
    node: dict[str, Any],
    order: int,
    per_actor: list[int],
    total: int,
    interval: str,
    cumulative: bool,
) -> dict[str, Any]:
    histogram: defaultdict[int, int] = defaultdict(int)
    for n in per_actor:
        histogram[n] += 1
    if cumulative:
        data = [sum(c for n, c in histogram.items() if n >= k) for k in range(1, total + 1)]
    else:
        data = [histogram.get(k, 0) for k in range(1, total + 1)]
    suffix = " or more" if cumulative else ""
    ident, kind, own_name = actions.series_identity(node)
    name = node.get("custom_name") or own_name or "All events"
    return {
        "action": {
            "id": ident,
            "type": kind,
            "order": order,
            "name": own_name,
            "custom_name": node.get("custom_name"),
            "math": node.get("math"),
        },
        "label": name,
        "count": len(per_actor),
        "data": data,
        "days": list(range(1, total + 1)),
        "labels": [f"{k} {interval}{'s' if k > 1 else ''}{suffix}" for k in range(1, total + 1)],
    }
