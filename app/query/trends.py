"""TrendsQuery runner (spec 2.1): series × breakdown × compare, formulas, displays.

Per series, the SQL in trends_sql returns values per (bucket, breakdown key); this module
ranks breakdown values (Other/null), applies cumulative/smoothing/formulas and shapes the
response like PostHog's TrendsQuery results. ActionsNode series match any step of the
project's action (app.query.actions).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dateutil.relativedelta import relativedelta

from app.query import actions
from app.query.base import QueryContext, QueryError
from app.query.breakdown import Breakdown, Key, fold, parse_breakdown, value_expr
from app.query.dates import DateRange, format_day, format_label, parse_relative, resolve, step
from app.query.sql import as_naive, dialect_name, execute
from app.query.trends_format import FormulaSpec, formula_results, series_label
from app.query.trends_sql import (
    UNIQUE_MATH,
    SeriesPlan,
    SeriesQuery,
    first_bucket_counts,
)

TOTAL_DISPLAYS = {
    "BoldNumber",
    "ActionsPie",
    "ActionsBarValue",
    "ActionsTable",
    "WorldMap",
    "CalendarHeatmap",
}
CUMULATIVE = "ActionsLineGraphCumulative"


@dataclass
class Computed:
    """One series on one range: ordered keys and their values."""

    index: int
    series: dict[str, Any]
    keys: list[Key]
    values: dict[Key, Any]
    folded: bool


@dataclass
class Options:
    display: str
    breakdown: Breakdown | None
    formulas: list[FormulaSpec]
    smoothing: int
    compare: bool
    compare_to: str | None

    @property
    def total(self) -> bool:
        return self.display in TOTAL_DISPLAYS

    @property
    def cumulative(self) -> bool:
        return self.display == CUMULATIVE


def _options(query: dict[str, Any]) -> Options:
    tf = query.get("trendsFilter") or {}
    cf = query.get("compareFilter") or {}
    display = tf.get("display") or "ActionsLineGraph"
    return Options(
        display=display,
        breakdown=parse_breakdown(query.get("breakdownFilter"), display),
        formulas=FormulaSpec.from_filter(tf),
        smoothing=int(tf.get("smoothingIntervals") or 1),
        compare=bool(cf.get("compare")),
        compare_to=cf.get("compare_to"),
    )


def run_trends(query: dict[str, Any], ctx: QueryContext) -> dict[str, Any]:
    """Run a TrendsQuery; returns {results, hasMore, resolved_date_range, timezone}."""
    series = actions.named(query.get("series") or [], ctx.project_id)
    if not series:
        raise QueryError("TrendsQuery needs at least one series")
    opts = _options(query)
    date_range = query.get("dateRange") or {}
    dr = resolve(date_range, query.get("interval"), ctx, earliest=lambda: _earliest(ctx))
    base = _base_filters(query, ctx)
    periods: list[tuple[str | None, DateRange]] = [(None, dr)]
    if opts.compare and str(date_range.get("date_from", "")).lower() != "all":
        periods = [("current", dr), ("previous", _previous(dr, opts.compare_to))]
    results: list[dict[str, Any]] = []
    has_more = False
    for label, rng in periods:
        computed = [_compute(i, s, rng, ctx, base, opts, query) for i, s in enumerate(series)]
        has_more = has_more or any(c.folded for c in computed)
        results.extend(_shape(computed, rng, opts, label))
    return {
        "results": results,
        "hasMore": has_more,
        "timezone": ctx.timezone,
        "resolved_date_range": {
            "date_from": dr.date_from.replace(tzinfo=dr.tz).isoformat(),
            "date_to": dr.date_to.replace(tzinfo=dr.tz).isoformat(),
        },
    }


def _shape(
    computed: list[Computed], rng: DateRange, opts: Options, label: str | None
) -> list[dict[str, Any]]:
    if opts.formulas:
        out = formula_results(computed, rng, opts, label)
    else:
        out = [
            series_result(c, k, rng, opts, label, len(computed)) for c in computed for k in c.keys
        ]
    return out


def _previous(dr: DateRange, compare_to: str | None) -> DateRange:
    """compare_to shifts the whole range; plain compare shifts by the range's bucket count."""
    if compare_to:
        delta = parse_relative(compare_to)
        if delta is None:
            raise QueryError(f"invalid compare_to {compare_to!r}")
        return dr.shifted(delta)
    n = len(dr.buckets())
    back = step(dr.date_from, dr.interval, -n) if dr.interval != "month" else None
    if back is None:
        return dr.shifted(relativedelta(months=n))
    return DateRange(back, step(dr.date_to, dr.interval, -n), dr.interval, dr.tz, dr.week_start)


def _earliest(ctx: QueryContext) -> datetime | None:
    rows = execute(
        "SELECT min(timestamp) FROM events WHERE project_id = :project_id",
        {"project_id": ctx.project_id},
    )
    value = rows[0][0] if rows else None
    if value is None:
        return None
    moment = as_naive(value) if not isinstance(value, datetime) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=ctx.now.tzinfo)


def _base_filters(query: dict[str, Any], ctx: QueryContext) -> list[Any]:
    """Global properties AND test-account filters (when filterTestAccounts)."""
    filters: list[Any] = []
    if query.get("properties"):
        filters.append(query["properties"])
    if query.get("filterTestAccounts"):
        filters.extend(test_account_filters(ctx.project_id))
    return filters


