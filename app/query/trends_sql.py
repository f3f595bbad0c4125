"""SQL for one trends series over one date range: values per (bucket, breakdown key).

Every statement filters `e.project_id = :project_id` first and binds every value.
Results come back as {key: {bucket: value}} (time series) or {key: value} (total value),
where key is None without a breakdown, a string, or a tuple for multiple breakdowns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.query import hogql, sessions
from app.query.actions import action_condition
from app.query.base import QueryContext, QueryError
from app.query.dates import DateRange, to_utc
from app.query.persons import actor_expr, group_actor_expr, joins_for
from app.query.properties import Sources, compile_filters
from app.query.sql import Params, as_naive, execute, utc_param

PROPERTY_MATH = {"sum", "avg", "min", "max", "median", "p75", "p90", "p95", "p99"}
QUANTILES = {"median": 0.5, "p75": 0.75, "p90": 0.9, "p95": 0.95, "p99": 0.99}
PER_ACTOR_PREFIXES = ("avg", "min", "max", "median", "p75", "p90", "p95", "p99")
ACTIVE_WINDOWS = {"weekly_active": 7, "monthly_active": 30}
UNIQUE_MATH = {"dau", "unique_group", "unique_session"}


@dataclass
class SeriesPlan:
    """Everything needed to query one series (filters already merged)."""

    event: str | None
    math: str
    math_property: str | None
    math_property_type: str
    math_group_type_index: int | None
    filters: list[Any]
    aggregation_group_type_index: int | None = None
    action_id: int | None = None  # an ActionsNode series: match the action's steps
    breakdown_props: list[dict[str, Any]] = field(default_factory=list)
    extra_where: list[str] = field(default_factory=list)
    math_hogql: str | None = None


class SeriesQuery:
    """Builds and runs the statements for one series plan on one range."""

    def __init__(self, plan: SeriesPlan, dr: DateRange, ctx: QueryContext, dialect: str) -> None:
        self.plan, self.dr, self.ctx = plan, dr, ctx
        self.params = Params(dialect, project_id=ctx.project_id)
        self.src = Sources(sessions=True)
        self.pg = dialect == "postgresql"
        self.span: tuple[datetime, datetime] | None = None  # widest range scanned (sessions)

    # -- building blocks -------------------------------------------------------------

    def actor(self) -> str:
        index = self.plan.aggregation_group_type_index
        if self.plan.math == "unique_group":
            index = self.plan.math_group_type_index
            if index is None:
                raise QueryError("unique_group math needs math_group_type_index")
        if index is not None:
            return group_actor_expr(int(index))
        self.src.needs.add("pdi")
        return actor_expr(self.params)

    def where(self, utc_from: datetime, utc_to: datetime, *, with_filters: bool = True) -> str:
        p = self.params
        if self.span is not None:
            utc_from, utc_to = min(utc_from, self.span[0]), max(utc_to, self.span[1])
        self.span = (utc_from, utc_to)
        parts = [
            "e.project_id = :project_id",
            f"e.timestamp >= {p.bind(utc_param(utc_from, p.dialect))}",
            f"e.timestamp <= {p.bind(utc_param(utc_to, p.dialect))}",
        ]
        if self.plan.event is not None:
            parts.append(f"e.event = {p.bind(self.plan.event)}")
        if self.plan.action_id is not None:
            parts.append(action_condition(self.ctx.project_id, self.plan.action_id, p, self.src))
        if self.plan.math == "unique_group":
            parts.append(f"e.group{int(self.plan.math_group_type_index or 0)} <> ''")
        if with_filters:
            parts.append(compile_filters(self.plan.filters, p, self.src))
            parts.extend(self.plan.extra_where)
        return " AND ".join(parts)

    def bucket(self) -> str:
        return self.params.local_bucket(
            "e.timestamp", self.dr.interval, self.ctx.timezone, self.ctx.week_start_day
        )

    def math_value(self) -> str:
        prop = self.plan.math_property
        if not prop:
            raise QueryError(f"math {self.plan.math!r} needs math_property")
        column = self.src.event_props
        if self.plan.math_property_type == "person_properties":
            self.src.needs.add("person")
            column = self.src.person_props
        elif self.plan.math_property_type == "session_properties":
            column = self.src.session_props()
        return self.params.safe_float(self.params.prop(column, prop))

    def aggregate(self) -> str:
        math = self.plan.math
        if math == "total":
            return "count(*)"
        if math in ("dau", "unique_group") or math in ACTIVE_WINDOWS:
            return f"count(DISTINCT {self.actor()})"
        if math == "unique_session":
            return f"count(DISTINCT NULLIF({self.params.prop('e.properties', '$session_id')}, ''))"
        if math in PROPERTY_MATH:
            return self._property_agg(math, self.math_value())
        if math == "hogql":
            return hogql.compile_aggregate(self.plan.math_hogql, self.params, self.src)
        raise QueryError(f"math {math!r} is not supported")

    def _property_agg(self, math: str, value: str) -> str:
        if math in QUANTILES:
            if not self.pg:
                raise QueryError("percentile math needs Postgres")
            return f"percentile_cont({QUANTILES[math]}) WITHIN GROUP (ORDER BY {value})"
        return f"{math}({value})"

    # -- statements ------------------------------------------------------------------

    def run(self, bd_exprs: list[str], *, total: bool) -> dict[Any, Any]:
        """Values for this series: per bucket, or one per key when total."""
        math = self.plan.math
        if math in ACTIVE_WINDOWS and (total or not self._active_falls_back()):
            return self._active(bd_exprs, total)
        if math.endswith("_count_per_actor"):
            return self._per_actor(bd_exprs, total)
        if math in ("first_time_for_user", "first_matching_event_for_user"):
            return self._first_time(bd_exprs, total)
        return self._simple(bd_exprs, total)

    def _active_falls_back(self) -> bool:
        interval = self.dr.interval
        return interval == "month" or (interval == "week" and self.plan.math == "weekly_active")

    def _select(self, cols: list[str], body: str, group_n: int) -> list[Any]:
        group = f" GROUP BY {_ordinals(group_n)}" if group_n else ""
        sql = f"SELECT {', '.join(cols)} FROM events e {self.joins()} WHERE {body}{group}"
        return list(execute(sql, self.params))

    def joins(self) -> str:
        joins = joins_for(self.src.needs, actor="pdi" in self.src.needs, params=self.params)
        if "session" in self.src.needs:
            span = self.span or (self.dr.utc_from, self.dr.utc_to)
            joins = f"{joins} {sessions.join_sql(self.params, *span)}"
        return joins

    def _simple(self, bd: list[str], total: bool) -> dict[Any, Any]:
        if self.plan.math in PROPERTY_MATH and self.plan.math_property_type == "session_properties":
            return self._per_session(bd, total)
        agg = self.aggregate()
        where = self.where(self.dr.utc_from, self.dr.utc_to)
        keys = [] if total else [self.bucket()]
        rows = self._select([*keys, *bd, agg], where, len(keys) + len(bd))
        return collect(rows, len(bd), total)

    def _per_session(self, bd: list[str], total: bool) -> dict[Any, Any]:
        """Session-property math counts each session once per bucket and breakdown value."""
        value = self.math_value()
        where = self.where(self.dr.utc_from, self.dr.utc_to)
        key_cols = [*([] if total else [self.bucket()]), *bd]
        cols = [
            *(f"{c} AS c{i}" for i, c in enumerate(key_cols)),
            "sess.session_id",
            f"{value} AS v",
        ]
        inner = f"SELECT DISTINCT {', '.join(cols)} FROM events e {self.joins()} WHERE {where}"
        outer_keys = [f"t.c{i}" for i in range(len(key_cols))]
        grp = f" GROUP BY {_ordinals(len(outer_keys))}" if outer_keys else ""
        agg = self._property_agg(self.plan.math, "t.v")
        sql = f"SELECT {', '.join([*outer_keys, agg])} FROM ({inner}) t{grp}"
        return collect(list(execute(sql, self.params)), len(bd), total)

    def _per_actor(self, bd: list[str], total: bool) -> dict[Any, Any]:
        """Count events per actor (per bucket and key), then aggregate across actors."""
        outer = self.plan.math.split("_count_per_actor")[0]
        if outer not in PER_ACTOR_PREFIXES:
            raise QueryError(f"math {self.plan.math!r} is not supported")
        actor = self.actor()
        where = self.where(self.dr.utc_from, self.dr.utc_to)
        key_cols = [*([] if total else [self.bucket()]), *bd]
        cols = [*(f"{c} AS c{i}" for i, c in enumerate(key_cols)), f"{actor} AS actor"]
        inner = (
            f"SELECT {', '.join(cols)}, count(*) AS cnt FROM events e {self.joins()} "
            f"WHERE {where} AND {actor} IS NOT NULL GROUP BY {_ordinals(len(cols))}"
        )
        outer_keys = [f"t.c{i}" for i in range(len(key_cols))]
        grp = f" GROUP BY {_ordinals(len(outer_keys))}" if outer_keys else ""
        agg = self._property_agg(outer, "t.cnt")
        sql = f"SELECT {', '.join([*outer_keys, agg])} FROM ({inner}) t{grp}"
        return collect(list(execute(sql, self.params)), len(bd), total)

    def _active(self, bd: list[str], total: bool) -> dict[Any, Any]:
        days = ACTIVE_WINDOWS[self.plan.math]
        if total:
            start = to_utc(self.dr.date_to - timedelta(days=days), self.dr.tz)
            where = self.where(start, self.dr.utc_to)
            rows = self._select([*bd, f"count(DISTINCT {self.actor()})"], where, len(bd))
            return collect(rows, len(bd), True)
        return self._active_series(bd, days)

    def _active_series(self, bd: list[str], days: int) -> dict[Any, Any]:
        """Distinct actors in [bucket_end - N days, bucket_end) for each bucket (local time)."""
        grain = "hour" if self.dr.interval == "hour" else "day"
        scan_from = to_utc(self.dr.bucket_of(self.dr.date_from) - timedelta(days=days), self.dr.tz)
        where = self.where(scan_from, self.dr.utc_to)
        actor = self.actor()
        local = self.params.local_bucket("e.timestamp", grain, self.ctx.timezone, 0)
        bd_cols = "".join(f", {b} AS b{i}" for i, b in enumerate(bd))
        ev = (
            f"SELECT DISTINCT {local} AS d, {actor} AS actor{bd_cols} FROM events e "
            f"{self.joins()} WHERE {where}"
        )
        starts = self.dr.buckets()
        bk = ", ".join(f"({self._ts(s)}, {self._ts(_next(s, self.dr.interval))})" for s in starts)
        bkeys = "".join(f", ev.b{i}" for i in range(len(bd)))
        window = f"ev.d >= {_minus_days('bk.e', days, self.pg)} AND ev.d < bk.e"
        sql = (
            f"WITH ev AS ({ev}), bk(s, e) AS (VALUES {bk}) "
            f"SELECT bk.s{bkeys}, count(DISTINCT ev.actor) FROM bk JOIN ev ON {window} "
            f"WHERE ev.actor IS NOT NULL GROUP BY bk.s{bkeys}"
        )
        return collect(list(execute(sql, self.params)), len(bd), False)

    def _ts(self, value: datetime) -> str:
        if self.pg:
            return f"CAST({self.params.bind(value)} AS timestamp)"
        return self.params.bind(value.strftime("%Y-%m-%d %H:%M:%S"))

    def _first_time(self, bd: list[str], total: bool) -> dict[Any, Any]:
        """Actors whose first (matching) event of this kind falls in the range."""
        if not self.pg:
            raise QueryError("first-time math needs Postgres")
        actor = self.actor()
        matching = self.plan.math == "first_matching_event_for_user"
        far_past = datetime(1970, 1, 1, tzinfo=self.dr.utc_from.tzinfo)
        # first_time_for_user: filters apply to the first event, not to which event is first
        where = self.where(far_past, self.dr.utc_to, with_filters=matching)
        ok = "TRUE" if matching else compile_filters(self.plan.filters, self.params, self.src)
        bucket = [] if total else [f"{self.bucket()} AS bkt"]
        cols = ", ".join(
            [
                f"{actor} AS actor",
                "e.timestamp AS ts",
                *bucket,
                *(f"{b} AS b{i}" for i, b in enumerate(bd)),
                f"{ok} AS ok",
            ]
        )
        inner = (
            f"SELECT DISTINCT ON ({actor}) {cols} FROM events e {self.joins()} "
            f"WHERE {where} AND {actor} IS NOT NULL ORDER BY {actor}, e.timestamp"
        )
        keys = [*(["f.bkt"] if not total else []), *(f"f.b{i}" for i in range(len(bd)))]
        start = self.params.bind(self.dr.utc_from)
        grp = f" GROUP BY {', '.join(keys)}" if keys else ""
        cols_out = ", ".join([*keys, "count(*)"])
        sql = f"SELECT {cols_out} FROM ({inner}) f WHERE f.ok AND f.ts >= {start}{grp}"
        return collect(list(execute(sql, self.params)), len(bd), total)

    def minmax(self, expr: str) -> tuple[float | None, float | None]:
        """Min and max of a numeric expression over the series' events (histograms)."""
        where = self.where(self.dr.utc_from, self.dr.utc_to)
        rows = self._select([f"min({expr})", f"max({expr})"], where, 0)
        lo, hi = rows[0] if rows else (None, None)
        return (float(lo) if lo is not None else None, float(hi) if hi is not None else None)


