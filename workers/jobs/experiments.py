"""Experiment jobs (insights queue): compute and store an experiment's results."""

from __future__ import annotations

from typing import Any

from app.experiments import service


def compute_results(experiment_id: int) -> dict[str, Any]:
    """Recompute every metric of one experiment; the runner commits."""
    return service.refresh_results(experiment_id=experiment_id)
