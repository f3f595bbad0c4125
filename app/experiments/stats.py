"""Bayesian experiment statistics, following PostHog's v2 experiment engine.

Models (flat priors, ALPHA_0 = BETA_0 = 1):
- count (trend) metrics: a variant's rate of events per exposed user is Gamma-Poisson,
  posterior Gamma(1 + count, rate 1 + exposure);
- conversion (funnel) metrics: Beta(1 + converted, 1 + not converted).

Win probabilities come from SAMPLES posterior draws per variant with a fixed seed, so a
result is reproducible. As PostHog reports them:
- funnels: the probability that each variant has the highest conversion rate;
- counts: for control, the probability that it beats the best test variant; for each test
  variant, the probability that it beats control (with one test variant both readings agree).
Credible intervals are the exact 2.5 % and 97.5 % quantiles of each posterior (not sampled).

Significance (codes as PostHog's `ExperimentSignificanceCode`, lower-cased):
`not_enough_exposure` while any variant has fewer than MIN_EXPOSURE exposed users;
`low_win_probability` while no probability reaches MIN_PROBABILITY; otherwise the variant with
the best observed rate is the candidate and its expected loss (mean shortfall against the best
alternative over fresh posterior draws) must stay below MAX_EXPECTED_LOSS, else `high_loss`.
The expected loss is reported as 1.0 whenever the result is not significant for exposure or
probability reasons, as PostHog does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats as distributions

Kind = Literal["trend", "funnel"]

SAMPLES = 10_000
SEED = 42
MIN_EXPOSURE = 100  # PostHog's FF_DISTRIBUTION_THRESHOLD
MIN_PROBABILITY = 0.9  # MIN_PROBABILITY_FOR_SIGNIFICANCE
MAX_EXPECTED_LOSS = 0.01  # EXPECTED_LOSS_SIGNIFICANCE_LEVEL
ALPHA_0 = 1.0
BETA_0 = 1.0
INTERVAL = (0.025, 0.975)
MAX_VARIANTS = 10


@dataclass(frozen=True)
class VariantData:
    key: str
    exposure: int  # exposed users
    count: int  # events (count metric) or converted users (funnel)

    def rate(self) -> float:
        return self.count / self.exposure if self.exposure else 0.0


def _posterior(variant: VariantData, kind: str) -> Any:
    """The frozen scipy posterior of one variant's rate."""
    if kind == "funnel":
        fails = max(variant.exposure - variant.count, 0)
        return distributions.beta(ALPHA_0 + variant.count, BETA_0 + fails)
    return distributions.gamma(ALPHA_0 + variant.count, scale=1.0 / (BETA_0 + variant.exposure))


def _draw(variants: list[VariantData], kind: str, rng: np.random.Generator) -> Any:
    """SAMPLES posterior draws per variant: an array of shape (len(variants), SAMPLES)."""
    return np.vstack([_posterior(v, kind).rvs(size=SAMPLES, random_state=rng) for v in variants])


def probabilities(variants: list[VariantData], kind: str, rng: np.random.Generator) -> list[float]:
    """Win probabilities in variant order (control first), as described in the module doc."""
    draws = _draw(variants, kind, rng)
    if kind == "funnel":
        best = np.argmax(draws, axis=0)
        return [float(np.mean(best == i)) for i in range(len(variants))]
    control, tests = draws[0], draws[1:]
    out = [float(np.mean(control > np.max(tests, axis=0)))]
    out.extend(float(np.mean(test > control)) for test in tests)
    return out


def credible_interval(variant: VariantData, kind: str) -> list[float]:
    low, high = _posterior(variant, kind).ppf(INTERVAL)
    return [float(low), float(high)]


def expected_loss(
    target: VariantData, others: list[VariantData], kind: str, rng: np.random.Generator
) -> float:
    """Mean of max(0, best alternative − target) over fresh posterior draws."""
    target_draws = _draw([target], kind, rng)[0]
    alternative = np.max(_draw(others, kind, rng), axis=0)
    return float(np.mean(np.maximum(0.0, alternative - target_draws)))


def analyse(variants: list[VariantData], kind: str) -> dict[str, Any]:
    """Probabilities, intervals, expected loss and the significance verdict for one metric.

    `variants` lists control first, then the test variants (at least two in all).
    """
    if not 2 <= len(variants) <= MAX_VARIANTS:
        raise ValueError(f"an experiment compares 2 to {MAX_VARIANTS} variants")
    rng = np.random.default_rng(SEED)
    keys = [v.key for v in variants]
    probability = dict(zip(keys, probabilities(variants, kind, rng), strict=True))
    intervals = {v.key: credible_interval(v, kind) for v in variants}
    code, loss, best = _verdict(variants, probability, kind, rng)
    significant = code == "significant"
    return {
        "probability": probability,
        "credible_intervals": intervals,
        "expected_loss": loss,
        "winner": best if significant else None,
        "significant": significant,
        "significance_code": code,
    }


def _verdict(
    variants: list[VariantData], probability: dict[str, float], kind: str, rng: np.random.Generator
) -> tuple[str, float, str | None]:
    if any(v.exposure < MIN_EXPOSURE for v in variants):
        return "not_enough_exposure", 1.0, None
    if max(probability.values()) < MIN_PROBABILITY:
        return "low_win_probability", 1.0, None
    best = max(variants, key=VariantData.rate)  # first of equals, as argmax
    loss = expected_loss(best, [v for v in variants if v is not best], kind, rng)
    if loss >= MAX_EXPECTED_LOSS:
        return "high_loss", loss, best.key
    return "significant", loss, best.key
