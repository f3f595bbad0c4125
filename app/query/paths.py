"""Paths (spec insights.md 2.6): edges between consecutive path items per actor session.

Per actor: events sorted by time become items ($pageview → $current_url without the trailing
slash, $screen → $screen_name, other events → their name), cleaned by the local path
cleaning rules and wildcard groupings, split into sessions at gaps of 30 minutes or more,
consecutive duplicates collapsed, trimmed to the start/end point, then cut to `stepLimit`.
Edges are counted per session, sorted by weight, filtered to those reachable from a first
step, and limited to `edgeLimit`. With no `includeEventTypes`, every event is an item.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from typing import Any

from app.query import dates
from app.query.actor_scan import Scan, by_actor, epoch
from app.query.base import QueryContext, QueryError

SESSION_GAP = 30 * 60
EVENT_TYPES = ("$pageview", "$screen", "custom_event")
Item = tuple[str, float]  # (path item, epoch seconds)


def run_paths(query: dict[str, Any], ctx: QueryContext) -> dict[str, Any]:
    """PathsQuery → {"results": [edges]}."""
    pf = query.get("pathsFilter") or {}
    dr = dates.resolve(query.get("dateRange"), "day", ctx)
    cleaner = _cleaner(pf)
    edges: dict[tuple[str, str], list[float]] = defaultdict(list)
    for session in _sessions(query, ctx, pf, dr, cleaner):
        path = _trim(_collapse(session), pf)
        for position, (a, b) in enumerate(zip(path, path[1:], strict=False), start=1):
            edges[(f"{position}_{a[0]}", f"{position + 1}_{b[0]}")].append((b[1] - a[1]) * 1000)
    return {"results": _select(edges, pf)}


def _types(pf: dict[str, Any]) -> list[str]:
    types = list(pf.get("includeEventTypes") or [])
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise QueryError(f"unsupported includeEventTypes {unknown}")
    return types


def _sessions(
    query: dict[str, Any],
    ctx: QueryContext,
    pf: dict[str, Any],
    dr: dates.DateRange,
    cleaner: Any,
) -> list[list[Item]]:
    scan = Scan(query, ctx)
    scan.between(dr.utc_from, dr.utc_to)
    types = _types(pf)
    conditions = []
    if "$pageview" in types:
        conditions.append("e.event = '$pageview'")
    if "$screen" in types:
        conditions.append("e.event = '$screen'")
    if "custom_event" in types:
        conditions.append("e.event NOT LIKE '$%'")
    if conditions:
        scan.where.append("(" + " OR ".join(conditions) + ")")
    scan.columns += [
        "e.event",
        scan.params.prop("e.properties", "$current_url"),
        scan.params.prop("e.properties", "$screen_name"),
    ]
    excluded = set(pf.get("excludeEvents") or [])
    out: list[list[Item]] = []
    for _, rows in by_actor(scan.rows()):
        items = []
        for row in rows:
            item = cleaner(_item(row[3], row[4], row[5]))
            if item is not None and item not in excluded and row[3] not in excluded:
                items.append((item, epoch(row[1])))
        out.extend(_split(items))
    return out


def _item(event: str, url: str | None, screen: str | None) -> str | None:
    if event == "$pageview":
        if url is None:
            return None
        stripped = url.rstrip("/")
        return stripped or "/"
    if event == "$screen":
        return screen
    return event


def _cleaner(pf: dict[str, Any]) -> Any:
    rules = []
    for rule in pf.get("localPathCleaningFilters") or []:
        try:
            rules.append((re.compile(str(rule.get("regex") or "")), str(rule.get("alias") or "")))
        except re.error as exc:
            raise QueryError(f"invalid path cleaning regex {rule.get('regex')!r}") from exc
    groupings = [
        (re.compile("^" + ".*".join(re.escape(p) for p in str(g).split("*")) + "$"), str(g))
        for g in pf.get("pathGroupings") or []
    ]

    def clean(item: str | None) -> str | None:
        if item is None:
            return None
        for pattern, alias in rules:
            item = pattern.sub(alias, item)
        for pattern, name in groupings:
            if pattern.match(item):
                return name
        return item

    return clean


def _split(items: list[Item]) -> list[list[Item]]:
    sessions: list[list[Item]] = []
    for item in items:
        if not sessions or item[1] - sessions[-1][-1][1] >= SESSION_GAP:
            sessions.append([item])
        else:
            sessions[-1].append(item)
    return sessions


def _collapse(items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        if not out or out[-1][0] != item[0]:
            out.append(item)
    return out


def _trim(path: list[Item], pf: dict[str, Any]) -> list[Item]:
    limit = int(pf.get("stepLimit") or 5)
    start, end = pf.get("startPoint"), pf.get("endPoint")
    names = [p[0] for p in path]
    if start:
        if start not in names:
            return []
        path = path[names.index(start) :]
        names = names[names.index(start) :]
    if end:
        if end not in names:
            return []
        path = path[: names.index(end) + 1]
        if not start:
            return path[-limit:]
    return path[:limit]


def _select(edges: dict[tuple[str, str], list[float]], pf: dict[str, Any]) -> list[Any]:
    low, high = pf.get("minEdgeWeight"), pf.get("maxEdgeWeight")
    rows: list[dict[str, Any]] = [
        {
            "source": s,
            "target": t,
            "value": len(times),
            "average_conversion_time": statistics.fmean(times),
        }
        for (s, t), times in edges.items()
        if (low is None or len(times) >= low) and (high is None or len(times) <= high)
    ]
    rows.sort(key=lambda r: (-r["value"], r["source"], r["target"]))
    starts = {r["source"] for r in rows if r["source"].startswith("1_")}
    return _reachable(rows, starts)[: int(pf.get("edgeLimit") or 50)]


def _reachable(rows: list[dict[str, Any]], starts: set[str]) -> list[dict[str, Any]]:
    seen = set(starts)
    changed = True
    while changed:
        changed = False
        for row in rows:
            if row["source"] in seen and row["target"] not in seen:
                seen.add(row["target"])
                changed = True
    return [r for r in rows if r["source"] in seen]
