"""Retention (spec insights.md 2.3): recurring and first-time cohorts, cumulative, minimum
occurrences, in the project's time zone and week start.

Rows are the `totalIntervals` intervals starting at date_from; the end of the range is the
start of the interval after the one holding date_to. Every row has `totalIntervals` values
(the newer full-matrix shape); cells past the end of the range are 0.
`timeWindowMode: "24_hour_windows"` counts intervals from each actor's first start event
instead (app.query.retention_rolling).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.query import dates, retention_rolling
from app.query.base import QueryContext, QueryError
from app.query.retention_breakdown import RetentionBreakdown
from app.query.retention_sql import PerInterval, Window

PERIODS = {"Hour": "hour", "Day": "day", "Week": "week", "Month": "month"}
DEFAULT_ENTITY = {"id": "$pageview", "type": "events"}
# Display options: PostHog's client computes the mean row from the cohort rows, so they are
# validated here but do not change the response.
MEAN_CALCULATIONS = (None, "simple", "weighted", "none")


def run_retention(query: dict[str, Any], ctx: QueryContext) -> dict[str, Any]:
    """RetentionQuery → {"results": [rows]}."""
    rf = query.get("retentionFilter") or {}
    period = rf.get("period") or "Day"
    if period not in PERIODS:
        raise QueryError(f"unknown retention period {period!r}")
    interval = PERIODS[period]
    total = int(rf.get("totalIntervals") or 7)
    starts, tz = _row_starts(query, ctx, interval, total)
    index = {start: i for i, start in enumerate(starts)}
    end = dates.step(starts[-1], interval) if interval != "hour" else _next_hour(starts[-1], tz)
    first_time = rf.get("retentionType") == "retention_first_time"
    bd = RetentionBreakdown.of(query, ctx.project_id)
    window = Window((starts[0], end), tz, interval, index)
    minimum = int(rf.get("minimumOccurrences") or 1)
    if rf.get("meanRetentionCalculation") not in MEAN_CALCULATIONS:
        raise QueryError("meanRetentionCalculation must be simple, weighted or none")
    if retention_rolling.check_mode(rf):
        matrices = retention_rolling.matrices(
            query, ctx, rf, window, first_time, bd, total, minimum
        )
    elif bd.kind == "cohort":  # membership is per actor: tally the actors in Python
        per_interval = PerInterval(query, ctx, rf, window, first_time, bd)
        cohorts, returns = per_interval.actors(minimum)
        matrices = _matrices(cohorts, returns, total, rf)
    else:
        per_interval = PerInterval(query, ctx, rf, window, first_time, bd)
        matrices = per_interval.matrices(minimum, total, bool(rf.get("cumulative")))
    if bd.active:
        matrices.pop(None, None)
    rows = []
    for value, matrix in bd.ranked(matrices):
        for i in range(total):
            row = _row(period, i, starts[i], tz, matrix[i])
            if bd.active:
                row["breakdown_value"] = value
            rows.append(row)
    return {"results": rows}


def _row_starts(
    query: dict[str, Any], ctx: QueryContext, interval: str, total: int
) -> tuple[list[datetime], Any]:
    given = dict(query.get("dateRange") or {})
    given_from = given.get("date_from")
    if not given_from:  # only date_to matters then; rows count back from it
        given["date_from"] = given.get("date_to") or "dStart"
    dr = dates.resolve(given, interval, ctx)
    last = dr.bucket_of(dr.date_to)
    first = dr.bucket_of(dr.date_from) if given_from else _back(last, interval, total - 1, dr.tz)
    starts = [first]
    while len(starts) < total:
        nxt = (
            _next_hour(starts[-1], dr.tz)
            if interval == "hour"
            else dates.step(starts[-1], interval)
        )
        starts.append(nxt)
    return starts, dr.tz


def _back(local: datetime, interval: str, n: int, tz: Any) -> datetime:
    if interval != "hour":
        return dates.step(local, interval, -n)
    return dates.to_local(dates.to_utc(local, tz) - n * _HOUR, tz)


def _next_hour(local: datetime, tz: Any) -> datetime:
    return dates.to_local(dates.to_utc(local, tz) + _HOUR, tz)


def _matrices(
    cohorts: dict[Any, dict[int, list[Any]]],
    returns: dict[Any, set[int]],
    total: int,
    rf: dict[str, Any],
) -> dict[Any, list[list[int]]]:
    cumulative = bool(rf.get("cumulative"))
    out: dict[Any, list[list[int]]] = {}
    for actor, rows in cohorts.items():
        back = returns.get(actor, set())
        for i, values in rows.items():
            later = [j - i for j in back if j > i]
            reached = range(1, max(later, default=0) + 1) if cumulative else later
            for value in values:
                matrix = out.setdefault(value, [[0] * total for _ in range(total)])
                matrix[i][0] += 1
                for k in reached:
                    matrix[i][k] += 1
    if not out:
        out[None] = [[0] * total for _ in range(total)]
    return out


def _row(period: str, i: int, start: datetime, tz: Any, values: list[int]) -> dict[str, Any]:
    return {
        "label": f"{period} {i}",
        "date": start.replace(tzinfo=tz).isoformat(),
        "values": [{"count": c, "label": f"{period} {k}"} for k, c in enumerate(values)],
    }


_HOUR = timedelta(hours=1)
