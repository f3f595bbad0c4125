"""Counting other domains' tables defensively: a table that does not exist yet counts 0.

Tables are looked up by name in the live database (not imported), so telemetry never
depends on a domain module being installed. Only counts leave this module, never values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnClause, column, func, inspect, select, table
from sqlalchemy.orm import Session

from app.db import UTCDateTime

TENANT_COLUMNS = ("project_id", "organization_id")


class TableCounter:
    """Counts rows of any table by name, answering 0 for tables this instance lacks."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.inspector = inspect(session.connection())
        self.tables = set(self.inspector.get_table_names())
        self._columns: dict[str, set[str]] = {}

    def columns(self, name: str) -> set[str]:
        if name not in self.tables:
            return set()
        if name not in self._columns:
            self._columns[name] = {c["name"] for c in self.inspector.get_columns(name)}
        return self._columns[name]

    def first(self, *names: str) -> str | None:
        """The first of the candidate table names that exists here."""
        return next((n for n in names if n in self.tables), None)

    def count(self, *names: str) -> int:
        """Rows in the first existing candidate table (0 when none exists)."""
        name = self.first(*names)
        if name is None:
            return 0
        return self._scalar(select(func.count()).select_from(table(name)))

    def count_between(self, name: str, time_column: str, start: datetime, end: datetime) -> int:
        """Rows whose `time_column` is in [start, end)."""
        if time_column not in self.columns(name):
            return 0
        ts = column(time_column, UTCDateTime())
        stmt = select(func.count()).select_from(table(name)).where(ts >= start, ts < end)
        return self._scalar(stmt)

    def distinct_tenants(self, *names: str) -> int:
        """How many projects (or organizations) have at least one row in the table."""
        name = self.first(*names)
        if name is None:
            return 0
        key = next((c for c in TENANT_COLUMNS if c in self.columns(name)), None)
        if key is None:
            return 0
        return self._scalar(select(func.count(func.distinct(column(key)))).select_from(table(name)))

    def distinct(self, name: str, key: str) -> int:
        """How many distinct values `key` takes in the table (0 when absent)."""
        if key not in self.columns(name):
            return 0
        return self._scalar(select(func.count(func.distinct(column(key)))).select_from(table(name)))

    def distinct_between(
        self, name: str, key: str, time_column: str, start: datetime, end: datetime
    ) -> int:
        if not {key, time_column} <= self.columns(name):
            return 0
        ts = column(time_column, UTCDateTime())
        stmt = (
            select(func.count(func.distinct(column(key))))
            .select_from(table(name))
            .where(ts >= start, ts < end)
        )
        return self._scalar(stmt)

    def grouped(self, name: str, key: str) -> dict[str, int]:
        """Row counts per value of `key` (callers must only pass closed-vocabulary columns)."""
        if key not in self.columns(name):
            return {}
        col: ColumnClause[Any] = column(key)
        rows = self.session.execute(
            select(col, func.count()).select_from(table(name)).group_by(col)
        )
        return {str(value): int(n) for value, n in rows}

    def organizations_with_members(self, minimum: int) -> int:
        if "organization_id" not in self.columns("memberships"):
            return 0
        org: ColumnClause[Any] = column("organization_id")
        inner = (
            select(org)
            .select_from(table("memberships"))
            .group_by(org)
            .having(func.count() >= minimum)
            .subquery()
        )
        return self._scalar(select(func.count()).select_from(inner))

    def _scalar(self, stmt: Any) -> int:
        return int(self.session.execute(stmt).scalar() or 0)
