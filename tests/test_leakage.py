"""Leak-through against the closed forms of independent shots (Wilkening-style).

P(leak) = 1 - d (1 - (1 - p)^n) for n = shots x engagements at one battery; layers
multiply; shoot-look-shoot uses (1 - (1 - p)^m) / p interceptors per threat; Poisson salvos
thin to Poisson leakers; a finite magazine fires exactly its size.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim import metric_names, replication_rng, run_monte_carlo, run_replication
from tests.builders import battery, proportion_se, scenario, within

RUNS = 4000
N = 20


@pytest.mark.parametrize(
    ("doctrine", "p", "d", "n"),
    [
        ("shoot", 0.7, 0.9, 1),
        ("shoot-shoot", 0.6, 1.0, 2),
        ("shoot-look-shoot", 0.7, 0.9, 2),
        ({"shots": 3, "engagements": 2}, 0.3, 0.95, 6),
    ],
)
def test_leak_probability_per_doctrine(doctrine, p: float, d: float, n: int) -> None:
    s = scenario(N, {"b": battery(p, doctrine)}, detect=d)
    r = run_monte_carlo(s, runs=RUNS, seed=11, workers=1)
    expected = 1 - d * (1 - (1 - p) ** n)
    estimate = r.metrics["leaked"]["mean"] / N
    assert within(estimate, expected, proportion_se(expected, N * RUNS)), (estimate, expected)


def test_worked_examples_of_the_reference() -> None:
    # d = 0.9, p = 0.7, shoot-look-shoot: 0.181, 20 threats give 3.62 leakers on average
    s = scenario(N, {"b": battery(0.7, "shoot-look-shoot")}, detect=0.9)
    r = run_monte_carlo(s, runs=RUNS, seed=12, workers=1)
    se = N * proportion_se(0.181, N * RUNS)
    assert within(r.metrics["leaked"]["mean"], 3.62, se)


def test_detection_alone() -> None:
    s = scenario(N, {}, detect=0.8)
    r = run_monte_carlo(s, runs=RUNS, seed=13, workers=1)
    assert r.metrics["leaked"]["min"] == N  # nothing engages: all leak
    assert within(r.metrics["detected"]["mean"] / N, 0.8, proportion_se(0.8, N * RUNS))


def test_two_layers_multiply() -> None:
    layers = {"outer": battery(0.5), "inner": battery(0.8)}
    s = scenario(N, layers)
    r = run_monte_carlo(s, runs=RUNS, seed=14, workers=1)
    assert within(r.metrics["leaked"]["mean"] / N, 0.1, proportion_se(0.1, N * RUNS))
    # the inner layer sees only what the outer one missed: 0.5 x 0.8 of all threats
    kills = r.metrics["intercepted.inner"]["mean"] / N
    assert within(kills, 0.4, proportion_se(0.4, N * RUNS))


def test_three_layers_with_mixed_doctrines() -> None:
    layers = {
        "a": battery(0.4, "shoot-look-shoot"),
        "b": battery(0.5, "shoot-shoot"),
        "c": battery(0.3),
    }
    s = scenario(N, layers, detect=0.95)
    r = run_monte_carlo(s, runs=RUNS, seed=15, workers=1)
    expected = 1 - 0.95 * (1 - 0.6**2 * 0.5**2 * 0.7)
    assert within(r.metrics["leaked"]["mean"] / N, expected, proportion_se(expected, N * RUNS))


def test_shoot_look_shoot_interceptors_per_threat() -> None:
    p, m = 0.6, 3
    s = scenario(N, {"b": battery(p, {"shots": 1, "engagements": m})})
    r = run_monte_carlo(s, runs=RUNS, seed=16, workers=1)
    expected = (1 - (1 - p) ** m) / p
    # shots per threat: k with probability (1-p)^(k-1) p for k < m, and (1-p)^(m-1) for m
    ks = np.arange(1, m + 1)
    probs = np.array([(1 - p) ** (k - 1) * p for k in range(1, m)] + [(1 - p) ** (m - 1)])
    sd = math.sqrt(np.dot(probs, (ks - expected) ** 2))
    estimate = r.metrics["interceptors"]["mean"] / N
    assert within(estimate, expected, sd / math.sqrt(N * RUNS)), (estimate, expected)


def test_shoot_shoot_always_fires_two() -> None:
    s = scenario(N, {"b": battery(0.5, "shoot-shoot")}, detect=0.7)
    names = metric_names(s)
    for i in range(300):
        row = dict(zip(names, run_replication(s, replication_rng(3, i)).row, strict=True))
        assert row["interceptors"] == 2 * row["engaged"] == 2 * row["detected"]


def test_poisson_salvo_thins_to_poisson_leakers() -> None:
    lam, p, d = 8.0, 0.7, 0.9
    runs = 20_000
    s = scenario({"poisson": lam}, {"b": battery(p)}, detect=d)
    r = run_monte_carlo(s, runs=runs, seed=17, workers=2)
    mu = lam * (1 - d * p)
    leaked = r.metrics["leaked"]
    assert within(leaked["mean"], mu, math.sqrt(mu / runs))
    # variance of the sample variance of a Poisson(mu) sample: (mu + 2 mu^2) / runs
    assert within(leaked["sd"] ** 2, mu, math.sqrt((mu + 2 * mu**2) / runs))
    p0 = math.exp(-mu)
    assert within(leaked["p_zero"], p0, proportion_se(p0, runs))


def test_fixed_salvo_gives_binomial_leakers() -> None:
    p_leak = 1 - 0.9 * 0.7
    s = scenario(N, {"b": battery(0.7)}, detect=0.9)
    r = run_monte_carlo(s, runs=RUNS, seed=18, workers=1)
    hist = {int(k): v for k, v in r.metrics["leaked"]["histogram"].items()}
    for k in range(N + 1):
        b = stats.binom.pmf(k, N, p_leak)
        if RUNS * b < 5:
            continue
        assert within(hist.get(k, 0), RUNS * b, math.sqrt(RUNS * b * (1 - b))), k


def test_finite_magazine_fires_exactly_its_size() -> None:
    n, m, p = 12, 8, 0.6
    s = scenario(n, {"b": battery(p, interceptors=m)})
    r = run_monte_carlo(s, runs=RUNS, seed=19, workers=1)
    assert r.metrics["interceptors"]["min"] == r.metrics["interceptors"]["max"] == m
    leaked = r.metrics["leaked"]
    assert leaked["min"] >= n - m
    expected, var = (n - m) + m * (1 - p), m * p * (1 - p)
    assert within(leaked["mean"], expected, math.sqrt(var / RUNS))
    assert within(leaked["sd"] ** 2, var, var * math.sqrt(2 / (RUNS - 1)))


def test_shots_limited_by_what_the_magazine_holds() -> None:
    # 3 interceptors, shoot-shoot, 2 threats at once: 2 + 1 fired, never more
    s = scenario(2, {"b": battery(0.0, "shoot-shoot", interceptors=3)})
    names = metric_names(s)
    for i in range(50):
        row = dict(zip(names, run_replication(s, replication_rng(4, i)).row, strict=True))
        assert row["interceptors"] == 3
        assert row["engaged"] == 2
