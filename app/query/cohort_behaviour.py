"""Behavioural cohort filters → SQL conditions on the outer person row `p` (spec 1.6).

Semantics follow PostHog's cohort query (T = `time_value` `time_interval`, S =
`seq_time_value` `seq_time_interval`, both counted back from "now"):
- `performed_event`: an event since `explicit_datetime` (`-30d` or a date) or since now − T
  (default 30 days);
- `performed_event_multiple`: as above, the count compared with `operator` (gte, gt, lte,
  lt, exact) to `operator_value`;
- `performed_event_first_time`: the person's first-ever matching event (over all time) is
  in (now − T, now];
- `performed_event_sequence`: within (now − T, now], an event `key` followed (strictly later)
  by an event `seq_event` at most S after it;
- `performed_event_regularly`: of the `total_periods` periods of length T counted back from
  now, at least `min_periods` have an event count that satisfies `operator` `operator_value`;
- `stopped_performing_event`: events in (now − T, now − S] but none in (now − S, now];
- `restarted_performing_event`: an event at or before now − T, none in (now − T, now − S],
  and one in (now − S, now].
S must be shorter than T for stopped/restarted. Each event (`key`, `seq_event`) is an event
name or, with `event_type` / `seq_event_type` "actions", an action id; `event_filters`
apply to every matching event. Events count for the person their distinct id maps to now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from dateutil.relativedelta import relativedelta

from app.query.actions import action_condition
from app.query.base import QueryError
from app.query.dates import parse_relative
from app.query.properties import Sources, compile_filters
from app.query.sql import Params, utc_param

COUNT_OPERATORS = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<", "exact": "=", "eq": "="}
UNITS: dict[str, relativedelta] = {
    "hour": relativedelta(hours=1),
    "day": relativedelta(days=1),
    "week": relativedelta(weeks=1),
    "month": relativedelta(months=1),
    "year": relativedelta(years=1),
}
# Rough lengths, only to check that S is shorter than T.
_APPROX = {"hour": 1 / 24, "day": 1, "week": 7, "month": 31, "year": 366}


class Behaviour:
    """One behavioural leaf compiled against `params` at a fixed `now`."""

    def __init__(self, node: dict[str, Any], params: Params, now: datetime) -> None:
        self.node, self.params, self.now = node, params, now
        self.src = Sources(
            event_props="e.properties", person_props="p.properties", person_id="p.id"
        )

    def bind_time(self, moment: datetime) -> str:
        return self.params.bind(utc_param(moment, self.params.dialect))

    def entity(self, type_key: str = "event_type", key: str = "key") -> str:
        """The event name or action condition for `key` (or `seq_event`), with event_filters."""
        kind, value = self.node.get(type_key) or "events", self.node.get(key)
        if value is None or value == "":
            raise QueryError(f"behavioural cohort filter needs {key}")
        if kind == "actions":
            project_id = int(self.params.values["project_id"])
            cond = action_condition(project_id, value, self.params, self.src)
        elif kind == "events":
            cond = f"e.event = {self.params.bind(str(value))}"
        else:
            raise QueryError(f"{type_key} must be events or actions")
        extra = compile_filters(self.node.get("event_filters"), self.params, self.src)
        return f"{cond} AND {extra}"

    def events(self, condition: str) -> str:
        """FROM/WHERE over this person's events matching `condition`."""
        return (
            "FROM events e JOIN person_distinct_ids pdi ON pdi.project_id = e.project_id "
            "AND pdi.distinct_id = e.distinct_id "
            f"WHERE e.project_id = :project_id AND pdi.person_id = p.id AND {condition}"
        )

    def window(
        self, value_key: str = "time_value", unit_key: str = "time_interval"
    ) -> relativedelta:
        unit = UNITS.get(self.node.get(unit_key) or "")
        if unit is None:
            raise QueryError(f"{unit_key} must be hour, day, week, month or year")
        return unit * positive(self.node.get(value_key), value_key)

    def between(self, low: datetime, high: datetime) -> str:
        """(low, high] on the event timestamp."""
        return f"e.timestamp > {self.bind_time(low)} AND e.timestamp <= {self.bind_time(high)}"


def positive(value: Any, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise QueryError(f"{name} must be a positive integer") from exc
    if number <= 0:
        raise QueryError(f"{name} must be a positive integer")
    return number


def _count_operator(node: dict[str, Any]) -> str:
    op = COUNT_OPERATORS.get(node.get("operator") or "gte")
    if op is None:
        raise QueryError("operator must be gte, gt, lte, lt or exact")
    return op


def _since(b: Behaviour) -> datetime:
    explicit = b.node.get("explicit_datetime")
    if explicit:
        delta = parse_relative(str(explicit))
        if delta is not None:
            moved: datetime = b.now - delta
            return moved
        try:
            moment = datetime.fromisoformat(str(explicit).replace("Z", "+00:00"))
        except ValueError as exc:
            raise QueryError(f"invalid explicit_datetime {explicit!r}") from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=b.now.tzinfo)
    unit = UNITS.get(b.node.get("time_interval") or "day")
    if unit is None:
        raise QueryError("time_interval must be hour, day, week, month or year")
    since: datetime = b.now - unit * int(b.node.get("time_value") or 30)
    return since


def _performed(b: Behaviour) -> str:
    events = b.events(f"{b.entity()} AND e.timestamp >= {b.bind_time(_since(b))}")
    return f"EXISTS (SELECT 1 {events})"


