"""Values are drawn once per entity: per threat, per interceptor shot, per person.

Each test uses a distribution whose spread separates the two readings: drawn per entity,
the entities are independent and the closed forms below hold; drawn once per replication
and shared, they would be far off (the alternative is given beside each test, many standard
errors away). A value drawn per entity leaves the mean of a single entity unchanged, so the
tests look at joint outcomes: two shots at one threat, two threats at one person, the
spread of a count.
"""

from __future__ import annotations

import math

import numpy as np

from sim import run_monte_carlo
from tests.builders import battery, binomial_variance_se, proportion_se, scenario, within

RUNS = 4000
N = 20
POINT = {"zones": {"spot": {"center_m": [0, 0], "size_m": [0.001, 0.001], "personnel": 1}}}


def test_pk_is_drawn_per_shot() -> None:
    # shoot-shoot, pk ~ U(0.2, 0.8) for each shot: P(leak) = E[1 - p]^2 = 0.25
    # (one pk shared by both shots would give E[(1 - p)^2] = 0.28)
    s = scenario(N, {"b": battery({"uniform": [0.2, 0.8]}, "shoot-shoot")})
    r = run_monte_carlo(s, runs=RUNS, seed=31, workers=1)
    estimate = r.metrics["leaked"]["mean"] / N
    assert within(estimate, 0.25, proportion_se(0.25, N * RUNS)), estimate


def test_pk_per_shot_makes_threats_independent() -> None:
    # shoot, pk ~ U(0.2, 0.8): leakers ~ Binomial(20, 0.5), variance 5
    # (one pk per replication would give 5 + 20 * 19 * Var(pk) = 16.4)
    s = scenario(N, {"b": battery({"uniform": [0.2, 0.8]})})
    r = run_monte_carlo(s, runs=RUNS, seed=32, workers=1)
    var, se = binomial_variance_se(N, 0.5, RUNS)
    assert within(r.metrics["leaked"]["mean"] / N, 0.5, proportion_se(0.5, N * RUNS))
    assert within(r.metrics["leaked"]["sd"] ** 2, var, se), r.metrics["leaked"]["sd"]


def test_only_the_shots_fired_count() -> None:
    # shoot-shoot with one interceptor left: one shot, so P(kill) = E[p] = 0.5 for pk ~
    # U(0.2, 0.8) (counting the unfired shot would give 1 - E[1 - p]^2 = 0.75)
    s = scenario(1, {"b": battery({"uniform": [0.2, 0.8]}, "shoot-shoot", interceptors=1)})
    r = run_monte_carlo(s, runs=RUNS, seed=38, workers=1)
    assert r.metrics["interceptors"]["max"] == 1
    assert within(r.metrics["intercepted"]["mean"], 0.5, proportion_se(0.5, RUNS))


def test_detection_probability_is_drawn_per_threat() -> None:
    # probability 0 or 1 with equal weights, per threat: nothing detected in 3 threats with
    # probability 1/8 (one draw per replication would give 1/2)
    s = scenario(3, {}, detect={"choice": {"values": [0, 1], "weights": [1, 1]}})
    r = run_monte_carlo(s, runs=RUNS, seed=33, workers=1)
    assert within(r.metrics["detected"]["p_zero"], 0.125, proportion_se(0.125, RUNS))


def test_cep_is_drawn_per_threat() -> None:
    # CEP 10 m or 1000 m with equal weights, per threat: each impact is within 20 m with
    # q = (1 - 0.5^4 + 1 - 0.5^0.0004) / 2, so the count per replication of 10 threats is
    # Binomial(10, q) (one CEP per replication: variance about 22 instead of 2.5)
    s = scenario(10, {}, cep_m={"choice": {"values": [10, 1000], "weights": [1, 1]}})
    r = run_monte_carlo(s, runs=RUNS, seed=34, workers=1, keep_impacts=RUNS)
    near = np.hypot(r.impacts[:, 2], r.impacts[:, 3]) <= 20.0
    counts = np.bincount(r.impacts[near, 0].astype(int), minlength=RUNS)
    q = (2 - 0.5**4 - 0.5 ** ((20 / 1000) ** 2)) / 2
    var, se = binomial_variance_se(10, q, RUNS)
    assert within(counts.mean() / 10, q, proportion_se(q, 10 * RUNS))
    assert within(counts.var(ddof=1), var, se), counts.var(ddof=1)


