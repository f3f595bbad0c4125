"""Dynamic cohort membership as one SQL query over the project's persons (spec 1.6).

Supported leaves of the `filters.properties` AND/OR tree:
- person property filters (every operator of app.query.properties);
- other cohorts (`{"type": "cohort", "key": "id", "value": id}`), read at their current version;
- behavioural filters `performed_event` and `performed_event_multiple` (with
  `operator`/`operator_value`), within `time_value` + `time_interval` (hour, day, week,
  month, year) or `explicit_datetime` (`-30d` or an ISO date), with optional `event_filters`.
Any leaf can carry `negation: true`. Other behavioural kinds are rejected with a clear error.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from app.query.base import QueryError
from app.query.dates import parse_relative
from app.query.properties import Sources, compile_filters, compile_property, is_group
from app.query.sql import Params, dialect_name, execute, utc_param

BEHAVIOURS = ("performed_event", "performed_event_multiple")
COUNT_OPERATORS = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<", "exact": "=", "eq": "="}
UNITS = {
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": relativedelta(months=1),
    "year": relativedelta(years=1),
}


def member_person_ids(project_id: int, filters: dict[str, Any], now: datetime) -> list[int]:
    """Ids of the project's persons matching a dynamic cohort definition now."""
    params = Params(dialect_name(), project_id=project_id)
    condition = _node(tree_of(filters), params, now)
    rows = execute(
        f"SELECT p.id FROM persons p WHERE p.project_id = :project_id AND {condition} "
        "ORDER BY p.id",
        params,
    )
    return [int(row[0]) for row in rows]


def tree_of(filters: dict[str, Any]) -> dict[str, Any]:
    """The AND/OR tree of a cohort (new `properties` format or legacy `groups`)."""
    props = (filters or {}).get("properties")
    if isinstance(props, dict) and is_group(props):
        return props
    groups = (filters or {}).get("groups")
    if isinstance(groups, list) and groups:
        values = []
        for group in groups:
            if not isinstance(group, dict) or "properties" not in group:
                raise QueryError("legacy cohort groups must be property groups")
            values.append({"type": "AND", "values": list(group["properties"] or [])})
        return {"type": "OR", "values": values}
    raise QueryError("a dynamic cohort needs filters.properties")


def _node(node: Any, params: Params, now: datetime) -> str:
    if is_group(node):
        parts = [_node(child, params, now) for child in node["values"]]
        if not parts:
            return "TRUE"
        joiner = " AND " if node["type"] == "AND" else " OR "
        return "(" + joiner.join(parts) + ")"
    if not isinstance(node, dict):
        raise QueryError("invalid cohort filter")
    sql = _leaf(node, params, now)
    return f"(NOT {sql})" if node.get("negation") else sql


def _leaf(node: dict[str, Any], params: Params, now: datetime) -> str:
    kind = node.get("type")
    src = Sources(person_props="p.properties", person_id="p.id")
    if kind in ("person", "cohort", "precalculated-cohort"):
        return compile_property(node, params, src)
    if kind == "behavioral":
        return _behaviour(node, params, now)
    raise QueryError(f"cohort filters of type {kind!r} are not supported")


def _behaviour(node: dict[str, Any], params: Params, now: datetime) -> str:
    value = node.get("value")
    if value not in BEHAVIOURS:
        raise QueryError(f"behavioural cohort filter {value!r} is not supported yet")
    if node.get("event_type", "events") != "events":
        raise QueryError("behavioural cohort filters on actions are not supported yet")
    since = utc_param(_since(node, now), params.dialect)
    src = Sources(event_props="e.properties")
    extra = compile_filters(node.get("event_filters"), params, src)
    events = (
        "FROM events e JOIN person_distinct_ids pdi ON pdi.project_id = e.project_id "
        "AND pdi.distinct_id = e.distinct_id "
        f"WHERE e.project_id = :project_id AND pdi.person_id = p.id "
        f"AND e.event = {params.bind(str(node.get('key')))} "
        f"AND e.timestamp >= {params.bind(since)} AND {extra}"
    )
    if value == "performed_event":
        return f"EXISTS (SELECT 1 {events})"
    op = COUNT_OPERATORS.get(node.get("operator") or "gte")
    if op is None:
        raise QueryError("performed_event_multiple needs operator gte, gt, lte, lt or exact")
    count = int(node.get("operator_value") or 1)
    return f"((SELECT count(*) {events}) {op} {params.bind(count)})"


def _since(node: dict[str, Any], now: datetime) -> datetime:
    explicit = node.get("explicit_datetime")
    if explicit:
        delta = parse_relative(str(explicit))
        if delta is not None:
            moved: datetime = now - delta
            return moved
        try:
            moment = datetime.fromisoformat(str(explicit).replace("Z", "+00:00"))
        except ValueError as exc:
            raise QueryError(f"invalid explicit_datetime {explicit!r}") from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)
    unit = UNITS.get(node.get("time_interval") or "day")
    if unit is None:
        raise QueryError("time_interval must be hour, day, week, month or year")
    amount = int(node.get("time_value") or 30)
    since: datetime = now - unit * amount
    return since
