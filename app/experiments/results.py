"""Exposure and metric counts per variant (SQL in app.query.experiments), then the statistics.

A user is exposed at their first `$feature_flag_called` for the experiment's flag within the
run window; their variant is that event's `$feature_flag_response`. Holdout users
(`holdout-<id>`) are reported apart and not compared. Metric events count only after the
user's exposure. Persons are resolved as insights resolve them, so a merged person counts
once, in the variant of their first exposure.
"""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from typing import Any

from app.db import utcnow
from app.experiments.models import Experiment
from app.experiments.stats import VariantData, analyse
from app.query.experiments import Window, event_counts, exposure_counts, step_events


def _window(experiment: Experiment, flag_key: str) -> Window:
    start: datetime = experiment.start_date or experiment.created_at
    return Window(experiment.project_id, flag_key, start, experiment.end_date or utcnow())


def _funnel_counts(window: Window, steps: list[str]) -> dict[str, int]:
    """Actors per variant who did every step in order after exposure."""
    counts: dict[str, int] = {}
    for _actor, rows in groupby(step_events(window, steps), key=lambda r: r[0]):
        events = list(rows)
        done = 0
        for _, _variant, event in events:
            if done < len(steps) and event == steps[done]:
                done += 1
        if done == len(steps):
            variant = events[0][1]
            counts[variant] = counts.get(variant, 0) + 1
    return counts


def metric_result(
    window: Window, metric: dict[str, Any], exposure: dict[str, int], variants: list[str]
) -> dict[str, Any]:
    if metric["kind"] == "funnel":
        counts = _funnel_counts(window, metric["steps"])
    else:
        counts = event_counts(window, metric["event"])
    data = [VariantData(v, exposure.get(v, 0), counts.get(v, 0)) for v in variants]
    stats = analyse(data, metric["kind"])
    return {
        "metric": metric,
        "variants": [{"key": d.key, "exposure": d.exposure, "count": d.count} for d in data],
        **stats,
    }


def compute(experiment: Experiment, flag_key: str, variants: list[str]) -> dict[str, Any]:
    """Every metric's results; `variants` are the flag's variant keys (control compared first)."""
    window = _window(experiment, flag_key)
    exposure = exposure_counts(window)
    ordered = sorted(variants, key=lambda v: v != "control")
    return {
        "primary": [metric_result(window, m, exposure, ordered) for m in experiment.metrics],
        "secondary": [
            metric_result(window, m, exposure, ordered) for m in experiment.metrics_secondary
        ],
        "holdout_exposure": {v: n for v, n in exposure.items() if v.startswith("holdout-")},
        "computed_at": utcnow().isoformat(),
    }
