"""Bound parameters, dialect helpers and execution for the insight engine's raw SQL.

Postgres is the engine. SQLite (the embedded default) gets Python implementations of the
few functions we need (time-zone bucketing, safe float cast, regex) registered on the
connection, which is enough for trends on small data; other runners may assume Postgres.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, text
from sqlalchemy.exc import DBAPIError

from app.db import get_session
from app.query import cancel

# Analytical queries sort and hash far more rows than OLTP ones; give them room (per query).
WORK_MEM = "64MB"
_SETTINGS = text(
    f"SELECT set_config('work_mem', '{WORK_MEM}', true), set_config('jit', 'off', true)"
)
# Matches what toFloat64OrNull accepts in practice; anything else casts to NULL, never errors.
_NUMERIC_RE = r"^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?\s*$"


class Params:
    """Collects bound parameters; `bind(v)` returns the placeholder to put in SQL."""

    def __init__(self, dialect: str, **initial: Any) -> None:
        self.dialect = dialect
        self.values: dict[str, Any] = dict(initial)
        self._n = 0
        # Whether actors need the distinct-id mapping (app.query.persons); probed once.
        self.personless: bool | None = None

    def bind(self, value: Any) -> str:
        self._n += 1
        name = f"p{self._n}"
        self.values[name] = value
        return f":{name}"

    @property
    def pg(self) -> bool:
        return self.dialect == "postgresql"

    def prop(self, column: str, key: str) -> str:
        """Text of a JSON property: NULL for missing/JSON null, 'true'/'false' for booleans."""
        if self.pg:
            return f"({column} ->> {self.bind(key)})"
        path = self.bind('$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"')
        return f"burrow_json_text({column}, {path})"

    def safe_float(self, expr: str) -> str:
        """Cast to float, NULL when the text is not a number (never an error)."""
        if self.pg:
            return f"(CASE WHEN {expr} ~ {self.bind(_NUMERIC_RE)} THEN ({expr})::float8 END)"
        return f"burrow_float({expr})"

    def safe_timestamp(self, expr: str) -> str:
        """Best-effort date parse of a property value; NULL when unparsable."""
        return f"burrow_to_timestamptz({expr})"

    def regex(self, expr: str, pattern: str) -> str:
        if self.pg:
            return f"({expr} ~ {self.bind(pattern)})"
        return f"burrow_regexp({self.bind(pattern)}, {expr})"

    def ilike(self, expr: str, pattern: str) -> str:
        op = "ILIKE" if self.pg else "LIKE"
        return f"({expr} {op} {self.bind(pattern)} ESCAPE '\\')"

    def local_bucket(self, ts: str, interval: str, tz: str, week_start: int) -> str:
        """Naive local start of the interval containing timestamp column `ts`."""
        if not self.pg:
            return (
                f"burrow_bucket({ts}, {self.bind(tz)}, {self.bind(interval)}, "
                f"{self.bind(week_start)})"
            )
        local = f"({ts} AT TIME ZONE {self.bind(tz)})"
        if interval == "week" and week_start == 0:
            return f"(date_trunc('week', {local} + interval '1 day') - interval '1 day')"
        return f"date_trunc('{_unit(interval)}', {local})"


def _unit(interval: str) -> str:
    if interval not in ("hour", "day", "week", "month"):
        raise ValueError(interval)
    return interval


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def dialect_name() -> str:
    return get_session().get_bind().dialect.name


def execute(sql: str, params: Params | dict[str, Any]) -> Sequence[Row[Any]]:
    """Run one read query in the current session; registers SQLite helpers when needed."""
    cancel.checkpoint()
    session = get_session()
    values = params.values if isinstance(params, Params) else params
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        _register_sqlite(session.connection().connection.driver_connection)
    else:
        driver: Any = session.connection().connection.driver_connection
        cancel.note_backend(bind.engine, driver.info.backend_pid)
        # JIT compiles our ~1 s aggregations for hundreds of ms (their cost estimates pass
        # jit_above_cost) and wins little back on them; off for every insight statement.
        session.execute(_SETTINGS)
    try:
        return session.execute(text(sql), values).all()
    except DBAPIError:
        cancel.checkpoint()  # a statement cancelled on request surfaces as Cancelled
        raise


def _register_sqlite(conn: Any) -> None:
    if not isinstance(conn, sqlite3.Connection):
        return
    conn.create_function("burrow_float", 1, _py_float, deterministic=True)
    conn.create_function("burrow_regexp", 2, _py_regexp, deterministic=True)
    conn.create_function("burrow_bucket", 4, _py_bucket, deterministic=True)
    conn.create_function("burrow_json_text", 2, _py_json_text, deterministic=True)
    conn.create_function("burrow_to_timestamptz", 1, _py_timestamp, deterministic=True)


def _py_float(value: Any) -> float | None:
    if value is None or not re.match(_NUMERIC_RE, str(value)):
        return None
    return float(value)


def _py_regexp(pattern: str, value: Any) -> bool | None:
    if value is None:
        return None
    return re.search(pattern, str(value)) is not None


def _py_json_text(doc: Any, path: str) -> str | None:
    import json

    data = json.loads(doc) if isinstance(doc, str) else doc
    key = json.loads(path[2:]) if path.startswith('$."') else path
    value = data.get(key) if isinstance(data, dict) else None
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _py_timestamp(value: Any) -> str | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _py_bucket(ts: str, tz: str, interval: str, week_start: int) -> str:
    from app.query.dates import start_of

    moment = datetime.fromisoformat(ts).replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return start_of(local, interval, week_start).strftime("%Y-%m-%d %H:%M:%S")


def as_naive(value: Any) -> datetime:
    """A bucket value from the database (datetime or SQLite text) as a naive datetime."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.fromisoformat(str(value))


def utc_param(dt: datetime, dialect: str) -> Any:
    """A UTC bound for comparisons against the timestamp column in this dialect."""
    if dialect == "sqlite":
        return dt.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return dt


ZERO_UUID = "00000000-0000-0000-0000-000000000000"
WEEK = timedelta(days=7)
