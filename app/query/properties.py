"""PostHog property filters → SQL fragments with bound parameters only (spec 1.7 and 5).

Keys and values are always bound (`properties ->> :p1`), so a property *name* can never
inject SQL. Null semantics follow PostHog: missing/JSON-null values fail positive
operators and pass the negative ones (`is_not`, `not_icontains`, `not_regex`, `is_not_set`).

`Sources` says how the current FROM clause reaches event/person/group properties and the
person id; the compiler records which joins it needed in `Sources.needs`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.query.base import QueryError
from app.query.sql import Params, escape_like

NEGATIVE = {"is_not", "not_icontains", "not_regex", "is_not_set", "not_in", "not_between"}


@dataclass
class Sources:
    """Column expressions for the tables in scope (defaults: the trends/event FROM)."""

    event_props: str = "e.properties"
    person_props: str = "p.properties"
    person_id: str = "p.id"  # bigint persons.id (cohort membership)
    project_id: str = ":project_id"
    needs: set[str] = field(default_factory=set)
    sessions: bool = False  # the query joins session properties when asked (trends)

    def session_props(self) -> str:
        if not self.sessions:
            raise QueryError("session properties are supported in trends")
        self.needs.add("session")
        return "sess.props"

    def group_props(self, index: int) -> str:
        self.needs.add(f"group{index}")
        return f"g{index}.group_properties"


def is_group(node: Any) -> bool:
    return isinstance(node, dict) and node.get("type") in ("AND", "OR") and "values" in node


def compile_filters(node: Any, params: Params, src: Sources) -> str:
    """A filter list, a PropertyGroupFilter tree or None → a boolean SQL expression."""
    if node is None or node == [] or node == {}:
        return "TRUE" if params.pg else "1=1"
    if isinstance(node, list):
        return _combine("AND", [compile_filters(n, params, src) for n in node], params)
    if is_group(node):
        parts = [compile_filters(n, params, src) for n in node["values"]]
        return _combine(node["type"], parts, params)
    if isinstance(node, dict):
        return compile_property(node, params, src)
    raise QueryError("invalid property filter")


def _combine(op: str, parts: list[str], params: Params) -> str:
    parts = [p for p in parts if p not in ("TRUE", "1=1")] if op == "AND" else parts
    if not parts:
        return "TRUE" if params.pg else "1=1"
    return "(" + f" {op} ".join(parts) + ")"


def compile_property(prop: dict[str, Any], params: Params, src: Sources) -> str:
    """One `{key, value, operator, type}` filter."""
    ptype = prop.get("type") or "event"
    if ptype == "cohort" or prop.get("key") == "id" and ptype == "precalculated-cohort":
        return _cohort(prop, params, src)
    if ptype == "hogql":
        from app.query import hogql  # hogql builds on Sources from this module

        return hogql.compile_filter(prop.get("key"), params, src)
    if ptype == "element":
        from app.query.elements import compile_element  # actions build on this module

        return compile_element(prop, params)
    key = prop.get("key")
    if not isinstance(key, str) or not key:
        raise QueryError("property filter needs a key")
    column = _column(ptype, prop, src)
    expr = params.prop(column, key)
    return compile_operator(expr, prop.get("operator") or "exact", prop.get("value"), params)


def _column(ptype: str, prop: dict[str, Any], src: Sources) -> str:
    if ptype == "event":
        return src.event_props
    if ptype == "person":
        src.needs.add("person")
        return src.person_props
    if ptype == "group":
        index = prop.get("group_type_index")
        if not isinstance(index, int) or not 0 <= index <= 4:
            raise QueryError("group property filter needs group_type_index 0..4")
        return src.group_props(index)
    if ptype == "session":
        return src.session_props()
    raise QueryError(f"property filters of type {ptype!r} are not supported")


def _cohort(prop: dict[str, Any], params: Params, src: Sources) -> str:
    try:
        cohort_id = int(prop.get("value"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise QueryError("cohort filter needs a cohort id as value") from exc
    src.needs.add("person")
    cohort = params.bind(cohort_id)
    members = (
        "SELECT cp.person_id FROM cohort_people cp JOIN cohorts c ON c.id = cp.cohort_id"
        " WHERE cp.project_id = c.project_id AND cp.version = COALESCE(c.version, 0)"
        f" AND c.project_id = {src.project_id} AND c.id = {cohort}"
    )
    if prop.get("operator") == "not_in":
        return f"({src.person_id} IS NULL OR {src.person_id} NOT IN ({members}))"
    return f"({src.person_id} IN ({members}))"


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def stringify(value: Any) -> str:
    """PostHog compares filter values as strings; Python booleans become 'true'/'false'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def compile_operator(expr: str, operator: str, value: Any, params: Params) -> str:
    """The operator table of spec 1.7 applied to a text expression."""
    handler = _OPERATORS.get(operator)
    if handler is None:
        raise QueryError(f"unsupported property operator {operator!r}")
    return handler(expr, value, params)


