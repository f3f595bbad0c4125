"""Exposure and metric counts per variant, read from the event store, then the statistics.

A user is exposed at their first `$feature_flag_called` for the experiment's flag within the
run window; their variant is that event's `$feature_flag_response`. Holdout users
(`holdout-<id>`) are reported apart and not compared. Metric events count only after the
user's exposure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.db import get_session, utcnow
from app.events.models import Event
from app.experiments.models import Experiment
from app.experiments.stats import VariantData, analyse

Exposures = dict[str, tuple[str, datetime]]  # actor -> (variant, first exposure time)


def _actor(row: Any) -> str:
    return str(row.person_id) if row.person_id else f"d:{row.distinct_id}"


def _window(experiment: Experiment) -> tuple[datetime, datetime]:
    return experiment.start_date or experiment.created_at, experiment.end_date or utcnow()


def exposures(experiment: Experiment, flag_key: str) -> Exposures:
    start, end = _window(experiment)
    stmt = (
        select(Event.distinct_id, Event.person_id, Event.timestamp, Event.properties)
        .where(
            Event.event == "$feature_flag_called", Event.timestamp >= start, Event.timestamp <= end
        )
        .order_by(Event.timestamp)
    )
    out: Exposures = {}
    for row in get_session().execute(stmt):
        props = row.properties or {}
        if props.get("$feature_flag") != flag_key:
            continue
        variant = props.get("$feature_flag_response")
        actor = _actor(row)
        if isinstance(variant, str) and actor not in out:
            out[actor] = (variant, row.timestamp)
    return out


def _events_after(experiment: Experiment, names: set[str], seen: Exposures) -> list[Any]:
    start, end = _window(experiment)
    stmt = (
        select(Event.distinct_id, Event.person_id, Event.timestamp, Event.event)
        .where(Event.event.in_(names), Event.timestamp >= start, Event.timestamp <= end)
        .order_by(Event.timestamp)
    )
    return [
        r
        for r in get_session().execute(stmt)
        if _actor(r) in seen and r.timestamp >= seen[_actor(r)][1]
    ]


def _trend_counts(
    experiment: Experiment, metric: dict[str, Any], seen: Exposures
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in _events_after(experiment, {metric["event"]}, seen):
        variant = seen[_actor(row)][0]
        counts[variant] = counts.get(variant, 0) + 1
    return counts


def _funnel_counts(
    experiment: Experiment, metric: dict[str, Any], seen: Exposures
) -> dict[str, int]:
    steps: list[str] = metric["steps"]
    progress: dict[str, int] = {}
    for row in _events_after(experiment, set(steps), seen):
        actor = _actor(row)
        done = progress.get(actor, 0)
        if done < len(steps) and row.event == steps[done]:
            progress[actor] = done + 1
    counts: dict[str, int] = {}
    for actor, done in progress.items():
        if done == len(steps):
            variant = seen[actor][0]
            counts[variant] = counts.get(variant, 0) + 1
    return counts


def metric_result(
    experiment: Experiment, metric: dict[str, Any], seen: Exposures, variants: list[str]
) -> dict[str, Any]:
    counter = _funnel_counts if metric["kind"] == "funnel" else _trend_counts
    counts = counter(experiment, metric, seen)
    exposure = {v: sum(1 for var, _ in seen.values() if var == v) for v in variants}
    data = [VariantData(v, exposure[v], counts.get(v, 0)) for v in variants]
    stats = analyse(data, metric["kind"])
    return {
        "metric": metric,
        "variants": [{"key": d.key, "exposure": d.exposure, "count": d.count} for d in data],
        **stats,
    }


def compute(experiment: Experiment, flag_key: str, variants: list[str]) -> dict[str, Any]:
    seen = exposures(experiment, flag_key)
    holdout = {
        v: n
        for v in {var for var, _ in seen.values() if var.startswith("holdout-")}
        for n in [sum(1 for var, _ in seen.values() if var == v)]
    }
    return {
        "primary": [metric_result(experiment, m, seen, variants) for m in experiment.metrics],
        "secondary": [
            metric_result(experiment, m, seen, variants) for m in experiment.metrics_secondary
        ],
        "holdout_exposure": holdout,
        "computed_at": utcnow().isoformat(),
    }
