"""ActorsQuery: the persons (or groups) behind one data point of an insight.

`source` is an InsightActorsQuery {source: <TrendsQuery|FunnelsQuery>, series, day,
breakdown, compare, funnelStep}. Trends: actors of one series in one bucket (`day`; the
whole range for total-value queries), optionally one breakdown value. Funnels: `funnelStep`
k ≥ 1 = reached step k, −k = dropped before step k (1-based). Other-bucket drill-down is
not supported. Results: [[actor, event_count]] ordered by event count desc.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from app.query.base import QueryContext, QueryError
from app.query.breakdown import OTHER_LABEL, parse_breakdown, value_expr
from app.query.dates import DateRange, format_day, resolve, step, to_utc
from app.query.sql import dialect_name, execute
from app.query.trends import _base_filters, _plan, _previous
from app.query.trends_sql import ACTIVE_WINDOWS, SeriesQuery

MAX_LIMIT = 1000


def run_actors(query: dict[str, Any], ctx: QueryContext) -> dict[str, Any]:
    """Actors for an InsightActorsQuery source, hydrated with their current properties."""
    source = query.get("source") or {}
    inner = source.get("source") or {}
    kind = inner.get("kind")
    if kind == "TrendsQuery":
        counts, groups = trends_actors(inner, source, ctx), _group_index(inner, source)
    elif kind == "FunnelsQuery":
        counts, groups = (
            funnel_actors(inner, source, ctx),
            inner.get("aggregation_group_type_index"),
        )
    else:
        raise QueryError(f"actors of {kind!r} are not supported yet")
    limit = max(1, min(int(query.get("limit") or 100), MAX_LIMIT))
    offset = max(0, int(query.get("offset") or 0))
    page = counts[offset : offset + limit]
    actors = _hydrate([a for a, _ in page], ctx, groups)
    return {
        "columns": ["actor", "event_count"],
        "results": [[actors.get(str(a), {"id": str(a)}), n] for a, n in page],
        "hasMore": len(counts) > offset + limit,
        "limit": limit,
        "offset": offset,
        "count": len(counts),
    }


def _group_index(inner: dict[str, Any], source: dict[str, Any]) -> int | None:
    series = (inner.get("series") or [{}])[int(source.get("series") or 0)]
    index = series.get("math_group_type_index") if series.get("math") == "unique_group" else None
    index = index if index is not None else inner.get("aggregation_group_type_index")
    return int(index) if index is not None else None


def _bucket_range(dr: DateRange, day: Any, math: str) -> tuple[datetime, datetime]:
    """UTC bounds of the bucket whose `days` label is `day` (trailing window for WAU/MAU)."""
    for bucket in dr.buckets():
        if format_day(bucket, dr.interval) == str(day):
            end = step(bucket, dr.interval)
            start = max(bucket, dr.date_from)
            if math in ACTIVE_WINDOWS:
                from datetime import timedelta

                start = end - timedelta(days=ACTIVE_WINDOWS[math])
            return to_utc(start, dr.tz), min(to_utc(end, dr.tz), dr.utc_to)
    raise QueryError(f"day {day!r} is not in the query's range")


def trends_actors(
    inner: dict[str, Any], source: dict[str, Any], ctx: QueryContext
) -> list[tuple[Any, int]]:
    series_list = inner.get("series") or []
    index = int(source.get("series") or 0)
    if not 0 <= index < len(series_list):
        raise QueryError("series index out of range")
    dr = resolve(inner.get("dateRange"), inner.get("interval"), ctx)
    if source.get("compare") == "previous":
        dr = _previous(dr, (inner.get("compareFilter") or {}).get("compare_to"))
    plan = _plan(series_list[index], _base_filters(inner, ctx), inner)
    q = SeriesQuery(plan, dr, ctx, dialect_name())
    start, end = dr.utc_from, dr.utc_to
    if source.get("day") is not None:
        start, end = _bucket_range(dr, source["day"], plan.math)
    actor = q.actor()
    where = q.where(start, end) + _breakdown_clause(inner, source, q)
    sql = (
        f"SELECT {actor} AS actor, count(*) FROM events e {q.joins()} "
        f"WHERE {where} AND {actor} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    if source.get("day") is not None and plan.math not in ACTIVE_WINDOWS:
        sql = sql.replace(f"WHERE {where}", f"WHERE {where} AND e.timestamp < :bucket_end", 1)
        q.params.values["bucket_end"] = end
    rows: list[tuple[Any, ...]] = [tuple(r) for r in execute(sql, q.params)]
    return [(row[0], int(row[1])) for row in rows]


def _breakdown_clause(inner: dict[str, Any], source: dict[str, Any], q: SeriesQuery) -> str:
    value = source.get("breakdown")
    bd = parse_breakdown(inner.get("breakdownFilter"), None)
    if bd is None or value is None:
        return ""
    if bd.cohorts is not None:
        if value == "all":
            return ""
        from app.query.properties import compile_filters

        flt = [{"type": "cohort", "key": "id", "value": value}]
        return " AND " + compile_filters(flt, q.params, q.src)
    values = value if isinstance(value, list) else [value]
    if OTHER_LABEL in values:
        raise QueryError("drilling into the Other breakdown bucket is not supported")
    exprs = [value_expr(p, q.params, q.src, q.minmax) for p in bd.props]
    return "".join(
        f" AND {e} = {q.params.bind(str(v))}" for e, v in zip(exprs, values, strict=False)
    )


def funnel_actors(
    inner: dict[str, Any], source: dict[str, Any], ctx: QueryContext
) -> list[tuple[Any, int]]:
    """Actors who reached (k > 0) or dropped before (k < 0) funnel step |k| (1-based)."""
    step_no = int(source.get("funnelStep") or 1)
    if step_no == 0:
        raise QueryError("funnelStep must not be 0")
    furthest = funnel_furthest_steps(inner, ctx, source.get("funnelStepBreakdown"))
    if step_no > 0:
        chosen = [a for a, s in furthest.items() if s >= step_no - 1]
    else:
        chosen = [a for a, s in furthest.items() if s == -step_no - 2]
    return [(a, 1) for a in sorted(chosen, key=str)]


def funnel_furthest_steps(
    inner: dict[str, Any], ctx: QueryContext, breakdown_value: Any = None
) -> dict[Any, int]:
    """Actor → furthest 0-based step, reusing the funnel runner's scan and state machine."""
    from app.query import dates
    from app.query import funnels as f
    from app.query.actor_scan import Scan, by_actor
    from app.query.funnel_breakdown import Breakdown
    from app.query.funnel_steps import actor_results

    series = inner.get("series") or []
    if len(series) < 2:
        raise QueryError("a funnel needs at least two steps")
    ff = inner.get("funnelsFilter") or {}
    dr = dates.resolve(inner.get("dateRange"), "day", ctx)
    scan = Scan(inner, ctx)
    breakdown = Breakdown.of(inner, ff, scan)
    scan.between(dr.utc_from, dr.utc_to)
    conditions = [(i + 1, f._step_condition(scan, node, i)) for i, node in enumerate(series)]
    for exc, slots in f._exclusion_slots(ff, len(series)):
        conditions += [(slot, scan.event_is(exc)) for slot in slots]
    scan.columns += [scan.flag(cond) for _, cond in conditions]
    breakdown.add_column(scan)
    if (ff.get("funnelOrderType") or "ordered") != "strict":
        scan.where.append("(" + " OR ".join(c for _, c in conditions) + ")")
    cfg = f._settings(series, ff)
    out: dict[Any, int] = {}
    for actor, rows in by_actor(scan.rows()):
        events = [f._event(row, conditions, breakdown) for row in rows]
        for result in actor_results(cfg, events, breakdown.values_for(actor, events)):
            if breakdown_value is not None and result.breakdown != breakdown_value:
                continue
            out[actor] = max(out.get(actor, -1), result.step)
    return out


