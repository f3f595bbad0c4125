"""Experiment statistics against independent computations (numerical integration, closed
forms, pure-Python Monte Carlo), and the significance rules."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

from app.experiments.stats import VariantData, analyse
from tests.flags.test_experiments import p_beta_b_beats_a, p_gamma_b_beats_a

LogPdf = Callable[[float], float]


def _cdf(log_pdf: LogPdf, upper: float, lower: float = 0.0, steps: int = 20_000) -> float:
    """Simpson's rule over a density given as a log-pdf function."""
    h = (upper - lower) / steps
    total = 0.0
    for i in range(steps + 1):
        x = lower + i * h
        weight = 1 if i in (0, steps) else (4 if i % 2 else 2)
        total += weight * (math.exp(log_pdf(x)) if x > 0 else 0.0)
    return total * h / 3


def _log_beta_pdf(a: float, b: float) -> LogPdf:
    norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    return lambda x: norm + (a - 1) * math.log(x) + (b - 1) * math.log1p(-x) if x < 1 else -1e300


def _log_gamma_pdf(shape: float, rate: float) -> LogPdf:
    norm = shape * math.log(rate) - math.lgamma(shape)
    return lambda x: norm + (shape - 1) * math.log(x) - rate * x


def test_funnel_intervals_are_exact_beta_quantiles() -> None:
    result = analyse([VariantData("control", 200, 40), VariantData("test", 200, 60)], "funnel")
    for key, conv in (("control", 40), ("test", 60)):
        low, high = result["credible_intervals"][key]
        pdf = _log_beta_pdf(1 + conv, 1 + 200 - conv)
        assert _cdf(pdf, low) == pytest.approx(0.025, abs=2e-4)
        assert _cdf(pdf, high) == pytest.approx(0.975, abs=2e-4)


def test_count_intervals_are_exact_gamma_quantiles() -> None:
    result = analyse([VariantData("control", 150, 300), VariantData("test", 150, 360)], "trend")
    low, high = result["credible_intervals"]["test"]
    pdf = _log_gamma_pdf(1 + 360, 1 + 150)
    assert _cdf(pdf, low) == pytest.approx(0.025, abs=2e-4)
    assert _cdf(pdf, high) == pytest.approx(0.975, abs=2e-4)


def test_count_probabilities_compare_with_control_as_posthog_does() -> None:
    data = [
        VariantData("control", 500, 600),
        VariantData("a", 500, 640),
        VariantData("b", 500, 700),
    ]
    result = analyse(data, "trend")
    prob = result["probability"]
    # Each test variant: P(test beats control), in closed form.
    assert prob["a"] == pytest.approx(p_gamma_b_beats_a(601, 501, 641, 501), abs=0.015)
    assert prob["b"] == pytest.approx(p_gamma_b_beats_a(601, 501, 701, 501), abs=0.015)
    # Control: P(control beats the best test variant), by an independent simulation.
    rng = random.Random(7)
    n = 40_000
    wins = sum(
        rng.gammavariate(601, 1 / 501)
        > max(rng.gammavariate(641, 1 / 501), rng.gammavariate(701, 1 / 501))
        for _ in range(n)
    )
    assert prob["control"] == pytest.approx(wins / n, abs=0.01)
    assert result["significant"] is True and result["winner"] == "b"
    assert 0 <= result["expected_loss"] < 0.01


def test_funnel_probabilities_are_probability_of_being_best() -> None:
    data = [VariantData("control", 300, 60), VariantData("x", 300, 75), VariantData("y", 300, 66)]
    result = analyse(data, "funnel")
    assert sum(result["probability"].values()) == pytest.approx(1.0, abs=1e-9)
    two = analyse(data[:2], "funnel")["probability"]["x"]
    assert two == pytest.approx(p_beta_b_beats_a(61, 241, 76, 226), abs=0.015)


def test_verdicts() -> None:
    even = analyse([VariantData("control", 1000, 100), VariantData("test", 1000, 101)], "funnel")
    assert (even["significance_code"], even["significant"]) == ("low_win_probability", False)
    assert even["expected_loss"] == 1.0 and even["winner"] is None
    # Probably better, but the rates (events per user) are so uncertain that choosing the
    # test could still lose more than 0.01 events per user.
    risky = analyse([VariantData("control", 100, 2000), VariantData("test", 100, 2100)], "trend")
    assert risky["probability"]["test"] >= 0.9
    assert risky["significance_code"] == "high_loss" and risky["expected_loss"] >= 0.01
    small = analyse([VariantData("control", 99, 10), VariantData("test", 5000, 4000)], "funnel")
    assert small["significance_code"] == "not_enough_exposure"
    with pytest.raises(ValueError):
        analyse([VariantData("control", 100, 1)], "funnel")


def test_results_are_reproducible() -> None:
    data = [VariantData("control", 400, 90), VariantData("test", 400, 110)]
    assert analyse(data, "funnel") == analyse(data, "funnel")