def _multiple(b: Behaviour) -> str:
    op = _count_operator(b.node)
    count = int(b.node.get("operator_value") or 1)
    events = b.events(f"{b.entity()} AND e.timestamp >= {b.bind_time(_since(b))}")
    return f"((SELECT count(*) {events}) {op} {b.params.bind(count)})"


def _first_time(b: Behaviour) -> str:
    first = f"(SELECT min(e.timestamp) {b.events(b.entity())})"
    low, high = b.bind_time(b.now - b.window()), b.bind_time(b.now)
    return f"COALESCE({first} > {low} AND {first} <= {high}, FALSE)"


def _seq_shorter(b: Behaviour) -> None:
    t = positive(b.node.get("time_value"), "time_value") * _APPROX[b.node["time_interval"]]
    s = (
        positive(b.node.get("seq_time_value"), "seq_time_value")
        * _APPROX[b.node["seq_time_interval"]]
    )
    if s >= t:
        raise QueryError("seq_time_value/seq_time_interval must be shorter than the time window")


def _stopped(b: Behaviour) -> str:
    full, recent = b.now - b.window(), b.now - b.window("seq_time_value", "seq_time_interval")
    _seq_shorter(b)
    entity = b.entity()
    before = b.events(f"{entity} AND {b.between(full, recent)}")
    after = b.events(f"{entity} AND {b.between(recent, b.now)}")
    return f"(EXISTS (SELECT 1 {before}) AND NOT EXISTS (SELECT 1 {after}))"


def _restarted(b: Behaviour) -> str:
    full, recent = b.now - b.window(), b.now - b.window("seq_time_value", "seq_time_interval")
    _seq_shorter(b)
    entity = b.entity()
    initial = b.events(f"{entity} AND e.timestamp <= {b.bind_time(full)}")
    gap = b.events(f"{entity} AND {b.between(full, recent)}")
    back = b.events(f"{entity} AND {b.between(recent, b.now)}")
    return (
        f"(EXISTS (SELECT 1 {initial}) AND NOT EXISTS (SELECT 1 {gap}) "
        f"AND EXISTS (SELECT 1 {back}))"
    )


def _regularly(b: Behaviour) -> str:
    period = b.window()
    total = positive(b.node.get("total_periods"), "total_periods")
    wanted = positive(b.node.get("min_periods"), "min_periods")
    if wanted > total:
        raise QueryError(f"min_periods ({wanted}) cannot be greater than total_periods ({total})")
    op, count = _count_operator(b.node), positive(b.node.get("operator_value"), "operator_value")
    hits = [
        f"sum(CASE WHEN {b.between(b.now - period * (k + 1), b.now - period * k)} "
        "THEN 1 ELSE 0 END)"
        for k in range(total)
    ]
    bound = b.params.bind(count)
    per_period = " + ".join(f"(CASE WHEN {h} {op} {bound} THEN 1 ELSE 0 END)" for h in hits)
    oldest = b.bind_time(b.now - period * total)
    scan = b.events(f"{b.entity()} AND e.timestamp > {oldest}")
    return f"((SELECT {per_period} {scan}) >= {b.params.bind(wanted)})"


def _sequence(b: Behaviour) -> str:
    low = b.now - b.window()
    step = b.window("seq_time_value", "seq_time_interval")
    first = f"SELECT e.timestamp AS ts {b.events(f'{b.entity()} AND {b.between(low, b.now)}')}"
    then_entity = b.entity("seq_event_type", "seq_event")
    second = f"SELECT e.timestamp AS ts {b.events(f'{then_entity} AND {b.between(low, b.now)}')}"
    latest = _plus("a.ts", step, b.params)
    return (
        f"EXISTS (SELECT 1 FROM ({first}) a JOIN ({second}) s ON s.ts > a.ts AND s.ts <= {latest})"
    )


def _plus(column: str, delta: relativedelta, params: Params) -> str:
    """`column` + delta in SQL (a relativedelta of one unit times n)."""
    parts = {
        "years": delta.years,
        "months": delta.months,
        "days": delta.days,
        "hours": delta.hours,
    }
    if params.pg:
        terms = [f"{params.bind(n)} * interval '1 {unit[:-1]}'" for unit, n in parts.items() if n]
        return f"({column} + " + " + ".join(terms or ["interval '0 day'"]) + ")"
    mods = ", ".join(params.bind(f"+{n} {unit}") for unit, n in parts.items() if n)
    return f"strftime('%Y-%m-%d %H:%M:%f', {column}{', ' + mods if mods else ''})"


HANDLERS: dict[str, Callable[[Behaviour], str]] = {
    "performed_event": _performed,
    "performed_event_multiple": _multiple,
    "performed_event_first_time": _first_time,
    "performed_event_sequence": _sequence,
    "performed_event_regularly": _regularly,
    "stopped_performing_event": _stopped,
    "restarted_performing_event": _restarted,
}


def behaviour(node: dict[str, Any], params: Params, now: datetime) -> str:
    """SQL true for the persons `p` matching one behavioural filter at `now`."""
    handler = HANDLERS.get(str(node.get("value")))
    if handler is None:
        raise QueryError(f"unknown behavioural cohort filter {node.get('value')!r}")
    return handler(Behaviour(node, params, now))