def _next(start: datetime, interval: str) -> datetime:
    from app.query.dates import step

    return step(start, interval)


def _ordinals(n: int) -> str:
    return ", ".join(str(i + 1) for i in range(n))


def _minus_days(column: str, days: int, pg: bool) -> str:
    if pg:
        return f"({column} - interval '{int(days)} days')"
    return f"datetime({column}, '-{int(days)} days')"


def collect(rows: list[Any], n_bd: int, total: bool) -> dict[Any, Any]:
    """Rows of (bucket?, bd..., value) → {key: {bucket: value}} or {key: value}."""
    out: dict[Any, Any] = {}
    for row in rows:
        values = list(row)
        bucket = None if total else as_naive(values.pop(0))
        key = None if n_bd == 0 else (values[0] if n_bd == 1 else tuple(values[:n_bd]))
        value = _number(values[n_bd])
        if total:
            out[key] = value
        else:
            out.setdefault(key, {})[bucket] = value
    return out


def _number(value: Any) -> float | int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    as_float = float(value)
    return as_float


def first_bucket_counts(q: SeriesQuery, bd: list[str]) -> dict[Any, Any]:
    """Cumulative unique actors: each actor counts once, in the first bucket it appears."""
    actor = q.actor()
    where = q.where(q.dr.utc_from, q.dr.utc_to)
    bd_cols = "".join(f", {b} AS b{i}" for i, b in enumerate(bd))
    inner = (
        f"SELECT {actor} AS actor{bd_cols}, min({q.bucket()}) AS bkt FROM events e "
        f"{q.joins()} WHERE {where} AND {actor} IS NOT NULL GROUP BY {_ordinals(1 + len(bd))}"
    )
    keys = ["f.bkt", *(f"f.b{i}" for i in range(len(bd)))]
    sql = f"SELECT {', '.join(keys)}, count(*) FROM ({inner}) f GROUP BY {', '.join(keys)}"
    return collect(list(execute(sql, q.params)), len(bd), False)