def _hydrate(ids: list[Any], ctx: QueryContext, group_index: int | None) -> dict[str, Any]:
    if not ids:
        return {}
    params: dict[str, Any] = {"project_id": ctx.project_id}
    binds = []
    for i, a in enumerate(ids):
        params[f"a{i}"] = str(a) if group_index is not None else a
        binds.append(f":a{i}")
    if group_index is not None:
        params["gti"] = int(group_index)
        grows: list[tuple[Any, ...]] = [
            tuple(r)
            for r in execute(
                "SELECT group_key, group_properties, created_at FROM groups WHERE project_id = "
                f":project_id AND group_type_index = :gti AND group_key IN ({', '.join(binds)})",
                params,
            )
        ]
        found = {
            r[0]: {
                "id": r[0],
                "group_key": r[0],
                "group_type_index": group_index,
                "properties": _json(r[1]),
            }
            for r in grows
        }
        return {str(a): found.get(str(a), {"id": str(a), "group_key": str(a)}) for a in ids}
    prows: list[tuple[Any, ...]] = [
        tuple(r)
        for r in execute(
            "SELECT p.uuid, p.properties, p.created_at, p.is_identified, pdi.distinct_id "
            "FROM persons p LEFT JOIN person_distinct_ids pdi ON pdi.project_id = p.project_id "
            "AND pdi.person_id = p.id WHERE p.project_id = :project_id "
            f"AND p.uuid IN ({', '.join(binds)}) ORDER BY pdi.id",
            params,
        )
    ]
    out: dict[str, Any] = {}
    for uid, props, created, identified, did in prows:
        person = out.setdefault(
            str(uid),
            {
                "id": str(uid),
                "properties": _json(props),
                "is_identified": bool(identified),
                "created_at": created.isoformat() if isinstance(created, datetime) else created,
                "distinct_ids": [],
            },
        )
        if did is not None:
            person["distinct_ids"].append(did)
    return out


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
