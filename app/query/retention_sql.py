"""Retention's events pass, aggregated in Postgres (spec insights.md 2.3).

Postgres buckets the start and return events per (actor, local interval) in the project's
time zone and week start; without a cohort breakdown it also joins each actor's cohort
interval with their return intervals, so Python only receives counts per
(cohort interval, breakdown value, return interval) and places them in the matrix.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.query import dates
from app.query.actor_scan import Scan, no_jit
from app.query.base import QueryContext
from app.query.retention_breakdown import RetentionBreakdown
from app.query.sql import execute, utc_param

DEFAULT_ENTITY = {"id": "$pageview", "type": "events"}
Matrix = list[list[int]]


@dataclass(frozen=True)
class Window:
    bounds: tuple[datetime, datetime]  # local [first row start, end of range)
    tz: Any
    interval: str
    index: dict[datetime, int]


def _entity(node: dict[str, Any] | None) -> dict[str, Any]:
    node = dict(node or DEFAULT_ENTITY)
    if node.get("type") != "actions":
        node.setdefault("event", node.get("id"))
    return node


class PerInterval:
    """One row per (actor, interval): started there (first start event), its breakdown
    value, and how many return events."""

    def __init__(
        self,
        query: dict[str, Any],
        ctx: QueryContext,
        rf: dict[str, Any],
        window: Window,
        first_time: bool,
        bd: RetentionBreakdown,
    ) -> None:
        self.window = window
        self.bd = bd
        no_jit()
        scan = self.scan = Scan(query, ctx)
        start_cond = scan.event_is(_entity(rf.get("targetEntity")))
        return_cond = scan.event_is(_entity(rf.get("returningEntity")))
        # each actor's first-ever start event (all time, with the entity's filters)
        first_sql = (
            scan.select(["min(e.timestamp) AS first_ts"], [start_cond], tail="GROUP BY 1")
            if first_time
            else None
        )
        dialect = scan.params.dialect
        low, high = (dates.to_utc(b, window.tz) for b in window.bounds)
        scan.where.append(f"e.timestamp >= {scan.bind(utc_param(low, dialect))}")
        scan.where.append(f"e.timestamp < {scan.bind(utc_param(high, dialect))}")
        scan.where.append(f"({start_cond} OR {return_cond})")
        bucket = scan.params.local_bucket(
            "e.timestamp", window.interval, ctx.timezone, ctx.week_start_day
        )
        scan.columns += [f"{bucket} AS b", f"{start_cond} AS st", f"{return_cond} AS rt"]
        bd.add_column(scan, alias="bd")
        self.sql = self._sql(first_sql, by_value=bd.kind in ("event", "person"))

    def _sql(self, first_sql: str | None, *, by_value: bool) -> str:
        inner = self.scan.sql(order=False)
        join = f"LEFT JOIN ({first_sql}) f ON f.actor = s.actor" if first_sql else ""
        started = "s.st AND s.ts = f.first_ts" if first_sql else "s.st"
        value = (
            f"(array_agg(s.bd ORDER BY s.ts, s.uid) FILTER (WHERE {started}))[1]"
            if by_value
            else "CAST(NULL AS text)"
        )
        return (
            f"SELECT s.actor, s.b, bool_or({started}) AS started, "
            f"count(*) FILTER (WHERE s.rt) AS returns, {value} AS v "
            f"FROM ({inner}) s {join} GROUP BY s.actor, s.b"
        )

    def actors(self, minimum: int) -> tuple[dict[Any, dict[int, list[Any]]], dict[Any, set[int]]]:
        """Per actor: {row: breakdown values} they start in, and the rows they returned in."""
        cohorts: dict[Any, dict[int, list[Any]]] = defaultdict(dict)
        active: dict[Any, set[int]] = defaultdict(set)
        index = self.window.index
        for row in execute(self.sql, self.scan.params):
            actor, bucket_start, starts, returns, raw = tuple(row)
            i = index.get(bucket_start)
            if i is None:
                continue
            if starts:
                cohorts[actor][i] = self.bd.values(actor, raw)
            if returns >= minimum:
                active[actor].add(i)
        return cohorts, active

    def matrices(self, minimum: int, total: int, cumulative: bool) -> dict[Any, Matrix]:
        """{breakdown value: matrix}, counted in Postgres per (row, value, return row)."""
        min_bind = self.scan.bind(minimum)
        pairs = "FROM s JOIN a ON a.actor = s.actor AND a.b > s.b"
        returned = (  # cumulative: the last return counts for every column up to it
            f"SELECT s.b AS sb, s.v AS v, max(a.b) AS rb {pairs} GROUP BY s.actor, s.b, s.v"
            if cumulative
            else f"SELECT s.b AS sb, s.v AS v, a.b AS rb {pairs}"
        )
        sql = (
            f"WITH per AS ({self.sql}), "
            "s AS (SELECT actor, b, v FROM per WHERE started), "
            f"a AS (SELECT actor, b FROM per WHERE returns >= {min_bind}), "
            f"r AS ({returned}) "
            "SELECT b, v, NULL, count(*) FROM s GROUP BY 1, 2 "
            "UNION ALL SELECT sb, v, rb, count(*) FROM r GROUP BY 1, 2, 3"
        )
        out: dict[Any, Matrix] = {}
        index = self.window.index
        for row in execute(sql, self.scan.params):
            start, raw, back, count = tuple(row)
            i = index.get(start)
            if i is None or (back is not None and back not in index):
                continue
            for value in self.bd.values(None, raw):
                matrix = out.setdefault(value, [[0] * total for _ in range(total)])
                if back is None:
                    matrix[i][0] += count
                    continue
                k = index[back] - i
                for col in range(1, k + 1) if cumulative else (k,):
                    matrix[i][col] += count
        if not out:
            out[None] = [[0] * total for _ in range(total)]
        return out