def _exact(expr: str, value: Any, params: Params) -> str:
    values = [stringify(v) for v in _values(value)]
    binds = ", ".join(params.bind(v) for v in values)
    return f"COALESCE({expr} IN ({binds}), FALSE)"


def _is_not(expr: str, value: Any, params: Params) -> str:
    values = [stringify(v) for v in _values(value)]
    binds = ", ".join(params.bind(v) for v in values)
    return f"({expr} IS NULL OR {expr} NOT IN ({binds}))"


def _icontains(expr: str, value: Any, params: Params) -> str:
    likes = [params.ilike(expr, f"%{escape_like(stringify(v))}%") for v in _values(value)]
    return "COALESCE(" + " OR ".join(likes) + ", FALSE)"


def _not_icontains(expr: str, value: Any, params: Params) -> str:
    likes = [f"NOT {params.ilike(expr, f'%{escape_like(stringify(v))}%')}" for v in _values(value)]
    return f"({expr} IS NULL OR (" + " AND ".join(likes) + "))"


def _check_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise QueryError(f"invalid regex {pattern!r}") from exc
    return pattern


def _regex(expr: str, value: Any, params: Params) -> str:
    parts = [params.regex(expr, _check_regex(stringify(v))) for v in _values(value)]
    return "COALESCE(" + " OR ".join(parts) + ", FALSE)"


def _not_regex(expr: str, value: Any, params: Params) -> str:
    parts = [f"NOT {params.regex(expr, _check_regex(stringify(v)))}" for v in _values(value)]
    return f"({expr} IS NULL OR (" + " AND ".join(parts) + "))"


def _comparison(sql_op: str) -> Callable[[str, Any, Params], str]:
    def build(expr: str, value: Any, params: Params) -> str:
        number = _as_number(value)
        if number is None:
            return f"COALESCE({expr} {sql_op} {params.bind(stringify(value))}, FALSE)"
        return f"COALESCE({params.safe_float(expr)} {sql_op} {params.bind(number)}, FALSE)"

    return build


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _date(sql_op: str) -> Callable[[str, Any, Params], str]:
    def build(expr: str, value: Any, params: Params) -> str:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise QueryError(f"invalid date {value!r}") from exc
        if params.pg:
            bound = f"CAST({params.bind(moment.isoformat())} AS timestamptz)"
        else:
            bound = params.bind(moment.strftime("%Y-%m-%d %H:%M:%S.%f"))
        return f"COALESCE({params.safe_timestamp(expr)} {sql_op} {bound}, FALSE)"

    return build


def _is_set(expr: str, _value: Any, _params: Params) -> str:
    return f"({expr} IS NOT NULL)"


def _is_not_set(expr: str, _value: Any, _params: Params) -> str:
    return f"({expr} IS NULL)"


def _between(negate: bool) -> Callable[[str, Any, Params], str]:
    def build(expr: str, value: Any, params: Params) -> str:
        low, high = (_values(value) + [None, None])[:2]
        lo, hi = _as_number(low), _as_number(high)
        if lo is None or hi is None:
            raise QueryError("between needs two numbers")
        num = params.safe_float(expr)
        inside = f"({num} >= {params.bind(lo)} AND {num} <= {params.bind(hi)})"
        return f"({num} IS NULL OR NOT {inside})" if negate else f"COALESCE({inside}, FALSE)"

    return build


_OPERATORS: dict[str, Callable[[str, Any, Params], str]] = {
    "exact": _exact,
    "is_not": _is_not,
    "icontains": _icontains,
    "not_icontains": _not_icontains,
    "regex": _regex,
    "not_regex": _not_regex,
    "gt": _comparison(">"),
    "gte": _comparison(">="),
    "lt": _comparison("<"),
    "lte": _comparison("<="),
    "is_set": _is_set,
    "is_not_set": _is_not_set,
    "is_date_before": _date("<"),
    "is_date_after": _date(">"),
    "is_date_exact": _date("="),
    "between": _between(False),
    "not_between": _between(True),
    "min": _comparison(">="),
    "max": _comparison("<="),
}
