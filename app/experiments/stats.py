"""Bayesian experiment statistics, as PostHog's (legacy) engine computes them.

Count metrics: each variant's event rate per exposed user is Gamma(1 + count, 1 + exposure)
(a Gamma-Poisson model with a Gamma(1, 1) prior). Conversion (funnel) metrics: Beta(1 +
successes, 1 + failures). The probability that each variant is best comes from Monte Carlo
draws with a fixed seed (so results are reproducible); credible intervals are the 2.5 % and
97.5 % quantiles of the same draws. Significance needs every variant to have at least
MIN_EXPOSURE exposed users, a winner with probability >= MIN_PROBABILITY, and an expected
loss below MAX_EXPECTED_LOSS.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

SIMULATIONS = 20_000
SEED = 42
MIN_EXPOSURE = 100
MIN_PROBABILITY = 0.9
MAX_EXPECTED_LOSS = 0.01
PRIOR = 1.0


@dataclass(frozen=True)
class VariantData:
    key: str
    exposure: int  # exposed users
    count: int  # events (count metric) or converted users (funnel)


def _draws(variant: VariantData, kind: str, rng: random.Random) -> list[float]:
    if kind == "funnel":
        fails = max(variant.exposure - variant.count, 0)
        return [rng.betavariate(PRIOR + variant.count, PRIOR + fails) for _ in range(SIMULATIONS)]
    shape, rate = PRIOR + variant.count, PRIOR + variant.exposure
    return [rng.gammavariate(shape, 1.0 / rate) for _ in range(SIMULATIONS)]


def _quantile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(int(q * len(sorted_values)), len(sorted_values) - 1)]


def analyse(variants: list[VariantData], kind: str) -> dict[str, Any]:
    """Probabilities, intervals, expected loss and the significance verdict for one metric."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible statistics, not security
    draws = {v.key: _draws(v, kind, rng) for v in variants}
    keys = [v.key for v in variants]
    wins = dict.fromkeys(keys, 0)
    for i in range(SIMULATIONS):
        wins[max(keys, key=lambda k: draws[k][i])] += 1
    probability = {k: wins[k] / SIMULATIONS for k in keys}
    intervals = {}
    for k in keys:
        ordered = sorted(draws[k])
        intervals[k] = [_quantile(ordered, 0.025), _quantile(ordered, 0.975)]
    winner = max(keys, key=lambda k: probability[k])
    loss = (
        sum(max(max(draws[k][i] for k in keys) - draws[winner][i], 0.0) for i in range(SIMULATIONS))
        / SIMULATIONS
    )
    significant, code = _verdict(variants, probability[winner], loss)
    return {
        "probability": probability,
        "credible_intervals": intervals,
        "expected_loss": loss,
        "winner": winner if significant else None,
        "significant": significant,
        "significance_code": code,
    }


def _verdict(variants: list[VariantData], best: float, loss: float) -> tuple[bool, str]:
    if any(v.exposure < MIN_EXPOSURE for v in variants):
        return False, "not_enough_exposure"
    if best < MIN_PROBABILITY:
        return False, "low_win_probability"
    if loss >= MAX_EXPECTED_LOSS:
        return False, "high_loss"
    return True, "significant"
