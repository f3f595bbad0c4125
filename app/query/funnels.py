"""Funnels (spec insights.md 2.2): steps, time to convert and trends visualisations.

One scan fetches every candidate event with a flag per step and per exclusion slot; the
per-actor state machine (app.query.funnel_steps) decides how far each actor got. Ordered
funnels in the steps visualisation without exclusions or breakdown (the common shape) get
each actor's furthest step from Postgres instead (app.query.funnel_fast), which hands back
the few actors with events at one instant to the state machine.
Breakdown values with no property are the empty string, boxed like the others (`[""]`).
"""

from __future__ import annotations

from typing import Any

from app.query import actions, dates, funnel_fast, persons
from app.query.actor_scan import Scan, epoch
from app.query.base import QueryContext, QueryError
from app.query.funnel_breakdown import Breakdown
from app.query.funnel_output import step_results, time_to_convert, trends_results
from app.query.funnel_scan import actor_events
from app.query.funnel_steps import FunnelEvent, Settings, actor_results
from app.query.properties import Sources

WINDOW_UNITS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 31 * 86400,
}


def run_funnels(query: dict[str, Any], ctx: QueryContext, *, fast: bool = True) -> dict[str, Any]:
    """FunnelsQuery → PostHog's FunnelsQueryResponse. `fast=False` keeps every funnel on the
    Python state machine (the reference the SQL shortcut in app.query.funnel_fast is tested
    against)."""
    series = actions.named(query.get("series") or [], ctx.project_id)
    if len(series) < 2:
        raise QueryError("a funnel needs at least two steps")
    ff = query.get("funnelsFilter") or {}
    viz = ff.get("funnelVizType") or "steps"
    interval = (query.get("interval") or "day") if viz == "trends" else "day"
    dr = dates.resolve(query.get("dateRange"), interval, ctx)
    scan = Scan(query, ctx)
    breakdown = Breakdown.of(query, ff, scan)
    cfg = _settings(series, ff)
    thin = "none" if viz == "trends" or cfg.order == "unordered" else "runs"
    if thin == "runs" and not ff.get("exclusions") and cfg.attribution_step is None:
        thin = "runs" if cfg.all_events else "ends"
    if fast and funnel_fast.eligible(
        cfg, scan, viz=viz, breakdown=breakdown.active, exclusions=bool(ff.get("exclusions"))
    ):
        conditions = _conditions(scan, series, ff, dr)
        names = _event_names(series)
        if names is not None:  # the same rows; lets Postgres read them from the event index
            scan.where.append(f"e.event IN ({', '.join(scan.bind(n) for n in names)})")
        per_actor, tied = funnel_fast.furthest_steps(scan, cfg, [c for _, c in conditions])
        if tied:  # actors with events at one instant: the state machine, on their events only
            again = Scan(query, ctx)
            again.where.append(f"{again.actor()} = ANY({again.bind(tied)})")
            for events, vals in _actor_events(again, series, ff, dr, breakdown, thin=thin):
                per_actor += actor_results(cfg, events, vals)
        return {"results": step_results(series, cfg, per_actor, breakdown), "isUdf": True}
    actors = _actor_events(scan, series, ff, dr, breakdown, thin=thin)
    if viz == "time_to_convert":  # breakdowns are ignored here, attribution too
        plain = Settings(cfg.num_steps, cfg.window, cfg.order)
        return {"results": time_to_convert(plain, actors, ff), "isUdf": True}
    if viz == "trends":
        return {"results": trends_results(cfg, actors, ff, dr, breakdown), "isUdf": True}
    per_actor = [r for events, vals in actors for r in actor_results(cfg, events, vals)]
    return {"results": step_results(series, cfg, per_actor, breakdown), "isUdf": True}


def window_seconds(ff: dict[str, Any]) -> float:
    unit = ff.get("funnelWindowIntervalUnit") or "day"
    if unit not in WINDOW_UNITS:
        raise QueryError(f"unknown funnelWindowIntervalUnit {unit!r}")
    amount = ff.get("funnelWindowInterval")
    return float((14 if amount is None else int(amount)) * WINDOW_UNITS[unit])


def _settings(series: list[Any], ff: dict[str, Any]) -> Settings:
    order = ff.get("funnelOrderType") or "ordered"
    if order not in ("ordered", "strict", "unordered"):
        raise QueryError(f"unknown funnelOrderType {order!r}")
    attribution = ff.get("breakdownAttributionType") or "first_touch"
    step = None
    if attribution == "step":
        step = int(ff.get("breakdownAttributionValue") or 0)
        if order == "unordered" and step != 0:
            raise QueryError(
                "Only the first step can be used for breakdown attribution in unordered funnels"
            )
    return Settings(
        num_steps=len(series),
        window=window_seconds(ff),
        order=order,
        attribution_step=step if order != "unordered" else None,
        all_events=attribution == "all_events",
    )