def test_effect_radii_are_drawn_per_threat() -> None:
    # two threats land on one person; killed radius 0 or 100 m with equal weights, per
    # threat: killed with probability 1 - 0.5^2 = 0.75 (one radius per replication: 0.5)
    radius = {"choice": {"values": [0, 100], "weights": [1, 1]}}
    s = scenario(2, {}, effects={"killed_m": radius, "wounded_m": 0, "tbi_m": 0}, zones=POINT)
    r = run_monte_carlo(s, runs=RUNS, seed=35, workers=1)
    assert within(r.metrics["killed"]["mean"], 0.75, proportion_se(0.75, RUNS))


def _shelter_zone(compliance: object, protection: object) -> dict:
    return {
        "zones": {"field": {"center_m": [0, 0], "size_m": [4000, 4000], "personnel": 16_000}},
        "warning": {"shelter_time_s": 0, "compliance": compliance},
        "protection": {"killed": protection},
    }


def test_compliance_and_protection_are_drawn_per_person() -> None:
    # one impact, killed radius 30 m, 16,000 people on 4 km x 4 km, everyone sheltered in
    # time. Either compliance or protection is 0 or 1 with equal weights, per person; a
    # person is killed when within 30 m and unsheltered (or unprotected), so the killed
    # count is Binomial(16,000, a / 2) with a = pi 30^2 / 4000^2 (one draw per replication
    # would give variance 3.4 instead of 1.4)
    half = {"choice": {"values": [0, 1], "weights": [1, 1]}}
    a = math.pi * 30**2 / 4000**2
    mean = 16_000 * a / 2
    var, se = binomial_variance_se(16_000, a / 2, RUNS)
    for base in (_shelter_zone(half, 1.0), _shelter_zone(1.0, half)):
        effects = {"killed_m": 30, "wounded_m": 0, "tbi_m": 0}
        s = scenario(1, {}, effects=effects, zones=base)
        r = run_monte_carlo(s, runs=RUNS, seed=36, workers=1)
        killed = r.metrics["killed"]
        assert within(killed["mean"], mean, math.sqrt(var / RUNS)), killed["mean"]
        assert within(killed["sd"] ** 2, var, se), killed["sd"]


def test_a_detection_after_impact_counts_for_nothing() -> None:
    # detection delay 400 s, flight 300 s: never detected, never engaged, no alarm
    effects = {"killed_m": 30, "wounded_m": 0, "tbi_m": 0}
    base = _shelter_zone(1.0, 1.0)  # with an alarm, everyone would be sheltered and safe
    late = scenario(1, {"b": battery(0.9)}, detection_delay=400, effects=effects, zones=base)
    r = run_monte_carlo(late, runs=400, seed=37, workers=1)
    for metric in ("detected", "engaged", "intercepted", "interceptors"):
        assert r.metrics[metric]["max"] == 0, metric
    assert r.metrics["leaked"]["min"] == 1
    assert r.metrics["killed"]["max"] > 0
    # a detection exactly at impact comes too late as well
    at_impact = scenario(1, {"b": battery(0.9)}, detection_delay=300, effects=effects, zones=base)
    r = run_monte_carlo(at_impact, runs=50, seed=37, workers=1)
    assert r.metrics["detected"]["max"] == 0
    assert r.metrics["engaged"]["max"] == 0
    # the same attack seen in time: the alarm shelters everyone, nobody is killed
    early = scenario(1, {}, detection_delay=299, effects=effects, zones=base)
    r = run_monte_carlo(early, runs=400, seed=37, workers=1)
    assert r.metrics["detected"]["min"] == 1
    assert r.metrics["killed"]["max"] == 0
