"""What every query runner receives. Runners are pure functions of (query, context).

Contract between runners (trends, funnels, retention, stickiness, lifecycle, paths, events,
actors): `run_<kind>(query: dict[str, Any], ctx: QueryContext) -> dict[str, Any]` returning
PostHog's response shape for that kind (at least {"results": ...}). All SQL takes
`ctx.project_id` as a bound parameter; never interpolate user input into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class QueryContext:
    project_id: int
    timezone: str  # IANA name; every bucket is computed in it
    week_start_day: int  # 0 = Sunday, 1 = Monday
    now: datetime  # aware UTC; injected so tests can pin "now"


class Runner(Protocol):
    def __call__(self, query: dict[str, Any], ctx: QueryContext) -> dict[str, Any]: ...


class QueryError(ValueError):
    """A user error in the query (unknown kind, bad field): surfaced as a 400."""
