"""Experiment exposure and metric counts in SQL (read by app.experiments.results).

Exposure: an actor (the person as resolved by app.query.persons, so merged persons count
once) is exposed at their first `$feature_flag_called` for the flag inside the results
window whose `$feature_flag_response` is a string (the variant); later calls don't move it.
Metric events count only at or after the actor's exposure and inside the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.query import persons
from app.query.sql import Params, dialect_name, execute, utc_param

CALLED = "$feature_flag_called"


@dataclass(frozen=True)
class Window:
    project_id: int
    flag_key: str
    start: datetime
    end: datetime


def _base(window: Window) -> tuple[Params, str]:
    """Params and the `exposure(actor, variant, ts)` CTE for this experiment window."""
    dialect = dialect_name()
    params = Params(
        dialect,
        project_id=window.project_id,
        win_start=utc_param(window.start, dialect),
        win_end=utc_param(window.end, dialect),
    )
    actor = persons.actor_expr(params)
    response = params.prop("e.properties", "$feature_flag_response")
    flag = params.prop("e.properties", "$feature_flag")
    key = "$feature_flag_response"
    if params.pg:
        is_string = f"jsonb_typeof(e.properties -> {params.bind(key)}) = 'string'"
    else:
        path = params.bind(f'$."{key}"')
        is_string = f"json_type(e.properties, {path}) = 'text'"
    cte = (
        "exposure AS (SELECT actor, variant, ts FROM ("
        f"SELECT {actor} AS actor, {response} AS variant, e.timestamp AS ts, "
        f"ROW_NUMBER() OVER (PARTITION BY {actor} ORDER BY e.timestamp, e.uuid) AS n "
        f"FROM events e {persons.joins_for(set(), actor=True, params=params)} "
        f"WHERE e.project_id = :project_id AND e.event = {params.bind(CALLED)} "
        f"AND {flag} = {params.bind(window.flag_key)} AND {is_string} "
        "AND e.timestamp >= :win_start AND e.timestamp <= :win_end"
        f") first_call WHERE n = 1 AND actor IS NOT NULL)"
    )
    return params, cte


def exposure_counts(window: Window) -> dict[str, int]:
    """Exposed actors per variant (holdout variants included, as `holdout-<id>`)."""
    params, cte = _base(window)
    rows = execute(
        f"WITH {cte} SELECT variant, count(*) AS n FROM exposure GROUP BY variant", params
    )
    return {str(row.variant): int(row.n) for row in rows}


def _after_exposure(params: Params, event_sql: str) -> str:
    actor = persons.actor_expr(params)
    return (
        f"FROM events e {persons.joins_for(set(), actor=True, params=params)} "
        f"JOIN exposure x ON x.actor = {actor} "
        f"WHERE e.project_id = :project_id AND {event_sql} "
        "AND e.timestamp >= x.ts AND e.timestamp >= :win_start AND e.timestamp <= :win_end"
    )


def event_counts(window: Window, event: str) -> dict[str, int]:
    """Metric events per variant, counted after each actor's exposure."""
    params, cte = _base(window)
    body = _after_exposure(params, f"e.event = {params.bind(event)}")
    rows = execute(f"WITH {cte} SELECT x.variant, count(*) AS n {body} GROUP BY x.variant", params)
    return {str(row.variant): int(row.n) for row in rows}


def step_events(window: Window, steps: list[str]) -> Sequence[Any]:
    """(actor, variant, event) rows of the funnel's step events after exposure, in order."""
    params, cte = _base(window)
    names = ", ".join(params.bind(s) for s in dict.fromkeys(steps))
    body = _after_exposure(params, f"e.event IN ({names})")
    order = "ORDER BY x.actor, e.timestamp, e.uuid"
    return execute(f"WITH {cte} SELECT x.actor, x.variant, e.event {body} {order}", params)
