"""EventsQuery: raw events of a project, filtered and paged (PostHog's events table view).

Supported `select` items: `*`, `uuid`, `event`, `timestamp`, `distinct_id`, `person_id`,
`properties.<key>`, `person` (current person: id, uuid, properties). HogQL expressions and
`where` strings are not supported (400). Order: `timestamp DESC` (default) or `ASC`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from app.query.base import QueryContext, QueryError
from app.query.persons import actor_expr, joins_for
from app.query.properties import Sources, compile_filters
from app.query.sql import Params, dialect_name, execute, utc_param

MAX_LIMIT = 1000
_COLUMNS = {
    "uuid": "e.uuid",
    "event": "e.event",
    "timestamp": "e.timestamp",
    "distinct_id": "e.distinct_id",
}


def _select_expr(item: str, params: Params, src: Sources) -> str:
    if item == "*":
        return "e.uuid, e.event, e.distinct_id, e.timestamp, e.properties, e.elements_chain"
    if item in _COLUMNS:
        return _COLUMNS[item]
    if item == "person_id":  # the resolved person; the stored one when it resolves to none
        src.needs.add("pdi")
        return f"COALESCE({actor_expr(params)}, e.person_id)"
    if item.startswith("properties."):
        return params.prop("e.properties", item.removeprefix("properties."))
    if item == "person":
        src.needs.add("person")
        return "p.id, p.uuid, p.properties"
    raise QueryError(f"unsupported select expression {item!r}")


def _shape(item: str, values: list[Any]) -> Any:
    if item == "*":
        uid, event, did, ts, props, chain = (values.pop(0) for _ in range(6))
        return {
            "uuid": str(uid),
            "event": event,
            "distinct_id": did,
            "timestamp": _iso(ts),
            "properties": json.loads(props) if isinstance(props, str) else props,
            "elements_chain": chain,
        }
    if item == "person":
        pid, puuid, props = (values.pop(0) for _ in range(3))
        if pid is None:
            return None
        return {
            "id": str(puuid),
            "properties": json.loads(props) if isinstance(props, str) else props,
        }
    value = values.pop(0)
    return (
        _iso(value)
        if item == "timestamp"
        else (str(value) if item in ("uuid", "person_id") and value is not None else value)
    )


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _where(query: dict[str, Any], params: Params, src: Sources) -> str:
    if query.get("where"):
        raise QueryError("HogQL where clauses are not supported; use properties")
    parts = ["e.project_id = :project_id"]
    if query.get("event"):
        parts.append(f"e.event = {params.bind(query['event'])}")
    for key, op in (("after", ">="), ("before", "<")):
        if query.get(key):
            try:
                moment = datetime.fromisoformat(str(query[key]).replace("Z", "+00:00"))
            except ValueError as exc:
                raise QueryError(f"invalid {key}") from exc
            parts.append(f"e.timestamp {op} {params.bind(utc_param(moment, params.dialect))}")
    parts.append(compile_filters(query.get("properties"), params, src))
    parts.append(compile_filters(query.get("fixedProperties"), params, src))
    return " AND ".join(parts)


def run_events_query(query: dict[str, Any], ctx: QueryContext) -> dict[str, Any]:
    """Rows for the selected columns, newest first by default."""
    select = query.get("select") or ["*"]
    params = Params(dialect_name(), project_id=ctx.project_id)
    src = Sources()
    exprs = [_select_expr(str(item), params, src) for item in select]
    where = _where(query, params, src)
    order = (query.get("orderBy") or ["timestamp DESC"])[0]
    if order not in ("timestamp DESC", "timestamp ASC"):
        raise QueryError("orderBy supports timestamp DESC or ASC only")
    limit = max(1, min(int(query.get("limit") or 100), MAX_LIMIT))
    offset = max(0, int(query.get("offset") or 0))
    joins = joins_for(src.needs, actor=False, params=params)
    sql = (
        f"SELECT {', '.join(exprs)} FROM events e {joins} "
        f"WHERE {where} ORDER BY e.{order}, e.id LIMIT {limit + 1} OFFSET {offset}"
    )
    rows = [list(r) for r in execute(sql, params)]
    results = [[_shape(str(item), row) for item in select] for row in rows[:limit]]
    return {
        "columns": select,
        "results": results,
        "hasMore": len(rows) > limit,
        "limit": limit,
        "offset": offset,
    }