def _exclusion_slots(ff: dict[str, Any], num_steps: int) -> list[tuple[dict[str, Any], list[int]]]:
    out = []
    for exc in ff.get("exclusions") or []:
        lo, hi = int(exc.get("funnelFromStep", 0)), int(exc.get("funnelToStep", num_steps - 1))
        if not 0 <= lo < hi <= num_steps - 1:
            raise QueryError("exclusion steps need 0 <= funnelFromStep < funnelToStep < steps")
        if ff.get("funnelOrderType") == "unordered" and (lo, hi) != (0, num_steps - 1):
            raise QueryError("Partial Exclusions not allowed in unordered funnels")
        # slot i (1..n-1) guards "reached step i-1, not yet step i"
        out.append((exc, [-(i + 1) for i in range(lo + 1, hi + 1)]))
    return out


def _actor_events(
    scan: Scan,
    series: list[dict[str, Any]],
    ff: dict[str, Any],
    dr: dates.DateRange,
    breakdown: Breakdown,
    *,
    thin: str,
) -> list[tuple[list[FunnelEvent], list[Any]]]:
    return actor_events(scan, _conditions(scan, series, ff, dr), breakdown, thin=thin)


def _conditions(
    scan: Scan, series: list[dict[str, Any]], ff: dict[str, Any], dr: dates.DateRange
) -> list[tuple[int, str]]:
    """The (slot, condition) pairs of the steps and exclusions; restricts the scan to the
    range (and, unless strict, to events matching one of them)."""
    scan.between(dr.utc_from, dr.utc_to)
    conditions = [(i + 1, _step_condition(scan, node, i)) for i, node in enumerate(series)]
    for exc, slots in _exclusion_slots(ff, len(series)):
        cond = scan.event_is(exc)
        conditions += [(slot, cond) for slot in slots]
    if (ff.get("funnelOrderType") or "ordered") != "strict":
        scan.where.append("(" + " OR ".join(c for _, c in conditions) + ")")
    return conditions


def _event_names(series: list[dict[str, Any]]) -> list[str] | None:
    """The event names when every step is just an event name (no filters, no actions)."""
    names = []
    for node in series:
        name = node.get("event", node.get("id"))
        if actions.is_action(node) or name is None or node.get("properties"):
            return None
        if node.get("math") in ("first_time_for_user", "first_time_for_user_with_filters"):
            return None
        names.append(str(name))
    return names


def _event(row: Any, conditions: list[tuple[int, str]], breakdown: Breakdown) -> FunnelEvent:
    """One row of the flag-column scan (kept for app.query.actors' funnel drill-down)."""
    steps = tuple(slot for (slot, _), hit in zip(conditions, row[3:], strict=False) if hit)
    value = breakdown.value_of(row[3 + len(conditions)]) if breakdown.column else ""
    return FunnelEvent(epoch(row[1]), str(row[2]), value, steps)


def _step_condition(scan: Scan, node: dict[str, Any], index: int) -> str:
    cond = scan.event_is(node)
    if node.get("math") not in ("first_time_for_user", "first_time_for_user_with_filters"):
        return cond
    # The person's first-ever event of this kind (event name or action), over all time and
    # all their distinct ids; the step's own filters then apply to that event.
    src = Sources()
    if actions.is_action(node):
        kind = actions.action_condition(scan.ctx.project_id, node.get("id"), scan.params, src)
    elif node.get("event") is not None:
        kind = f"e.event = {scan.bind(str(node['event']))}"
    else:
        raise QueryError("first_time_for_user needs an event")
    return f"({cond} AND e.timestamp = {_first_time_lookup(scan, kind, src, index)})"


def _first_time_lookup(scan: Scan, kind: str, src: Sources, index: int) -> str:
    cte = f"first_{index}"
    actor = scan.actor()
    scan.ctes.append(
        f"{cte} AS (SELECT {actor} AS actor, min(e.timestamp) AS first_ts FROM events e "
        f"{persons.joins_for(src.needs, actor=True, params=scan.params)} "
        f"WHERE e.project_id = :project_id AND {kind} GROUP BY 1)"
    )
    return f"(SELECT f.first_ts FROM {cte} f WHERE f.actor = {scan.actor()})"
