"""Retention with `timeWindowMode: "24_hour_windows"` (spec insights.md 2.3, PostHog's
rolling-interval retention).

Each actor is cohorted once, at t0 = their first start event in the range (with
`retention_first_time`, their first-ever start event, which must fall in the range).
Intervals are then counted from t0 instead of calendar boundaries, in whole units as
ClickHouse's `dateDiff` counts them (unit boundaries crossed):
- Hour: 1 hour; Day: 24 hours; Week: 7 days; Month: 30 days (days are local calendar days
  in the project's time zone; hours are absolute, so a DST change never alters a window).
- The cohort row is floor(units from the range start to t0 / n).
- A return event at ts ≥ t0 counts in column floor(units from t0 to ts / n); with
  `minimumOccurrences` a column needs that many return events.
Cumulative retention is not defined for rolling windows (PostHog rejects it too).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from app.query import dates
from app.query.actions import is_action
from app.query.actor_scan import Scan, aware, by_actor, no_jit
from app.query.base import QueryContext, QueryError
from app.query.retention_breakdown import Matrix, RetentionBreakdown
from app.query.retention_sql import Window
from app.query.sql import utc_param

UNITS = {"hour": ("hour", 1), "day": ("hour", 24), "week": ("day", 7), "month": ("day", 30)}
MODES = ("strict_calendar_dates", "24_hour_windows")
DEFAULT_ENTITY = {"id": "$pageview", "type": "events"}


def _entity(node: dict[str, Any] | None) -> dict[str, Any]:
    node = dict(node or DEFAULT_ENTITY)
    if not is_action(node):
        node.setdefault("event", node.get("id"))
    return node


def check_mode(rf: dict[str, Any]) -> bool:
    """True for 24-hour windows; a QueryError for unknown modes or cumulative rolling."""
    mode = rf.get("timeWindowMode") or "strict_calendar_dates"
    if mode not in MODES:
        raise QueryError("timeWindowMode must be strict_calendar_dates or 24_hour_windows")
    if mode == "24_hour_windows" and rf.get("cumulative"):
        raise QueryError("Cumulative retention is not supported for 24 hour windows.")
    return mode == "24_hour_windows"


class Rolling:
    def __init__(self, window: Window) -> None:
        self.tz = window.tz
        self.unit, self.size = UNITS[window.interval]
        self.origin = dates.to_utc(window.bounds[0], window.tz)

    def units(self, a: datetime, b: datetime) -> int:
        """Unit boundaries crossed from a to b (a <= b)."""
        if self.unit == "day":
            return (dates.to_local(b, self.tz).date() - dates.to_local(a, self.tz).date()).days
        hour_a = a.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        hour_b = b.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        return int((hour_b - hour_a).total_seconds() // 3600)

    def index(self, a: datetime, b: datetime) -> int:
        return self.units(a, b) // self.size


def matrices(
    query: dict[str, Any],
    ctx: QueryContext,
    rf: dict[str, Any],
    window: Window,
    first_time: bool,
    bd: RetentionBreakdown,
    total: int,
    minimum: int,
) -> dict[Any, Matrix]:
    """{breakdown value: matrix} with rows and columns counted from each actor's t0."""
    no_jit()
    scan = Scan(query, ctx)
    start_cond = scan.event_is(_entity(rf.get("targetEntity")))
    return_cond = scan.event_is(_entity(rf.get("returningEntity")))
    if first_time:
        first = scan.select(["min(e.timestamp) AS first_ts"], [start_cond], tail="GROUP BY 1")
        scan.ctes.append(f"firsts AS ({first})")
    low, high = (dates.to_utc(b, window.tz) for b in window.bounds)
    dialect = scan.params.dialect
    scan.where.append(f"e.timestamp >= {scan.bind(utc_param(low, dialect))}")
    scan.where.append(f"e.timestamp < {scan.bind(utc_param(high, dialect))}")
    scan.where.append(f"({start_cond} OR {return_cond})")
    scan.columns += [f"{start_cond} AS st", f"{return_cond} AS rt"]
    bd.add_column(scan, alias="bd")
    if first_time:
        first_col = f"(SELECT f.first_ts FROM firsts f WHERE f.actor = {scan.actor()})"
        scan.columns.append(f"{first_col} AS first_ts")
    rolling = Rolling(window)
    out: dict[Any, Matrix] = {}
    for actor, rows in by_actor(scan.rows()):
        _add_actor(out, actor, rows, rolling, first_time, bd, total, minimum)
    if not out:
        out[None] = [[0] * total for _ in range(total)]
    return out


def _add_actor(
    out: dict[Any, Matrix],
    actor: Any,
    rows: list[Any],
    rolling: Rolling,
    first_time: bool,
    bd: RetentionBreakdown,
    total: int,
    minimum: int,
) -> None:
    starts = [r for r in rows if r[3]]
    if not starts:
        return
    anchor = starts[0]
    t0 = aware(anchor[1])
    if first_time and (anchor[6] is None or aware(anchor[6]) != t0):
        return  # their first-ever start event is before the range
    row = rolling.index(rolling.origin, t0)
    if not 0 <= row < total:
        return
    returns = Counter(rolling.index(t0, aware(r[1])) for r in rows if r[4] and aware(r[1]) >= t0)
    columns = [k for k, n in returns.items() if k >= 1 and n >= minimum and row + k < total]
    for value in bd.values(actor, anchor[5]):
        matrix = out.setdefault(value, [[0] * total for _ in range(total)])
        matrix[row][0] += 1
        for k in columns:
            matrix[row][k] += 1
