"""One scan of the events table per insight, shared by funnels, retention, stickiness,
lifecycle and paths: rows of (actor, timestamp, uuid, flag columns...) ordered by actor and
time, with the global filters, test-account filters and the actor resolution applied.

The actor is the person (the stored person id followed through merges, see
app.query.persons) or, with `aggregation_group_type_index`, the group key.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from sqlalchemy import text

from app.db import get_session
from app.query import actions, persons
from app.query.base import QueryContext, QueryError
from app.query.properties import Sources, compile_filters
from app.query.sql import Params, dialect_name, execute, utc_param
from app.query.trends import test_account_filters


@dataclass
class Scan:
    """SQL pieces for one events scan; add columns/conditions, then `rows()`."""

    query: dict[str, Any]
    ctx: QueryContext
    params: Params = field(init=False)
    src: Sources = field(default_factory=Sources)
    columns: list[str] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    ctes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.params = Params(dialect_name(), project_id=self.ctx.project_id)
        self.where.append("e.project_id = :project_id")
        group = self.group_index
        if group is not None:
            self.where.append(f"e.group{group} <> ''")
        self.add_filters(self.query.get("properties"))
        if self.query.get("filterTestAccounts"):
            self.add_filters(test_account_filters(self.ctx.project_id))

    @property
    def group_index(self) -> int | None:
        index = self.query.get("aggregation_group_type_index")
        if index is None:
            return None
        if not isinstance(index, int) or not 0 <= index <= 4:
            raise QueryError("aggregation_group_type_index must be 0..4")
        return index

    def actor(self) -> str:
        index = self.group_index
        if index is not None:
            return persons.group_actor_expr(index)
        return persons.actor_expr(self.params)

    def bind(self, value: Any) -> str:
        return self.params.bind(value)

    def filters(self, node: Any) -> str:
        return compile_filters(node, self.params, self.src)

    def add_filters(self, node: Any) -> None:
        sql = self.filters(node)
        if sql not in ("TRUE", "1=1"):
            self.where.append(sql)

    def between(self, utc_from: datetime, utc_to: datetime) -> None:
        dialect = self.params.dialect
        self.where.append(f"e.timestamp >= {self.bind(utc_param(utc_from, dialect))}")
        self.where.append(f"e.timestamp <= {self.bind(utc_param(utc_to, dialect))}")

    def event_is(self, node: dict[str, Any]) -> str:
        """Event name or action + the node's own property filters (an event of None = any event)."""
        parts = []
        if actions.is_action(node):
            parts.append(
                actions.action_condition(self.ctx.project_id, node.get("id"), self.params, self.src)
            )
        elif (name := node.get("event", node.get("id"))) is not None:
            parts.append(f"e.event = {self.bind(str(name))}")
        own = self.filters(node.get("properties"))
        if own not in ("TRUE", "1=1"):
            parts.append(own)
        return "(" + " AND ".join(parts) + ")" if parts else "(1=1)"

    def flag(self, condition: str) -> str:
        return f"CASE WHEN {condition} THEN 1 ELSE 0 END"

    def sql(self, order: bool = True) -> str:
        actor = self.actor()
        joins = persons.joins_for(
            self.src.needs, actor=self.group_index is None, params=self.params
        )
        cols = ", ".join([f"{actor} AS actor", "e.timestamp AS ts", "e.uuid AS uid", *self.columns])
        with_sql = ("WITH " + ", ".join(self.ctes) + " ") if self.ctes else ""
        where = " AND ".join([*self.where, f"{actor} IS NOT NULL"])
        tail = " ORDER BY 1, 2, 3" if order else ""
        return f"{with_sql}SELECT {cols} FROM events e {joins} WHERE {where}{tail}"

    def select(self, columns: list[str], extra_where: list[str], tail: str = "") -> str:
        """A custom SELECT (actor first) over the scan's events, joins and conditions."""
        actor = self.actor()
        joins = persons.joins_for(
            self.src.needs, actor=self.group_index is None, params=self.params
        )
        where = " AND ".join([*self.where, *extra_where, f"{actor} IS NOT NULL"])
        cols = ", ".join([f"{actor} AS actor", *columns])
        return f"SELECT {cols} FROM events e {joins} WHERE {where} {tail}"

    def rows(self) -> Sequence[Any]:
        return execute(self.sql(), self.params)


def no_jit() -> None:
    """Turn Postgres JIT off for the rest of the transaction: the big cost estimates of our
    aggregations trigger it, and compiling costs ~0.7 s on 2 CPUs for queries that run ~1 s."""
    session = get_session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def by_actor(rows: Sequence[Any]) -> Iterator[tuple[Any, list[Any]]]:
    """Group ordered scan rows per actor."""
    for actor, group in groupby(rows, key=lambda r: r[0]):
        yield actor, list(group)


def epoch(value: Any) -> float:
    """A timestamp column value as epoch seconds (SQLite gives naive UTC text)."""
    return aware(value).timestamp()


def aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
