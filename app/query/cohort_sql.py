"""Dynamic cohort membership as one SQL query over the project's persons (spec 1.6).

Supported leaves of the `filters.properties` AND/OR tree:
- person property filters (every operator of app.query.properties);
- other cohorts (`{"type": "cohort", "key": "id", "value": id}`), read at their current version;
- behavioural filters of every PostHog kind, on events or actions (app.query.cohort_behaviour).
Any leaf can carry `negation: true`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.query.base import QueryError
from app.query.cohort_behaviour import behaviour
from app.query.properties import Sources, compile_property, is_group
from app.query.sql import Params, dialect_name, execute


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


def check_definition(project_id: int, filters: dict[str, Any], now: datetime) -> None:
    """Compile a definition without running it: a QueryError names what is wrong."""
    _node(tree_of(filters), Params(dialect_name(), project_id=project_id), now)


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
        return behaviour(node, params, now)
    raise QueryError(f"cohort filters of type {kind!r} are not supported")