def test_account_filters(project_id: int) -> list[Any]:
    """The project's test_account_filters (a list of property filters)."""
    rows = execute(
        "SELECT test_account_filters FROM projects WHERE id = :project_id",
        {"project_id": project_id},
    )
    raw = rows[0][0] if rows else None
    value = json.loads(raw) if isinstance(raw, str) else raw
    return list(value or [])


def _plan(series: dict[str, Any], base: list[Any], query: dict[str, Any]) -> SeriesPlan:
    props = series.get("properties") or []
    action = actions.is_action(series)
    return SeriesPlan(
        event=None if action else series.get("event"),
        action_id=series.get("id") if action else None,
        math=series.get("math") or "total",
        math_property=series.get("math_property"),
        math_property_type=series.get("math_property_type") or "event_properties",
        math_group_type_index=series.get("math_group_type_index"),
        filters=[*base, props] if props else list(base),
        aggregation_group_type_index=query.get("aggregation_group_type_index"),
        math_hogql=series.get("math_hogql"),
    )


def _compute(
    index: int,
    series: dict[str, Any],
    rng: DateRange,
    ctx: QueryContext,
    base: list[Any],
    opts: Options,
    query: dict[str, Any],
) -> Computed:
    plan = _plan(series, base, query)
    bd = opts.breakdown
    if bd is not None and bd.cohorts is not None:
        return _compute_cohorts(index, series, plan, rng, ctx, opts, bd)
    q = SeriesQuery(plan, rng, ctx, dialect_name())
    exprs = [value_expr(p, q.params, q.src, q.minmax) for p in (bd.props if bd else [])]
    if opts.cumulative and plan.math in UNIQUE_MATH - {"unique_session"}:
        values = first_bucket_counts(q, exprs)
    else:
        values = q.run(exprs, total=opts.total)
    if bd is None:
        return Computed(
            index, series, [None], {None: values.get(None, {} if not opts.total else 0)}, False
        )
    histogram = any(p["bins"] for p in bd.props)
    keys, kept = fold(values, bd.limit, len(bd.props), histogram)
    folded = len(kept) != len(values) or (keys and keys[-1] not in values)
    if bd.hide_other and folded:
        keys = keys[:-1]
    return Computed(index, series, keys, kept, bool(folded))


def _compute_cohorts(
    index: int,
    series: dict[str, Any],
    plan: SeriesPlan,
    rng: DateRange,
    ctx: QueryContext,
    opts: Options,
    bd: Breakdown,
) -> Computed:
    values: dict[Key, Any] = {}
    for cohort in bd.cohorts or []:
        flt = [] if cohort == "all" else [{"type": "cohort", "key": "id", "value": cohort}]
        cplan = SeriesPlan(**{**plan.__dict__, "filters": [*plan.filters, *flt]})
        q = SeriesQuery(cplan, rng, ctx, dialect_name())
        got = q.run([], total=opts.total)
        values[cohort] = got.get(None, 0 if opts.total else {})
    return Computed(index, series, list(bd.cohorts or []), values, False)


def series_result(
    c: Computed,
    key: Key,
    rng: DateRange,
    opts: Options,
    compare_label: str | None,
    n_series: int,
) -> dict[str, Any]:
    """One PostHog series result object."""
    value = c.values.get(key, 0 if opts.total else {})
    result = _payload(value, rng, opts)
    result["label"] = series_label(c.series, key, n_series, opts.breakdown)
    result["action"] = action_of(c.series, c.index, result["days"])
    if opts.breakdown is not None:
        result["breakdown_value"] = list(key) if isinstance(key, tuple) else key
    if compare_label is not None:
        result["compare"] = True
        result["compare_label"] = compare_label
    return result


def _payload(value: Any, rng: DateRange, opts: Options) -> dict[str, Any]:
    if opts.total:
        return {"data": [], "days": [], "labels": [], "count": 0, "aggregated_value": value or 0}
    buckets = rng.buckets()
    data = [value.get(b, 0) for b in buckets]
    return {**time_axis(rng, buckets), **apply_display(data, opts)}


def time_axis(rng: DateRange, buckets: list[datetime]) -> dict[str, Any]:
    return {
        "days": [format_day(b, rng.interval) for b in buckets],
        "labels": [format_label(b, rng.interval, rng) for b in buckets],
    }


def apply_display(data: list[Any], opts: Options) -> dict[str, Any]:
    """Cumulative running sum (count = last value) and smoothing."""
    if opts.cumulative:
        running, total = [], 0
        for v in data:
            total += v
            running.append(total)
        return {"data": running, "count": running[-1] if running else 0}
    if opts.smoothing > 1:
        data = [
            int(
                sum(data[max(0, i - opts.smoothing + 1) : i + 1])
                // len(data[max(0, i - opts.smoothing + 1) : i + 1])
            )
            for i in range(len(data))
        ]
    return {"data": data, "count": sum(data)}


def action_of(series: dict[str, Any], index: int, days: list[str]) -> dict[str, Any]:
    ident, kind, name = actions.series_identity(series)
    return {
        "id": ident,
        "type": kind,
        "order": index,
        "name": name if name is not None else "All events",
        "custom_name": series.get("custom_name"),
        "math": series.get("math") or "total",
        "math_property": series.get("math_property"),
        "math_property_type": series.get("math_property_type"),
        "math_hogql": series.get("math_hogql"),
        "math_group_type_index": series.get("math_group_type_index"),
        "properties": series.get("properties") or [],
        "days": days,
    }


def as_key(value: Any) -> Key:
    return tuple(value) if isinstance(value, list) else value


_ = as_naive  # re-exported for trends_format
